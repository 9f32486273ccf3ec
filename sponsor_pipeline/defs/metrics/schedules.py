"""Owns the weekly whole-table reconciliation of ``metrics_daily``.

After a refresh the reconciliation check compares only the days that refresh replaced, so drift on a
day no import touched (a hand edit of metrics_daily) goes unseen there; once a week this job runs the
same check with ``whole_table`` to compare every key (``SPONSOR_FULL_RECONCILIATION_CRON``, in
``SPONSOR_DAILY_TIMEZONE``).
"""

from __future__ import annotations

import dagster as dg

from sponsor_pipeline.defs.metrics.checks import metrics_daily_reconciles_with_listener_metrics
from sponsor_pipeline.settings import daily_timezone, full_reconciliation_cron

FULL_RECONCILIATION_JOB = "metrics_daily_full_reconciliation"
CHECK_OP = metrics_daily_reconciles_with_listener_metrics.node_def.name  # the op the check runs as

metrics_daily_full_reconciliation = dg.define_asset_job(
    FULL_RECONCILIATION_JOB,
    selection=dg.AssetSelection.checks(metrics_daily_reconciles_with_listener_metrics),
    config={"ops": {CHECK_OP: {"config": {"whole_table": True}}}},
    description="Compare every key of metrics_daily with listener_metrics (the reconciliation check, whole table).",
)


def full_reconciliation_schedule() -> dg.ScheduleDefinition:
    """The weekly run of :data:`metrics_daily_full_reconciliation`.

    Raises:
        DagsterInvalidDefinitionError: an invalid cron string or timezone, naming the value.
    """
    return dg.ScheduleDefinition(
        name=f"{FULL_RECONCILIATION_JOB}_schedule",
        job=metrics_daily_full_reconciliation,
        cron_schedule=full_reconciliation_cron(),
        execution_timezone=daily_timezone(),
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Reconcile every key of metrics_daily once a week (SPONSOR_FULL_RECONCILIATION_CRON).",
    )
