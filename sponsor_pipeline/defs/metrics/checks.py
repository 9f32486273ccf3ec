"""Owns the ``metrics_daily`` asset checks: reconciliation with listener_metrics (scoped to the days the
last refresh replaced, or the whole table) and key uniqueness."""

from datetime import date

import dagster as dg
from pydantic import Field

from sponsor_pipeline.defs.automation import CHECK_AUTOMATION
from sponsor_pipeline.defs.metrics.assets import REFRESHED_DAYS
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


class ReconciliationConfig(dg.Config):
    """Run config of ``metrics_daily_reconciles_with_listener_metrics``."""

    whole_table: bool = Field(
        default=False,
        description="compare every key of metrics_daily, not only the days of its last refresh",
    )


def reconciliation_scope(
    instance: dg.DagsterInstance | None, whole_table: bool
) -> tuple[list[tuple[str, date]] | None, str]:
    """The (tenant_id, day) pairs the check compares — ``None`` for the whole table — and a sentence
    saying why.

    The last materialization of ``metrics_daily`` decides: after a pending or range refresh, the days
    it replaced (its ``refreshed_days`` metadata); after a full rebuild, with ``whole_table``, with no
    materialization recorded or none with that metadata, the whole table.
    """
    if whole_table:
        return None, "whole table (run config whole_table)"
    event = instance.get_latest_materialization_event(dg.AssetKey("metrics_daily")) if instance else None
    if event is None or event.asset_materialization is None:
        return None, "whole table (no materialization of metrics_daily recorded)"
    metadata = event.asset_materialization.metadata
    mode = metadata.get("mode")
    mode = mode.value if isinstance(mode, dg.TextMetadataValue) else mode
    ranges = metadata.get(REFRESHED_DAYS)
    if mode == "full" or not isinstance(ranges, dg.JsonMetadataValue) or not isinstance(ranges.value, dict):
        return None, f"whole table (last materialization: {mode or 'unknown'} mode)"
    pairs = metrics_sql.pairs_of_ranges(ranges.value)
    return pairs, f"{len(pairs)} (tenant, day) pairs of the last {mode} refresh (run {event.run_id})"


@dg.asset_check(
    asset="metrics_daily",
    automation_condition=CHECK_AUTOMATION,
    blocking=True,
    description=(
        "Per (tenant, day, show, episode, source), metrics_daily's downloads, listeners and "
        "listen_seconds equal listener_metrics'. After a pending or range refresh it compares the days "
        "that refresh replaced (cost follows the change); after a full rebuild, or with run config "
        "whole_table (the weekly metrics_daily_full_reconciliation schedule), every key."
    ),
)
def metrics_daily_reconciles_with_listener_metrics(
    context: dg.AssetCheckExecutionContext, config: ReconciliationConfig, postgres: PostgresResource
) -> dg.AssetCheckResult:
    days, scope = reconciliation_scope(context.instance, config.whole_table)
    with postgres.connect() as conn:
        mismatches, sample = metrics_sql.reconcile_metrics_daily(conn, days=days)
    return dg.AssetCheckResult(
        passed=mismatches == 0,
        metadata={
            "mismatched_keys": mismatches,
            "scope": scope,
            "days_compared": dg.MetadataValue.int(-1 if days is None else len(days)),
            "sample": dg.MetadataValue.json(sample),
        },
    )
