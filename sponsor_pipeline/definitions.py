"""Owns the one Dagster Definitions root: merges each domain's Definitions and applies global policy.

Each ``defs/<domain>/definitions.py`` returns its domain's ``dg.Definitions`` (assets, checks,
sensors, schedules, its own resources) for the feature flags, and applies its own flag:

* ``reference``   — reference tables (IO tables only with ``ENABLE_IO_BOOKINGS``)
* ``ingestion``   — listener_metrics from CSV, Sheets and platform exports (``ENABLE_ETL_CSV_UPLOAD``)
* ``metrics``     — metrics_daily and its blocking checks
* ``deals_io``    — io_delivery, IO documents, IO / deal sensors (``ENABLE_IO_BOOKINGS``, ``ENABLE_DEAL_PIPELINE``)
* ``matchmaking`` — match_scores (``ENABLE_MATCHMAKING``)
* ``dashboards``  — creator / advertiser / ops dashboards (``ENABLE_NEW_DASHBOARD_CARDS``)
* ``maintenance`` — listener_metrics partition job (``SPONSOR_PARTITION_LISTENER_METRICS``)

The root adds what is global, once: the shared resources (``postgres``, ``settings``), the
whole-graph job and its daily schedule, the executor (``SPONSOR_EXECUTOR``), freshness, declarative
automation and code references (each asset's source file and line in the catalogue; with
``SPONSOR_GIT_URL`` set, a link to the file in the repository).

Automation: metrics_daily, io_delivery, match_scores, the dashboards, the platform identity map and
the quarantine replay (after the catalogue, the reference tables or the map change) carry :data:`AUTOMATION`
(eager: requested when any upstream asset updates, once every upstream blocking check has passed),
evaluated by :data:`AUTOMATION_SENSOR` (running by default, every 30 s, in the daemon of
``make dev``). A file the landing sensor imports therefore reaches the dashboards without a click;
the daily schedule stays as the backstop. Flags and
the schedule are read when the Definitions are built, never at import time.

The domains are merged with ``dg.Definitions.merge`` rather than ``dg.load_from_defs_folder``: the
latter needs the project's ``pyproject.toml`` beside the package, which an installed wheel lacks.
Freshness and automation are applied with the stable ``dg.map_asset_specs`` over the merged assets
(``Definitions.map_resolved_asset_specs`` is a preview API); the code references use Dagster's beta
``with_source_code_references`` / ``link_code_references_to_git``, the only API for them, inside
:func:`_beta_code_references`, the one place a beta warning is silenced.
"""

from __future__ import annotations

import os
import warnings
from datetime import timedelta
from pathlib import Path

import dagster as dg

from sponsor_pipeline.defs.automation import ASSET_AUTOMATION
from sponsor_pipeline.defs.catalogue import definitions as catalogue
from sponsor_pipeline.defs.dashboards import definitions as dashboards
from sponsor_pipeline.defs.deals_io import definitions as deals_io
from sponsor_pipeline.defs.ingestion import definitions as ingestion
from sponsor_pipeline.defs.maintenance import definitions as maintenance
from sponsor_pipeline.defs.matchmaking import definitions as matchmaking
from sponsor_pipeline.defs.metrics import definitions as metrics
from sponsor_pipeline.defs.reference import definitions as reference
from sponsor_pipeline.executors import executor_named
from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.resources.settings import settings_from_env
from sponsor_pipeline.settings import Flags, code_reference_git, daily_cron, daily_timezone, executor_name

DOMAINS = (reference, catalogue, ingestion, metrics, deals_io, matchmaking, dashboards, maintenance)
ALL_ASSETS_JOB = "all_assets_job"
DAILY_SCHEDULE = "daily_all_assets_schedule"

# Freshness: the graph is meant to be materialized daily, so metrics_daily and the dashboards warn
# after a day without a materialization and fail after a day and two hours.
DAILY_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=26), warn_window=timedelta(hours=24))
FRESHNESS_ASSETS = frozenset({"metrics_daily"})
FRESHNESS_GROUPS = frozenset({"dashboards"})

# See sponsor_pipeline/defs/automation.py for the condition and why it is not plain eager().
AUTOMATION = ASSET_AUTOMATION
AUTOMATED_ASSETS = frozenset(
    {
        "metrics_daily",
        "io_delivery",
        "match_scores",
        "platform_identity_map",
        "quarantine_replay",
        # outcomes: a redemption or visit export, or new delivery, flows on to the reports by itself
        "io_attribution",
        "io_responses",
        "io_verification_flags",
        "campaign_reports",
    }
)
AUTOMATED_GROUPS = frozenset({"dashboards"})
AUTOMATION_SENSOR_NAME = "automation_condition_sensor"
AUTOMATION_SENSOR = dg.AutomationConditionSensorDefinition(
    AUTOMATION_SENSOR_NAME,
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description=(
        "Evaluates the automation conditions: metrics_daily, io_delivery, match_scores, the dashboards, "
        "the platform identity map, the quarantine replay, attribution, io_responses, the verification "
        "flags and the campaign reports run when an upstream asset updates and its blocking checks passed."
    ),
)


