"""CSV → listener_metrics: idempotent re-import, quarantine with row numbers, all-or-nothing imports."""

import shutil

import pandas as pd
import pytest

from sponsor_pipeline.warehouse import imports
from sponsor_pipeline.warehouse.metrics import reconcile_metrics_daily, refresh_metrics_daily
from sponsor_pipeline.warehouse.targets import LISTENER_METRICS

from .conftest import SAMPLES

COUNTS = """
SELECT (SELECT count(*) FROM listener_metrics), (SELECT count(*) FROM quarantined_rows),
       (SELECT count(*) FROM etl_imports), (SELECT count(*) FROM events)
"""


def test_importing_a_file_twice_leaves_the_same_row_counts(reference):
    first = imports.import_csv(reference, SAMPLES / "metrics_daily.csv", LISTENER_METRICS)
    assert first.status == "completed"
    assert first.rows_loaded == first.rows_read == len(pd.read_csv(SAMPLES / "metrics_daily.csv"))
    before = reference.execute(COUNTS).fetchone()

    second = imports.import_csv(reference, SAMPLES / "metrics_daily.csv", LISTENER_METRICS)
    assert second.status == "skipped"
    assert second.previous_import_id == first.import_id
    assert reference.execute(COUNTS).fetchone() == before


def test_same_rows_in_a_changed_file_change_nothing(reference, tmp_path):
    imports.import_csv(reference, SAMPLES / "metrics_daily.csv", LISTENER_METRICS)
    before = reference.execute("SELECT count(*), sum(downloads) FROM listener_metrics").fetchone()
    reordered = tmp_path / "metrics_reordered.csv"
    pd.read_csv(SAMPLES / "metrics_daily.csv", dtype=str).iloc[::-1].to_csv(reordered, index=False)
    result = imports.import_csv(reference, reordered, LISTENER_METRICS)
    assert result.status == "completed"
    assert result.rows_loaded == before[0]
    assert result.rows_changed == 0
    assert reference.execute("SELECT count(*), sum(downloads) FROM listener_metrics").fetchone() == before


def test_bad_file_quarantines_exactly_its_bad_rows_and_loads_the_rest(reference):
    result = imports.import_csv(reference, SAMPLES / "metrics_bad_rows.csv", LISTENER_METRICS)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (12, 7, 5)
    rows = reference.execute(
        "SELECT row_number, column_name, reason, source_uri, raw_row FROM quarantined_rows ORDER BY row_number"
    ).fetchall()
    assert [(r[0], r[1]) for r in rows] == [
        (2, "downloads"),
        (5, "listeners"),
        (7, "day"),
        (9, "episode_id"),
        (12, "tenant_id"),
    ]
    assert all(r[3].endswith("metrics_bad_rows.csv") for r in rows)
    assert "'-37'" in rows[0][2] and "n/a" in rows[1][2] and "2026-02-30" in rows[2][2]
    assert rows[3][4]["episode_id"] == "hp-ghost-e999"
    assert reference.execute("SELECT count(*) FROM listener_metrics").fetchone()[0] == 7
    status = reference.execute(
        "SELECT status, rows_read, rows_loaded, rows_quarantined FROM etl_imports WHERE import_id = %s",
        (result.import_id,),
    ).fetchone()
    assert status == ("completed", 12, 7, 5)
    event = reference.execute(
        "SELECT tenant_id, payload FROM events WHERE event_type = 'etl.import_completed' AND entity_id = %s",
        (str(result.import_id),),
    ).fetchone()
    assert event[0] == "harbor-pods" and event[1]["rows_loaded"] == 7


def test_duplicate_keys_in_one_file_keep_the_first_and_quarantine_the_rest(reference, tmp_path):
    frame = pd.read_csv(SAMPLES / "metrics_daily.csv", dtype=str).head(3)
    path = tmp_path / "dupes.csv"
    pd.concat([frame, frame.iloc[[1]].assign(downloads="1")]).to_csv(path, index=False)
    result = imports.import_csv(reference, path, LISTENER_METRICS)
    assert (result.rows_loaded, result.rows_quarantined) == (3, 1)
    assert reference.execute("SELECT row_number, reason FROM quarantined_rows").fetchone()[0] == 4
    kept = reference.execute(
        "SELECT downloads FROM listener_metrics WHERE episode_id = %s AND day = %s AND source = %s",
        (frame.episode_id[1], frame.day[1], frame.source[1]),
    ).fetchone()[0]
    assert kept == int(frame.downloads[1])


