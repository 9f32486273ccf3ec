"""Owns the monthly job that keeps listener_metrics partitioned a year ahead (sql/partitioning).

Registered by ``defs/maintenance/definitions.py`` only when ``SPONSOR_PARTITION_LISTENER_METRICS`` is true.
"""

import datetime as dt

import dagster as dg

from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.warehouse import partitions


@dg.op(
    description=(
        "Create the monthly partitions of listener_metrics from the current month to 12 months ahead "
        "(ensure_listener_metrics_partitions: idempotent; rows of a new month waiting in the DEFAULT "
        "partition are moved into it)."
    ),
)
def ensure_listener_metrics_partitions(context: dg.OpExecutionContext, postgres: PostgresResource) -> list:
    from_day, to_day = partitions.months_ahead(dt.datetime.now(dt.UTC).date())
    with postgres.connect() as conn:
        if not partitions.is_partitioned(conn):
            raise dg.Failure(
                "listener_metrics is not partitioned: run `sponsor-pipeline db migrate --partitioned` "
                "or unset SPONSOR_PARTITION_LISTENER_METRICS"
            )
        created = partitions.ensure_partitions(conn, from_day, to_day)
    context.log.info(f"partitions {from_day}..{to_day}: created {created or 'none'}")
    context.add_output_metadata(
        {
            "range": f"{from_day} .. {to_day}",
            "partitions_created": dg.MetadataValue.int(len(created)),
            "rows_moved_from_default": dg.MetadataValue.int(sum(moved for _, moved in created)),
            "created": dg.MetadataValue.json([{"partition": n, "rows_moved": m} for n, m in created]),
        }
    )
    return created


@dg.job(description="Keep listener_metrics partitioned by month a year ahead of the calendar.")
def listener_metrics_partition_maintenance():
    ensure_listener_metrics_partitions()


listener_metrics_partitions_monthly = dg.ScheduleDefinition(
    job=listener_metrics_partition_maintenance,
    cron_schedule="0 3 1 * *",  # 03:00 UTC on the 1st of every month
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
