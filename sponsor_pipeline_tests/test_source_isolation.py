"""Source isolation: a failed file, payload or worksheet is recorded once per checksum, fails its
asset's non-blocking sources check and raises an ops alert, never the step; an import whose process
died is marked interrupted and imported again by the next run."""

from __future__ import annotations

import json
import shutil

import dagster as dg
import psycopg

from sponsor_pipeline.defs.dashboards.assets import ops_dashboard
from sponsor_pipeline.defs.ingestion.assets import listener_metrics
from sponsor_pipeline.defs.ingestion.exports import platform_exports
from sponsor_pipeline.defs.ingestion.sheets import sheet_metrics, source_uri
from sponsor_pipeline.defs.metrics.assets import metrics_daily
from sponsor_pipeline.defs.metrics.checks import (
    metrics_daily_key_unique,
    metrics_daily_reconciles_with_listener_metrics,
)
from sponsor_pipeline.resources.settings import settings_from_env
from sponsor_pipeline.resources.sheets import GoogleSheetsResource, WorksheetSpec
from sponsor_pipeline.settings import PROJECT_ROOT
from sponsor_pipeline.validation import file_checksum
from sponsor_pipeline.warehouse import imports
from sponsor_pipeline.warehouse.targets import LISTENER_METRICS
from sponsor_pipeline_tests.fakes.sheets import demo_google

SAMPLES = PROJECT_ROOT / "samples"
EK = SAMPLES / "exports" / "engineering-kiosk"
UNSUPPORTED = {
    "provider": "anchor",
    "meta": {"show": "8a4e3b0", "endpoint": "totalPlaysByEpisodeAndDevice"},
    "data": {},
}


def _exports_folder(tmp_path):
    folder = tmp_path / "exports" / "engineering-kiosk"
    folder.mkdir(parents=True)
    for name in ("platform_shows.csv", "anchorPlays.json"):
        shutil.copy(EK / name, folder / name)
    shutil.copytree(EK / "reference", folder / "reference")
    (folder / "unsupported.json").write_text(json.dumps(UNSUPPORTED))
    return folder


def _run(postgres, assets, checks=(), **config) -> dg.ExecuteInProcessResult:
    ops = {a.key.to_user_string(): {"config": c} for a in assets if (c := config.get(a.key.to_user_string()))}
    return dg.materialize(
        [*assets, *checks],
        resources={"postgres": postgres, "settings": settings_from_env()},
        run_config={"ops": ops},
        instance=dg.DagsterInstance.ephemeral(),
    )


def _check(result, name: str) -> dg.AssetCheckEvaluation:
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name == name]
    return evaluation


def _failed_rows(conn, uri: str) -> list[tuple]:
    return conn.execute(
        "SELECT import_id, failure_reason, retried_at IS NOT NULL FROM etl_imports "
        "WHERE source_uri = %s AND status = 'failed' ORDER BY import_id",
        (uri,),
    ).fetchall()


def _errors(conn, uri: str) -> int:
    return conn.execute(
        "SELECT count(*) FROM events WHERE event_type = 'etl.error' AND payload->>'source_uri' = %s", (uri,)
    ).fetchone()[0]


def test_an_unsupported_export_is_a_failing_check_recorded_once_and_downstream_still_runs(
    reference, postgres, tmp_path
):
    folder = _exports_folder(tmp_path)
    bad = str((folder / "unsupported.json").resolve())
    config = {"platform_exports": {"exports_dir": str(tmp_path / "exports")}}
    downstream = [platform_exports, metrics_daily]
    checks = [metrics_daily_key_unique, metrics_daily_reconciles_with_listener_metrics]
    for _ in range(3):
        result = _run(postgres, downstream, checks, **config)
        assert result.success  # the step and everything after it run
        materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
        assert materialized == {"platform_exports", "metrics_daily"}
        check = _check(result, "platform_exports_sources_loaded")
        assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
        assert check.metadata["failed_sources"].value == ["unsupported.json"]
        assert "totalPlaysByEpisodeAndDevice" in check.metadata["failures"].value[0]["error"]
    # the good payload loaded; the bad one is one failed row and one etl.error after three runs
    assert reference.execute("SELECT count(*) FROM metrics_daily WHERE source = 'anchor'").fetchone()[0] == 14
    (failed,) = _failed_rows(reference, bad)
    assert failed[1:] == ("content", False) and _errors(reference, bad) == 1
    assert check.metadata["failures"].value[0] == {**check.metadata["failures"].value[0], "recorded_before": True}

    # a run that asks retries it: a new failed row supersedes the old one, one more etl.error
    retried = _run(postgres, [platform_exports], platform_exports={**config["platform_exports"], "retry_failed": True})
    assert retried.success and not _check(retried, "platform_exports_sources_loaded").passed
    assert [r[1:] for r in _failed_rows(reference, bad)] == [("content", True), ("content", False)]
    assert _errors(reference, bad) == 2

    # fixed content is imported without being asked
    shutil.copy(EK / "anchorPlaysByEpisode.json", folder / "unsupported.json")
    fixed = _run(postgres, [platform_exports], **config)
    assert _check(fixed, "platform_exports_sources_loaded").passed


