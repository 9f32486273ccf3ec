"""Owns the metrics domain's Definitions: ``metrics_daily``, its blocking checks and the weekly
whole-table reconciliation (always present).

Uses the root's ``postgres`` resource.
"""

from __future__ import annotations

import dagster as dg

from sponsor_pipeline.defs.freshness_checks import build_freshness_check
from sponsor_pipeline.defs.metrics.assets import metrics_daily
from sponsor_pipeline.defs.metrics.checks import (
    metrics_daily_key_unique,
    metrics_daily_reconciles_with_listener_metrics,
)
from sponsor_pipeline.defs.metrics.schedules import full_reconciliation_schedule, metrics_daily_full_reconciliation
from sponsor_pipeline.settings import Flags


def build_defs(flags: Flags) -> dg.Definitions:  # noqa: ARG001 - every domain takes the flags
    """metrics_daily with its reconciliation, key-uniqueness and data-freshness checks, and the weekly job
    that reconciles the whole table."""
    return dg.Definitions(
        assets=[metrics_daily],
        asset_checks=[
            metrics_daily_reconciles_with_listener_metrics,
            metrics_daily_key_unique,
            build_freshness_check("metrics_daily", None, automated=True),
        ],
        jobs=[metrics_daily_full_reconciliation],
        schedules=[full_reconciliation_schedule()],
    )
