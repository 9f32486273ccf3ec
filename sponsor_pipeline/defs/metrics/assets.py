"""Owns ``metrics_daily``: the table of current listener_metrics values, refreshed for the touched days.

A run without config refreshes the (tenant, day) pairs imports touched since the last refresh
(``metrics_daily_pending``); that is what automation and schedules launch. A backfill of a day range is
a run from the launchpad with ``from_day`` / ``to_day``; ``full_rebuild`` compares every day with
listener_metrics and replaces the days that differ. Each mode
is one transaction, so readers see the table before or after, never half of it
(:mod:`sponsor_pipeline.warehouse.metrics`).
"""

import time
from datetime import date

import dagster as dg
from pydantic import Field

from sponsor_pipeline.defs import table_metadata
from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.warehouse import metrics as metrics_sql

REFRESHED_DAYS = "refreshed_days"


class MetricsDailyConfig(dg.Config):
    """Run config of ``metrics_daily``; the default (nothing set) refreshes the pending days."""

    from_day: str | None = Field(
        default=None, description="ISO day: with to_day, rebuild exactly [from_day, to_day] for every tenant"
    )
    to_day: str | None = Field(default=None, description="ISO day, inclusive; needs from_day")
    full_rebuild: bool = Field(
        default=False,
        description="compare every (tenant, day) with listener_metrics and replace the days that differ (a repair)",
    )


@dg.asset(
    name="metrics_daily",
    group_name="metrics",
    owners=["team:data-platform"],
    kinds={"postgres"},
    deps=["listener_metrics", "sheet_metrics", "platform_exports", "quarantine_replay"],
    metadata=table_metadata.table_spec_metadata("metrics_daily"),
    description=(
        "PostgreSQL table of the current listener_metrics values, one row per (tenant_id, day, "
        "episode_id, source) (show-level series: episode_id NULL, one per show), unique index "
        "ux_metrics_daily_day_ep_source. A run replaces the days imports touched since the last run "
        "(metrics_daily_pending) in one transaction, so its cost follows the change, not the history, "
        "and readers are never blocked; run config from_day/to_day rebuilds a day range (backfill), "
        "full_rebuild compares every day by fingerprint and replaces those that differ. Metadata "
        "refreshed_days lists the days replaced, which the reconciliation check compares. Superseded "
        "values: listener_metrics_history, metrics_as_reported(date)."
    ),
)
def metrics_daily(
    context: dg.AssetExecutionContext, config: MetricsDailyConfig, postgres: PostgresResource
) -> dg.MaterializeResult:
    if (config.from_day is None) != (config.to_day is None):
        raise dg.Failure("metrics_daily: give both from_day and to_day, or neither")
    started = time.perf_counter()
    with postgres.connect() as conn:
        if config.full_rebuild:
            done = metrics_sql.rebuild_metrics_daily(conn)
        elif config.from_day is not None and config.to_day is not None:
            first, last = date.fromisoformat(config.from_day), date.fromisoformat(config.to_day)
            if first > last:
                raise dg.Failure(f"metrics_daily: from_day {first} is after to_day {last}")
            done = metrics_sql.refresh_metrics_daily(conn, first, last)
        else:
            done = metrics_sql.refresh_metrics_daily(conn)
        seconds = time.perf_counter() - started
        summary = metrics_sql.metrics_daily_summary(conn)
        catalogue = table_metadata.materialization_metadata(conn, "metrics_daily")
        still_pending = metrics_sql.pending_days(conn)
    context.log.info(
        f"metrics_daily {done.mode} refresh in {seconds:.2f}s: {done.days if done.days is not None else 'all'} "
        f"days, {done.rows_deleted} rows deleted, {done.rows_inserted} inserted; {summary['rows']} rows"
    )
    return dg.MaterializeResult(
        metadata={
            "mode": done.mode,
            "days_refreshed": dg.MetadataValue.int(done.days if done.days is not None else -1),
            # the (tenant, day) pairs replaced, as runs of days per tenant: what the reconciliation
            # check compares after a pending or range refresh
            REFRESHED_DAYS: dg.MetadataValue.json(metrics_sql.day_ranges(done.pairs)),
            "rows_deleted": dg.MetadataValue.int(done.rows_deleted),
            "rows_inserted": dg.MetadataValue.int(done.rows_inserted),
            "days_still_pending": dg.MetadataValue.int(still_pending),
            "rows": dg.MetadataValue.int(summary["rows"]),
            "refresh_seconds": dg.MetadataValue.float(round(seconds, 3)),
            "first_day": str(summary["first_day"]),
            "last_day": str(summary["last_day"]),
            "per_tenant": dg.MetadataValue.md(summary["per_tenant_md"]),
            **catalogue,
        }
    )
