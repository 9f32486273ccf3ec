"""Owns the one Dagster Definitions root: each domain's assets, checks, sensors and schedules.

Feature flags (environment, read when the code location loads) remove a domain's assets and sensors:
``ENABLE_ETL_CSV_UPLOAD`` (listener_metrics CSV ingestion), ``ENABLE_IO_BOOKINGS`` (io_bookings and
what follows IOs), ``ENABLE_DEAL_PIPELINE`` (deal-stage sensors), ``ENABLE_MATCHMAKING``
(match_scores), ``ENABLE_NEW_DASHBOARD_CARDS`` (dashboard aggregates). All default to true.
"""

from __future__ import annotations

from datetime import timedelta

import dagster as dg

from sponsor_pipeline.defs.deals_io.assets import io_delivery, io_delivery_covers_every_io
from sponsor_pipeline.defs.deals_io.schedules import build_daily_schedule
from sponsor_pipeline.defs.deals_io.sensors import deal_stage_sensor, io_status_sensor
from sponsor_pipeline.defs.dashboards.assets import advertiser_dashboard, creator_dashboard, ops_dashboard
from sponsor_pipeline.defs.dashboards.checks import DASHBOARD_CHECKS
from sponsor_pipeline.defs.dashboards.io_documents import io_documents
from sponsor_pipeline.defs.ingestion.assets import listener_metrics
from sponsor_pipeline.defs.ingestion.checks import listener_metrics_matches_schema
from sponsor_pipeline.defs.ingestion.exports import platform_exports
from sponsor_pipeline.defs.ingestion.sensors import build_landing_sensor
from sponsor_pipeline.defs.ingestion.sheets import sheet_metrics, sheets_sensor
from sponsor_pipeline.defs.matchmaking import definitions as matchmaking_defs
from sponsor_pipeline.defs.metrics.assets import metrics_daily, metrics_daily_reconciles_with_listener_metrics
from sponsor_pipeline.defs.metrics.checks import metrics_daily_key_unique
from sponsor_pipeline.defs.reference.assets import build_reference_assets
from sponsor_pipeline.defs.resources import resources
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
    # ingestion from every source: CSV files, Google Sheets, platform exports, landing-folder sensor
    if flags.etl_csv_upload:
        assets += [listener_metrics, sheet_metrics, platform_exports]
        landing_assets = ["listener_metrics", "platform_exports"] + (["io_bookings"] if flags.io_bookings else [])
        sensors += [sheets_sensor, build_landing_sensor(landing_assets)]
    # deals_io: IO status / deal stage sensors, io_delivery
    if flags.io_bookings:
        assets.append(io_delivery)
        checks.append(io_delivery_covers_every_io)
        sensors.append(io_status_sensor)
    if flags.deal_pipeline:
        sensors.append(deal_stage_sensor)
    # dashboards, IO documents, data-quality checks (freshness is applied below, once, at the root)
    checks.append(metrics_daily_key_unique)
    if flags.etl_csv_upload:
        checks.append(listener_metrics_matches_schema)
    if flags.new_dashboard_cards:
        assets += [creator_dashboard, advertiser_dashboard, ops_dashboard]
        checks += DASHBOARD_CHECKS
    if flags.io_bookings:
        assets.append(io_documents)
    all_assets_job = dg.define_asset_job(ALL_ASSETS_JOB, selection=dg.AssetSelection.all(),
                                         description="Materialize the whole graph (with its checks).")
    jobs = [all_assets_job]
    schedules.append(build_daily_schedule(all_assets_job))
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
    # --- matchmaking (ENABLE_MATCHMAKING): the domain's own Definitions ---
    definitions = dg.Definitions.merge(definitions, matchmaking_defs.build_defs(flags))
    # --- executor: SPONSOR_EXECUTOR=k8s sets k8s_job_executor on every job (docs/deploy.md) ---
    executor = executor_from_env()
    if executor is not None:
        definitions = dg.Definitions.merge(definitions, dg.Definitions(executor=executor))
    return with_freshness(definitions)


# Freshness, applied once at the root: the graph is meant to be materialized daily, so metrics_daily and the
# dashboards warn after a day without a materialization and fail after a day and two hours.
DAILY_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=26), warn_window=timedelta(hours=24))
FRESHNESS_SELECTION = dg.AssetSelection.assets("metrics_daily") | dg.AssetSelection.groups("dashboards")


def with_freshness(definitions: dg.Definitions) -> dg.Definitions:
    """``definitions`` with :data:`DAILY_FRESHNESS` on metrics_daily and every dashboard asset."""
    return definitions.map_resolved_asset_specs(
        func=lambda spec: dg.apply_freshness_policy(spec, DAILY_FRESHNESS), selection=FRESHNESS_SELECTION)


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
