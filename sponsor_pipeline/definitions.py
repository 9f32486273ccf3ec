"""Owns the one Dagster Definitions root: each domain's assets, checks, sensors and schedules.

Feature flags (environment, read when the code location loads) remove a domain's assets and sensors:
``ENABLE_ETL_CSV_UPLOAD`` (listener_metrics CSV ingestion), ``ENABLE_IO_BOOKINGS`` (io_bookings and
what follows IOs), ``ENABLE_DEAL_PIPELINE`` (deal-stage sensors), ``ENABLE_MATCHMAKING``
(match_scores), ``ENABLE_NEW_DASHBOARD_CARDS`` (dashboard aggregates). All default to true.
"""

from __future__ import annotations

import dagster as dg

from sponsor_pipeline.defs.ingestion.assets import listener_metrics
from sponsor_pipeline.defs.metrics.assets import metrics_daily, metrics_daily_reconciles_with_listener_metrics
from sponsor_pipeline.defs.reference.assets import build_reference_assets
from sponsor_pipeline.defs.resources import resources
from sponsor_pipeline.settings import Flags

ALL_ASSETS_JOB = "all_assets_job"


def build_definitions(flags: Flags | None = None) -> dg.Definitions:
    """Assemble the Definitions for ``flags`` (default: from the environment)."""
    flags = flags or Flags.from_env()
    assets: list = [*build_reference_assets(flags), metrics_daily]
    checks: list = [metrics_daily_reconciles_with_listener_metrics]
    sensors: list = []
    schedules: list = []
    if flags.etl_csv_upload:
        assets.append(listener_metrics)
    extra_resources: dict = {}
    # --- matchmaking (ENABLE_MATCHMAKING) ---
    if flags.matchmaking:
        from sponsor_pipeline.defs.matchmaking.assets import (
            MatchWeightsResource,
            match_scores,
            match_scores_in_range,
        )

        assets.append(match_scores)
        checks.append(match_scores_in_range)
        extra_resources["match_weights"] = MatchWeightsResource()
    # --- end matchmaking ---
    jobs = [dg.define_asset_job(ALL_ASSETS_JOB, selection=dg.AssetSelection.all(),
                                description="Materialize the whole graph (with its checks).")]
    return dg.Definitions(
        assets=assets,
        asset_checks=checks,
        sensors=sensors,
        schedules=schedules,
        jobs=jobs,
        resources={**resources(), **extra_resources},
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
