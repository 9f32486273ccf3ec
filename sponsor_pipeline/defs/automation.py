"""Owns the declarative automation conditions: when an asset, and its checks, are requested.

* :data:`ASSET_AUTOMATION` (applied by the root to metrics_daily, io_delivery, match_scores, the
  dashboards, the identity map and quarantine replay, and the outcomes: io_attribution, io_responses,
  io_verification_flags, campaign_reports): eager — requested when any upstream asset updates (or
  will in the same tick), never while an upstream run is in progress, and only once every upstream blocking check has passed or is
  requested in the same tick. Unlike ``AutomationCondition.eager()`` a never-materialized upstream
  (e.g. ``sheet_metrics`` with no worksheet configured) does not hold the asset back: the SQL these
  assets run reads tables that exist either way.
* :data:`CHECK_AUTOMATION` (on those assets' checks): requested with their asset, so an automated
  run executes the checks, and a failing blocking check stops what reads the asset.
"""

from __future__ import annotations

import dagster as dg

ASSET_AUTOMATION = (
    dg.AutomationCondition.eager().without(~dg.AutomationCondition.any_deps_missing())
    & dg.AutomationCondition.all_deps_blocking_checks_passed()
).with_label("eager, upstream blocking checks passed")

CHECK_AUTOMATION = dg.AutomationCondition.any_deps_match(dg.AutomationCondition.will_be_requested()).with_label(
    "with its asset"
)
