"""Owns ``metrics_daily``: ``REFRESH MATERIALIZED VIEW CONCURRENTLY`` of the listener_metrics roll-up."""

import time

import dagster as dg

from sponsor_pipeline.defs import table_metadata
from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.warehouse import metrics as metrics_sql


@dg.asset(
    name="metrics_daily",
    group_name="metrics",
    owners=["team:data-platform"],
    kinds={"postgres"},
    deps=["listener_metrics", "sheet_metrics", "platform_exports", "quarantine_replay"],
    metadata=table_metadata.table_spec_metadata("metrics_daily"),
    description=(
        "PostgreSQL MATERIALIZED VIEW over listener_metrics, one row per (tenant_id, day, "
        "episode_id, source) (show-level series: episode_id NULL, one per show), unique index "
        "ux_metrics_daily_day_ep_source; refreshed CONCURRENTLY so readers are never blocked."
    ),
)
def metrics_daily(context: dg.AssetExecutionContext, postgres: PostgresResource) -> dg.MaterializeResult:
    started = time.perf_counter()
    with postgres.connect() as conn:
        metrics_sql.refresh_metrics_daily(conn)
        seconds = time.perf_counter() - started
        summary = metrics_sql.metrics_daily_summary(conn)
        catalogue = table_metadata.materialization_metadata(conn, "metrics_daily")
    context.log.info(f"metrics_daily refreshed in {seconds:.2f}s: {summary['rows']} rows")
    return dg.MaterializeResult(
        metadata={
            "rows": dg.MetadataValue.int(summary["rows"]),
            "refresh_seconds": dg.MetadataValue.float(round(seconds, 3)),
            "first_day": str(summary["first_day"]),
            "last_day": str(summary["last_day"]),
            "per_tenant": dg.MetadataValue.md(summary["per_tenant_md"]),
            **catalogue,
        }
    )
