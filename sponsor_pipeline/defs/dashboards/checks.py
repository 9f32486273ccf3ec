"""Owns the dashboards' asset checks: each dashboard reconciles with its sources; matches in range.

Dashboards are leaves, so a mismatch is a WARN (the numbers may still be read, with care); matches
feed the advertiser dashboard's recommendations, so an out-of-range score is a blocking ERROR.
"""

import dagster as dg

from sponsor_pipeline.defs.automation import CHECK_AUTOMATION
from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.warehouse import dashboards as sql
from sponsor_pipeline.warehouse.metrics import json_safe

SAMPLE = 10


def _result(problems: list[dict], what: str) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=not problems,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{len(problems)} {what}" if problems else None,
        metadata={"mismatches": len(problems), "sample": dg.MetadataValue.json(json_safe(problems[:SAMPLE]))},
    )


@dg.asset_check(
    asset="creator_dashboard",
    automation_condition=CHECK_AUTOMATION,
    description=(
        "Per tenant, the show rows' 90- and 30-day downloads equal metrics_daily over the same window, the "
        "source split adds up to the 30-day downloads, and booked revenue equals Σ booked impressions × "
        "CPM / 1000 over the booked IOs."
    ),
)
def creator_dashboard_reconciles(postgres: PostgresResource) -> dg.AssetCheckResult:
    with postgres.connect() as conn:
        return _result(sql.reconcile_creator(conn), "tenants disagree with metrics_daily / io_bookings")


@dg.asset_check(
    asset="advertiser_dashboard",
    automation_condition=CHECK_AUTOMATION,
    description=(
        "Per campaign, the campaign row equals the sum of its IO rows, and booked and delivered "
        "impressions and spend to date (billable impressions × CPM / 1000) equal io_bookings and io_delivery."
    ),
)
def advertiser_dashboard_reconciles(postgres: PostgresResource) -> dg.AssetCheckResult:
    with postgres.connect() as conn:
        return _result(sql.reconcile_advertiser(conn), "campaigns disagree with io_bookings / io_delivery")


@dg.asset_check(
    asset="ops_dashboard",
    automation_condition=CHECK_AUTOMATION,
    description=(
        "Every IO or import alert points at an existing row, and the make-good and missing-promo-code "
        "alerts match a recount from io_delivery and io_bookings."
    ),
)
def ops_dashboard_reconciles(postgres: PostgresResource) -> dg.AssetCheckResult:
    with postgres.connect() as conn:
        return _result(sql.reconcile_ops(conn), "ops alert groups disagree with their sources")


DASHBOARD_CHECKS = [creator_dashboard_reconciles, advertiser_dashboard_reconciles, ops_dashboard_reconciles]
