"""Owns the maintenance domain's Definitions: the monthly listener_metrics partition job and schedule.

Present only when listener_metrics is partitioned (``SPONSOR_PARTITION_LISTENER_METRICS``). Uses the
root's ``postgres`` resource.
"""

from __future__ import annotations

import dagster as dg

from sponsor_pipeline.defs.maintenance.partitions import (
    listener_metrics_partition_maintenance,
    listener_metrics_partitions_monthly,
)
from sponsor_pipeline.settings import Flags


def build_defs(flags: Flags) -> dg.Definitions:
    """The partition maintenance job and its monthly schedule when partitioning is on."""
    if not flags.partition_listener_metrics:
        return dg.Definitions()
    return dg.Definitions(
        jobs=[listener_metrics_partition_maintenance], schedules=[listener_metrics_partitions_monthly]
    )
