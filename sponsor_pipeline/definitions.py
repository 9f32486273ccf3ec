"""Owns the one Dagster Definitions root: each domain's assets, checks, sensors and schedules.

Feature flags (environment, read when the code location loads) remove a domain's assets and sensors:
``ENABLE_ETL_CSV_UPLOAD`` (listener_metrics CSV ingestion), ``ENABLE_IO_BOOKINGS`` (io_bookings and
what follows IOs), ``ENABLE_DEAL_PIPELINE`` (deal-stage sensors), ``ENABLE_MATCHMAKING``
(match_scores), ``ENABLE_NEW_DASHBOARD_CARDS`` (dashboard aggregates). All default to true.
"""

from __future__ import annotations

import dagster as dg

from sponsor_pipeline.defs.ingestion.assets import listener_metrics
from sponsor_pipeline.defs.metrics.assets import metrics_daily, metrics_daily_reconciles_with_listener_metrics
from sponsor_pipeline.defs.reference.assets import build_reference_assets
from sponsor_pipeline.defs.resources import resources
# --- ingestion from every source: sheets, platform exports, landing folder ---
from sponsor_pipeline.defs.ingestion.exports import platform_exports
from sponsor_pipeline.defs.ingestion.sensors import build_landing_sensor
from sponsor_pipeline.defs.ingestion.sheets import sheet_metrics, sheets_sensor
from sponsor_pipeline.settings import Flags
# --- executor: SPONSOR_EXECUTOR=k8s runs one pod per step (docs/deploy.md) ---
from sponsor_pipeline.executors import executor_from_env
# --- listener_metrics partition maintenance (SPONSOR_PARTITION_LISTENER_METRICS) ---
from sponsor_pipeline.defs.maintenance.partitions import (
    listener_metrics_partition_maintenance,
    listener_metrics_partitions_monthly,
)
from sponsor_pipeline.settings import partition_listener_metrics

ALL_ASSETS_JOB = "all_assets_job"


def build_definitions(flags: Flags | None = None) -> dg.Definitions:
    """Assemble the Definitions for ``flags`` (default: from the environment)."""
    flags = flags or Flags.from_env()
    assets: list = [*build_reference_assets(flags), metrics_daily]
    checks: list = [metrics_daily_reconciles_with_listener_metrics]
    sensors: list = []
    schedules: list = []
    if flags.etl_csv_upload:
        assets.append(listener_metrics)
    # --- ingestion from every source: Google Sheets, platform exports, landing-folder sensor ---
    if flags.etl_csv_upload:
        assets += [sheet_metrics, platform_exports]
        landing_assets = ["listener_metrics", "platform_exports"] + (["io_bookings"] if flags.io_bookings else [])
        sensors += [sheets_sensor, build_landing_sensor(landing_assets)]
    jobs = [dg.define_asset_job(ALL_ASSETS_JOB, selection=dg.AssetSelection.all(),
                                description="Materialize the whole graph (with its checks).")]
    # --- listener_metrics partition maintenance: a monthly schedule when partitioning is on ---
    if partition_listener_metrics():
        jobs.append(listener_metrics_partition_maintenance)
        schedules.append(listener_metrics_partitions_monthly)
    definitions = dg.Definitions(
        assets=assets,
        asset_checks=checks,
        sensors=sensors,
        schedules=schedules,
        jobs=jobs,
        resources=resources(),
    )
    # --- executor: SPONSOR_EXECUTOR=k8s sets k8s_job_executor on every job (docs/deploy.md) ---
    executor = executor_from_env()
    if executor is not None:
        definitions = dg.Definitions.merge(definitions, dg.Definitions(executor=executor))
    return definitions


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
