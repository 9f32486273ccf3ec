"""Owns the ``metrics_daily`` key-uniqueness check (the reconciliation check lives with the asset)."""

import dagster as dg

from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.warehouse import metrics as metrics_sql


@dg.asset_check(asset="metrics_daily", blocking=True, description=(
    "metrics_daily has one row per (tenant_id, day, show_id, episode_id, source), NULL episode_id "
    "(show-level series) compared as equal; blocking, because duplicates would double-count downloads "
    "in every dashboard."
))
def metrics_daily_key_unique(postgres: PostgresResource) -> dg.AssetCheckResult:
    with postgres.connect() as conn:
        duplicates, sample = metrics_sql.duplicate_metrics_daily_keys(conn)
    return dg.AssetCheckResult(
        passed=duplicates == 0,
        metadata={"duplicate_keys": duplicates, "sample": dg.MetadataValue.json(sample)},
    )
