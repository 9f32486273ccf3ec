"""Declarative automation: a landing file imported by the landing sensor's named job makes the
automation condition request metrics_daily and everything downstream, and that run brings the new
rows to metrics_daily and the creator dashboard without any manual step."""

from __future__ import annotations

import shutil
import time

import dagster as dg
import pandas as pd

from sponsor_pipeline.definitions import ALL_ASSETS_JOB, AUTOMATION_SENSOR_NAME, build_definitions
from sponsor_pipeline.resources.settings import settings_from_env
from sponsor_pipeline.settings import PROJECT_ROOT, Flags

SAMPLES = PROJECT_ROOT / "samples"
DOWNSTREAM = {
    "metrics_daily",
    "io_delivery",
    "match_scores",
    "creator_dashboard",
    "advertiser_dashboard",
    "ops_dashboard",
    # outcomes read io_delivery: the flags (and the advertiser dashboard through them), the reports
    "io_attribution",
    "io_verification_flags",
    "campaign_reports",
}
# automated too, but after the catalogue, the reference tables or the identity map, not a landing file
IDENTITY = {"platform_identity_map", "quarantine_replay"}
# automated too, after a promo-code redemption or vanity-URL visit export (not after listener metrics)
RESPONSES = {"io_responses"}


def _tick(sensor, postgres, instance, cursor):
    with dg.build_sensor_context(
        cursor=cursor, instance=instance, resources={"postgres": postgres, "settings": settings_from_env()}
    ) as context:
        result = sensor(context)
        return (list(result) if isinstance(result, list) else result), context.cursor


def _requested(result: dg.EvaluateAutomationConditionsResult) -> set[str]:
    """Asset keys requested by the tick."""
    return {r.key.to_user_string() for r in result.results if r.true_subset.size > 0 and isinstance(r.key, dg.AssetKey)}


def _requested_checks(result: dg.EvaluateAutomationConditionsResult) -> set[str]:
    """Check names requested by the tick."""
    return {r.key.name for r in result.results if r.true_subset.size > 0 and isinstance(r.key, dg.AssetCheckKey)}


def test_sensor_runs_have_names_and_the_automation_sensor_runs_by_default():
    defs = build_definitions(Flags())
    repo = defs.get_repository_def()
    jobs = {s.name: s.job_name for s in repo.sensor_defs if s.name != AUTOMATION_SENSOR_NAME}
    assert jobs == {
        "landing_sensor": "landing_import_job",
        "sheets_sensor": "sheets_import_job",
        "io_status_sensor": "io_delivery_job",
        "deal_stage_sensor": "match_scores_job",
    }
    automation = repo.get_sensor_def(AUTOMATION_SENSOR_NAME)
    assert automation.default_status == dg.DefaultSensorStatus.RUNNING
    graph = defs.resolve_asset_graph()
    automated = {k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).automation_condition}
    assert automated == DOWNSTREAM | IDENTITY | RESPONSES
    assert any(s.name == "daily_all_assets_schedule" for s in repo.schedule_defs)  # the backstop stays


def test_a_landing_file_is_carried_to_metrics_daily_and_the_dashboards_by_automation(
    reference, postgres, db_url, tmp_path, monkeypatch
):
    monkeypatch.setenv("SPONSOR_LANDING_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", db_url.render_as_string(hide_password=False))  # the Definitions' own resource
    defs = build_definitions(Flags())
    instance = dg.DagsterInstance.ephemeral()

    # never-materialized assets are requested once as newly missing; after that, nothing until upstream moves
    first = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    idle = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor)
    assert idle.total_requested == 0

    dropped = time.perf_counter()
    shutil.copy(SAMPLES / "metrics_daily.csv", tmp_path / "metrics_2026-11.csv")
    sensor = defs.get_sensor_def("landing_sensor")
    _, cursor = _tick(sensor, postgres, instance, None)  # size seen once
    (request,), _ = _tick(sensor, postgres, instance, cursor)  # size stable: one run
    assert request.job_name in (None, "landing_import_job")
    landing_job = defs.resolve_job_def("landing_import_job")
    imported = landing_job.execute_in_process(
        run_config=request.run_config,
        instance=instance,
        asset_selection=list(request.asset_selection),
    )
    assert imported.success
    checks = {c.check_name: c.passed for c in imported.get_asset_check_evaluations()}
    # the blocking schema check ran and passed (the sample's data-time freshness check may fail: not blocking)
    assert checks["listener_metrics_matches_schema"] and checks["listener_metrics_sources_loaded"]

    # the automation sensor's ticks, each requested set run as the daemon would launch it
    tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=idle.cursor)
    assert _requested(tick) == DOWNSTREAM  # one tick: the checks of metrics_daily are requested with it
    assert {"metrics_daily_reconciles_with_listener_metrics", "metrics_daily_key_unique"} <= _requested_checks(tick)
    run = defs.resolve_job_def(ALL_ASSETS_JOB).execute_in_process(
        instance=instance, asset_selection=[dg.AssetKey(k) for k in sorted(_requested(tick))]
    )
    assert run.success
    assert {e.check_name for e in run.get_asset_check_evaluations()} >= {
        "metrics_daily_reconciles_with_listener_metrics",
        "metrics_daily_key_unique",
    }
    seconds = time.perf_counter() - dropped
    source = pd.read_csv(SAMPLES / "metrics_daily.csv")
    assert reference.execute("SELECT sum(downloads) FROM metrics_daily").fetchone()[0] == int(source["downloads"].sum())
    assert reference.execute("SELECT count(*) FROM creator_dashboard").fetchone()[0] > 0
    print(f"landing file → metrics_daily and dashboards via automation (sensor intervals excluded): {seconds:.1f}s")

    # handled: the next tick requests nothing more
    assert dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor).total_requested == 0
