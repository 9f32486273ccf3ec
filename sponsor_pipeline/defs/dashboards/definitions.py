"""Owns the dashboards domain's Definitions: creator, advertiser and ops dashboards and their checks.

Empty when ``ENABLE_NEW_DASHBOARD_CARDS`` is false. Uses the root's ``postgres`` and ``settings``
resources; freshness is applied to the group once, at the root.
"""

from __future__ import annotations

import dagster as dg

from sponsor_pipeline.defs.dashboards.assets import advertiser_dashboard, creator_dashboard, ops_dashboard
from sponsor_pipeline.defs.dashboards.checks import DASHBOARD_CHECKS
from sponsor_pipeline.settings import Flags


def build_defs(flags: Flags) -> dg.Definitions:
    """The three dashboards and their reconciliation checks for ``flags``."""
    if not flags.new_dashboard_cards:
        return dg.Definitions()
    return dg.Definitions(
        assets=[creator_dashboard, advertiser_dashboard, ops_dashboard], asset_checks=DASHBOARD_CHECKS
    )