def shared_resources() -> dict[str, object]:
    """Resources every domain uses: ``postgres`` (``DATABASE_URL`` bound with ``dg.EnvVar`` when set,
    else the embedded server at run time) and ``settings`` (folders and tunables)."""
    database_url = dg.EnvVar("DATABASE_URL") if os.environ.get("DATABASE_URL", "").strip() else None
    return {"postgres": PostgresResource(database_url=database_url), "settings": settings_from_env()}


def daily_schedule(job: dg.UnresolvedAssetJobDefinition) -> dg.ScheduleDefinition:
    """The daily materialization of the whole graph (``SPONSOR_DAILY_CRON``, ``SPONSOR_DAILY_TIMEZONE``).

    Raises:
        DagsterInvalidDefinitionError: an invalid cron string or timezone, naming the value.
    """
    return dg.ScheduleDefinition(
        name=DAILY_SCHEDULE,
        job=job,
        cron_schedule=daily_cron(),
        execution_timezone=daily_timezone(),
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Materialize the whole graph once a day (SPONSOR_DAILY_CRON, SPONSOR_DAILY_TIMEZONE).",
    )


def _fresh(spec: dg.AssetSpec) -> bool:
    return spec.key.to_user_string() in FRESHNESS_ASSETS or spec.group_name in FRESHNESS_GROUPS


def _automated(spec: dg.AssetSpec) -> bool:
    return spec.key.to_user_string() in AUTOMATED_ASSETS or spec.group_name in AUTOMATED_GROUPS


def global_policy(spec: dg.AssetSpec) -> dg.AssetSpec:
    """``spec`` with :data:`DAILY_FRESHNESS` if it is metrics_daily or a dashboard, and :data:`AUTOMATION`
    if it is metrics_daily, io_delivery, match_scores or a dashboard (those present for the flags)."""
    if _fresh(spec):
        spec = dg.apply_freshness_policy(spec, DAILY_FRESHNESS)
    if _automated(spec):
        spec = spec.replace_attributes(automation_condition=AUTOMATION)
    return spec


def _beta_code_references(assets: list) -> list:
    """``assets`` with code references: the file and line of each asset's function, as a link into the
    repository when :func:`sponsor_pipeline.settings.code_reference_git` names one.

    ``with_source_code_references`` and ``link_code_references_to_git`` are Dagster beta APIs with no
    stable equivalent; they are used deliberately, and their BetaWarning (otherwise printed by every
    process that loads the definitions: each run worker and step) is silenced here and nowhere else.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=dg.BetaWarning)
        referenced = list(dg.with_source_code_references(assets))
        git = code_reference_git()
        if git is not None:
            referenced = list(
                dg.link_code_references_to_git(
                    referenced,
                    git_url=git[0],
                    git_branch=git[1],
                    file_path_mapping=dg.AnchorBasedFilePathMapping(
                        local_file_anchor=Path(__file__),
                        file_anchor_path_in_repository="sponsor_pipeline/definitions.py",
                    ),
                )
            )
    return referenced


def build_definitions(flags: Flags | None = None) -> dg.Definitions:
    """Merge every domain's Definitions for ``flags`` (default: from the environment), then add the
    shared resources, the whole-graph job and schedule, the executor, freshness, automation (and
    :data:`AUTOMATION_SENSOR`) and code references."""
    flags = flags or Flags.from_env()
    all_assets_job = dg.define_asset_job(
        ALL_ASSETS_JOB, selection=dg.AssetSelection.all(), description="Materialize the whole graph (with its checks)."
    )
    root = dg.Definitions(
        jobs=[all_assets_job],
        schedules=[daily_schedule(all_assets_job)],
        sensors=[AUTOMATION_SENSOR],
        resources=shared_resources(),
        executor=executor_named(executor_name()),
    )
    merged = dg.Definitions.merge(*(domain.build_defs(flags) for domain in DOMAINS), root)
    assets = _beta_code_references(list(dg.map_asset_specs(global_policy, list(merged.assets or []))))
    return dg.Definitions(
        assets=assets,
        asset_checks=merged.asset_checks,
        jobs=merged.jobs,
        schedules=merged.schedules,
        sensors=merged.sensors,
        resources=merged.resources,
        executor=merged.executor,
        loggers=merged.loggers,
        metadata=merged.metadata,
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
