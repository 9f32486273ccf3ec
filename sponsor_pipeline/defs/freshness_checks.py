"""Owns the data-time freshness checks: one per table asset holding listener data, built alike.

``<asset>_data_is_fresh`` fails (ERROR) when any tenant's source has no day of data newer than
``freshness_fail_days`` before today, warns (WARN) past ``freshness_warn_days``, and lists every
(tenant, source) with its newest day and age in its metadata; so the Dagster UI shows stale data as
a failing check even when the asset was materialized a minute ago. Not blocking: old data is still
the best data there is. The SQL and the rule live in :mod:`sponsor_pipeline.warehouse.freshness`.
"""

from __future__ import annotations

import dagster as dg

from sponsor_pipeline.defs.automation import CHECK_AUTOMATION
from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.resources.settings import PipelineSettings
from sponsor_pipeline.warehouse import freshness


def check_name(asset: str) -> str:
    return f"{asset}_data_is_fresh"


def result(asset: str, ages: list[freshness.SeriesAge], warn_days: int, fail_days: int) -> dg.AssetCheckResult:
    """The check result for ``ages`` (passed when every series is fresh or there is no data)."""
    stale = [a for a in ages if a.status != "fresh"]
    failing = [a for a in ages if a.status == "fail"]
    table = "\n".join(
        ["| tenant | source | newest day | age (days) | status |", "|---|---|---|---|---|"]
        + [f"| {a.tenant_id} | {a.source} | {a.newest_day} | {a.age_days} | {a.status} |" for a in ages]
    )
    return dg.AssetCheckResult(
        check_name=check_name(asset),
        passed=not stale,
        severity=dg.AssetCheckSeverity.ERROR if failing else dg.AssetCheckSeverity.WARN,
        description=(
            f"{len(stale)} of {len(ages)} (tenant, source) series older than {warn_days} days "
            f"({len(failing)} older than {fail_days})"
            if stale
            else None
        ),
        metadata={
            "series": dg.MetadataValue.int(len(ages)),
            "stale_series": dg.MetadataValue.int(len(stale)),
            "oldest_age_days": dg.MetadataValue.int(max((a.age_days for a in ages), default=0)),
            "newest_day": str(max((a.newest_day for a in ages), default="")),
            "warn_days": dg.MetadataValue.int(warn_days),
            "fail_days": dg.MetadataValue.int(fail_days),
            "stale": dg.MetadataValue.json(
                [
                    {
                        "tenant_id": a.tenant_id,
                        "source": a.source,
                        "newest_day": str(a.newest_day),
                        "age_days": a.age_days,
                    }
                    for a in stale[:20]
                ]
            ),
            "by_tenant_and_source": dg.MetadataValue.md(table),
        },
    )


def build_freshness_check(asset: str, source_kind: str | None, automated: bool = False) -> dg.AssetChecksDefinition:
    """``<asset>_data_is_fresh`` over metrics_daily (``source_kind`` None) or over the listener_metrics
    rows loaded from ``source_kind`` sources; ``automated`` requests it with its asset."""
    scope = "metrics_daily" if source_kind is None else f"listener_metrics rows imported from {source_kind} sources"

    @dg.asset_check(
        asset=asset,
        name=check_name(asset),
        blocking=False,
        automation_condition=CHECK_AUTOMATION if automated else None,
        description=(
            f"Per tenant and source, the newest day of data in {scope} is at most freshness_warn_days "
            "(WARN) / freshness_fail_days (ERROR) before today (settings: SPONSOR_FRESHNESS_WARN_DAYS, "
            "SPONSOR_FRESHNESS_FAIL_DAYS); judged on the data, not on when the asset last ran."
        ),
    )
    def _check(postgres: PostgresResource, settings: PipelineSettings) -> dg.AssetCheckResult:
        with postgres.connect() as conn:
            rows = freshness.newest_days(conn, source_kind)
        warn, fail = settings.freshness_warn_days, settings.freshness_fail_days
        return result(asset, freshness.judge(rows, freshness.today(), warn, fail), warn, fail)

    return _check