def test_a_failed_csv_fails_the_sources_check_and_the_other_files_load(reference, postgres, tmp_path):
    shutil.copy(SAMPLES / "metrics_daily.csv", tmp_path / "metrics_good.csv")
    (tmp_path / "metrics_broken.csv").write_bytes(b"day,show_id\n\xff\xfe,1\n")
    config = {"listener_metrics": {"landing_dir": str(tmp_path)}}
    for _ in range(2):
        result = _run(postgres, [listener_metrics], **config)
        assert result.success
        check = _check(result, "listener_metrics_sources_loaded")
        assert not check.passed and check.metadata["failed_sources"].value == ["metrics_broken.csv"]
    assert reference.execute("SELECT count(*) FROM listener_metrics").fetchone()[0] > 20_000
    broken = str((tmp_path / "metrics_broken.csv").resolve())
    assert len(_failed_rows(reference, broken)) == 1 and _errors(reference, broken) == 1


def test_an_unreachable_google_api_is_a_failed_source_not_a_failed_step(postgres, reference):
    google = demo_google()
    spec = WorksheetSpec(spreadsheet_id="1nW-demo-manual-tracking", worksheet="Q4 2026", tenant_id="northwind-audio")
    google.fail_next = ["timeout"] * 20
    sheets = GoogleSheetsResource.with_client(google.client(), worksheets=[spec])
    result = dg.materialize([sheet_metrics], resources={"postgres": postgres, "sheets": sheets})
    assert result.success
    check = _check(result, "sheet_metrics_sources_loaded")
    assert not check.passed and check.metadata["failed_sources"].value == [source_uri(spec)]
    assert "could not read" in check.metadata["failures"].value[0]["error"]


def test_an_import_whose_process_died_is_marked_interrupted_alerted_and_retried(reference, postgres, db_url, tmp_path):
    path = tmp_path / "metrics.csv"
    shutil.copy(SAMPLES / "metrics_daily.csv", path)
    uri, checksum = str(path.resolve()), file_checksum(path)
    # a run killed mid-import: its row says running, and no session holds its lock
    dead = reference.execute(
        "INSERT INTO etl_imports (source_kind, source_uri, checksum, status) VALUES ('csv', %s, %s, 'running') "
        "RETURNING import_id",
        (uri, checksum),
    ).fetchone()[0]
    reference.commit()

    result = imports.import_csv(reference, path, LISTENER_METRICS)
    assert result.status == "completed" and result.import_id != dead
    status, reason, error = reference.execute(
        "SELECT status, failure_reason, error FROM etl_imports WHERE import_id = %s", (dead,)
    ).fetchone()
    assert (status, reason) == ("failed", "interrupted") and error.startswith("interrupted")
    event = reference.execute(
        "SELECT payload FROM events WHERE event_type = 'etl.error' AND entity_id = %s", (str(dead),)
    ).fetchone()[0]
    assert event["reason"] == "interrupted"

    assert dg.materialize(
        [ops_dashboard],
        resources={"postgres": postgres, "settings": settings_from_env()},
        run_config={
            "ops": {"ops_dashboard": {"config": {"plots_dir": str(tmp_path / "plots"), "reference_date": "2026-11-15"}}}
        },
    ).success
    detail = reference.execute(
        "SELECT detail FROM ops_alerts WHERE alert_type = 'import_failed' AND entity_id = %s", (str(dead),)
    ).fetchone()[0]
    assert "interrupted" in detail


def test_a_running_import_whose_lock_is_held_is_left_alone(reference, db_url, tmp_path):
    from sponsor_pipeline.db import server

    path = tmp_path / "metrics.csv"
    shutil.copy(SAMPLES / "metrics_daily.csv", path)
    # another process is importing an earlier version of the same file, and holds its lock
    live = reference.execute(
        "INSERT INTO etl_imports (source_kind, source_uri, checksum, status) VALUES ('csv', %s, 'older', 'running') "
        "RETURNING import_id",
        (str(path.resolve()),),
    ).fetchone()[0]
    reference.commit()
    with psycopg.connect(server.libpq_dsn(db_url), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(hashtextextended('older', 0))")
        assert imports.import_csv(reference, path, LISTENER_METRICS).status == "completed"
        status = reference.execute("SELECT status FROM etl_imports WHERE import_id = %s", (live,)).fetchone()[0]
        assert status == "running"
