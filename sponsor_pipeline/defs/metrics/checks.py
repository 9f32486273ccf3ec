"""Owns the ``metrics_daily`` asset checks: reconciliation with listener_metrics and key uniqueness."""

import dagster as dg

from sponsor_pipeline.defs.automation import CHECK_AUTOMATION
from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.warehouse import metrics as metrics_sql


@dg.asset_check(
    asset="metrics_daily",
    automation_condition=CHECK_AUTOMATION,
    blocking=True,
    description=(
        "metrics_daily has one row per (tenant_id, day, show_id, episode_id, source), NULL episode_id "
        "(show-level series) compared as equal; blocking, because duplicates would double-count downloads "
        "in every dashboard."
    ),
)
def metrics_daily_key_unique(postgres: PostgresResource) -> dg.AssetCheckResult:
    with postgres.connect() as conn:
        duplicates, sample = metrics_sql.duplicate_metrics_daily_keys(conn)
    return dg.AssetCheckResult(
        passed=duplicates == 0,
        metadata={"duplicate_keys": duplicates, "sample": dg.MetadataValue.json(sample)},
    )


@dg.asset_check(
    asset="metrics_daily",
    automation_condition=CHECK_AUTOMATION,
    blocking=True,
    description=(
        "Per (tenant, day, show, episode, source), metrics_daily's downloads, listeners and "
        "listen_seconds equal the sums in listener_metrics."
    ),
)
def metrics_daily_reconciles_with_listener_metrics(postgres: PostgresResource) -> dg.AssetCheckResult:
    with postgres.connect() as conn:
        mismatches, sample = metrics_sql.reconcile_metrics_daily(conn)
    return dg.AssetCheckResult(
        passed=mismatches == 0,
        metadata={"mismatched_keys": mismatches, "sample": dg.MetadataValue.json(sample)},
    )