def test_missing_column_fails_the_file_naming_it_and_records_etl_error(reference, tmp_path):
    path = tmp_path / "metrics_no_source.csv"
    pd.read_csv(SAMPLES / "metrics_daily.csv", dtype=str).head(5).drop(columns="source").to_csv(path, index=False)
    with pytest.raises(imports.ImportFailed, match=r"metrics_no_source\.csv.*missing required column.*source"):
        imports.import_csv(reference, path, LISTENER_METRICS)
    assert (
        reference.execute(
            "SELECT status FROM etl_imports WHERE source_kind = 'csv' AND source_uri = %s", (str(path),)
        ).fetchone()[0]
        == "failed"
    )
    error = reference.execute("SELECT payload FROM events WHERE event_type = 'etl.error'").fetchone()[0]
    assert "metrics_no_source.csv" in error["source_uri"]


def test_failure_part_way_leaves_nothing_and_a_later_run_completes(reference, tmp_path):
    path = tmp_path / "metrics.csv"
    shutil.copy(SAMPLES / "metrics_daily.csv", path)

    def explode(chunk_number: int) -> None:
        if chunk_number == 2:
            raise RuntimeError("disk full (injected)")

    with pytest.raises(imports.ImportFailed, match="injected"):
        imports.import_csv(reference, path, LISTENER_METRICS, chunk_rows=5_000, after_chunk=explode)
    assert reference.execute("SELECT count(*) FROM listener_metrics").fetchone()[0] == 0
    assert reference.execute("SELECT count(*) FROM quarantined_rows").fetchone()[0] == 0
    failed = reference.execute(
        "SELECT import_id, status, error FROM etl_imports WHERE source_uri = %s", (str(path),)
    ).fetchall()
    assert [(f[1], "injected" in f[2]) for f in failed] == [("failed", True)]

    result = imports.import_csv(reference, path, LISTENER_METRICS, chunk_rows=5_000)
    assert result.status == "completed" and result.import_id != failed[0][0]
    assert reference.execute("SELECT count(*) FROM listener_metrics").fetchone()[0] == result.rows_read


def test_metrics_daily_totals_equal_listener_metrics_totals(reference):
    imports.import_csv(reference, SAMPLES / "metrics_daily.csv", LISTENER_METRICS)
    imports.import_csv(reference, SAMPLES / "metrics_bad_rows.csv", LISTENER_METRICS)
    refresh_metrics_daily(reference)
    per_key = """
        SELECT tenant_id, day, episode_id, source, sum(downloads), sum(listeners), sum(listen_seconds)
        FROM {} GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    """
    source = reference.execute(per_key.format("listener_metrics")).fetchall()
    view = reference.execute(per_key.format("metrics_daily")).fetchall()
    assert len(source) > 20_000
    assert view == source
    assert reconcile_metrics_daily(reference)[0] == 0


def test_reconciliation_reports_a_stale_view(reference):
    imports.import_csv(reference, SAMPLES / "metrics_bad_rows.csv", LISTENER_METRICS)
    refresh_metrics_daily(reference)
    reference.execute("UPDATE listener_metrics SET downloads = downloads + 1 WHERE source = 'acast'")
    reference.commit()
    mismatches, sample = reconcile_metrics_daily(reference)
    assert mismatches == 7
    assert sample[0]["source_downloads"] == sample[0]["view_downloads"] + 1


def test_load_path_copies_new_ranges_and_upserts_revisions(reference, tmp_path):
    first = imports.import_csv(reference, SAMPLES / "metrics_daily.csv", LISTENER_METRICS)
    assert first.load_path == "copy"
    revised = tmp_path / "metrics_revised.csv"
    frame = pd.read_csv(SAMPLES / "metrics_daily.csv", dtype=str)
    frame.loc[::10, "downloads"] = (frame.loc[::10, "downloads"].astype(int) + 1).astype(str)
    frame.to_csv(revised, index=False)
    second = imports.import_csv(reference, revised, LISTENER_METRICS)
    assert second.load_path == "upsert"
    assert second.rows_changed == len(frame.loc[::10])
    total = reference.execute("SELECT sum(downloads) FROM listener_metrics").fetchone()[0]
    assert int(total) == int(frame.downloads.astype(int).sum())
    bad = imports.import_csv(reference, SAMPLES / "metrics_bad_rows.csv", LISTENER_METRICS)
    assert bad.load_path in {"insert", "upsert"}  # the unknown episode sends it through the stage
