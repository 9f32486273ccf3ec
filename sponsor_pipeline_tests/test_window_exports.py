"""Hosting window exports (Podlove Publisher CSV, a host's 3/7/30-day TSV): parsed, loaded, accounted for."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sponsor_pipeline import window_exports
from sponsor_pipeline.dashboards.performance import performance_windows
from sponsor_pipeline.defs.ingestion.sensors import landing_files, run_config
from sponsor_pipeline.warehouse import dashboards as dashboard_sql
from sponsor_pipeline.warehouse import imports
from sponsor_pipeline.warehouse import window_exports as loader

DATA = Path(__file__).parent / "data" / "window_exports"
PODLOVE = DATA / "podlove-episode-downloads.csv"
HOST = DATA / "host-episode-windows.tsv"
OP3 = DATA / "op3-episode-download-counts.json"
OP3_SHOW = "3f0a5c1e2b7d4e6f8a9b0c1d2e3f4a5b"
TODAY = date(2026, 11, 14)
LATER = date(2100, 1, 1)  # after any file modification day (the host file's export day)


def test_podlove_csv_columns_map_to_days_after_release_and_empty_cells_are_counted():
    parsed = window_exports.parse_window_export(PODLOVE.read_bytes(), TODAY, "podlove.csv")
    assert (parsed.layout, parsed.encoding, parsed.delimiter) == ("podlove", "utf-8", ",")
    first = {r["window_days"]: r["downloads"] for r in parsed.rows if r["key"] == "12"}
    # downloads = total; 1d/1w = first 24 h / 7 days; 4w = 28 days; 1q = 13 weeks = 91 days
    assert first == {
        None: "5210", 91: "4980", 28: "4100", 21: "3900", 14: "3605", 7: "3120",
        6: "2950", 5: "2801", 4: "2610", 3: "2290", 2: "1850", 1: "1204",
    }  # fmt: skip
    row = next(r for r in parsed.rows if r["key"] == "12")
    assert (row["title"], row["published"], row["as_of"]) == (
        "Passkeys Are Here. Now What?",
        "2026-08-04",
        "2026-11-12",
    )
    # 3 episodes × 17 window columns = 51 cells: 27 values, 24 empty (windows not aggregated yet)
    assert len(parsed.rows) == 27 and sum(parsed.dropped.values()) == 24
    assert parsed.dropped["3y: empty (window not reported)"] == 3


def test_host_tsv_in_windows_1252_keeps_titles_with_commas_and_double_spaces():
    parsed = window_exports.parse_window_export(HOST.read_bytes(), TODAY, "host.tsv")
    assert (parsed.layout, parsed.encoding, parsed.delimiter) == ("windows", "cp1252", "\t")
    titles = sorted({r["title"] for r in parsed.rows})
    assert titles == [
        "Café, Croissants and Cookies",
        "Passkeys Are Here.  Now What?",
        "Right to Repair, Goes  Mainstream",
    ]
    repair = {r["window_days"]: r["downloads"] for r in parsed.rows if r["title"].startswith("Right")}
    assert repair == {3: "1410", 7: "1398", 30: "2412", None: "3011"}  # thousands separators removed
    assert len(parsed.rows) == 10 and dict(parsed.dropped) == {
        "7 Day Downloads: empty (window not reported)": 1,
        "30 Day Downloads: empty (window not reported)": 1,
    }
    assert {r["as_of"] for r in parsed.rows} == {"2026-11-14"}  # the file does not say: the default day


def test_op3_episode_download_counts_windows_absent_until_elapsed_are_counted():
    parsed = window_exports.parse_window_export(OP3.read_bytes(), TODAY, "op3.json")
    assert parsed.layout == "op3/episode-download-counts"
    passkeys = {r["window_days"]: r["downloads"] for r in parsed.rows if r["key"] == "op3-guid-e102"}
    assert passkeys == {1: "640", 3: "1200", 7: "1650", 30: "2705", None: "3320"}
    newest = [r for r in parsed.rows if r["key"] == "a-new-guid-not-in-the-catalogue"]
    assert {r["window_days"] for r in newest} == {1, None}
    assert newest[0]["title"] == "Launch Week, Part  Two" and newest[0]["published"] == "2026-11-12"
    assert {r["as_of"] for r in parsed.rows} == {"2026-11-14"}  # maxDownloadHour's day
    # 3 episodes × 5 windows = 15: 12 values, 3 windows not elapsed
    assert len(parsed.rows) == 12 and sum(parsed.dropped.values()) == 3
    with pytest.raises(window_exports.WindowExportError, match="not an OP3 episode-download-counts"):
        window_exports.parse_window_export(b'{"showDownloadCounts": {}}', TODAY, "x.json")


@pytest.mark.parametrize(
    ("body", "delimiter"),
    [
        (b"Title;Published;7 days;All time\nA, b;2024-01-01;1.234;2000\n", ";"),
        (b'Title,7-day,Lifetime\n"A, b",5,9\n', ","),
        ("Title\t7 Day\tTotal\nA\t5\t9\n".encode("utf-16"), "\t"),
        (b"\xef\xbb\xbfEpisode,First 4 weeks,Total\nA,5,9\n", ","),
    ],
)
def test_delimiter_and_encoding_are_detected(body, delimiter):
    parsed = window_exports.parse_window_export(body, TODAY)
    assert parsed.delimiter == delimiter and parsed.rows and parsed.rows[0]["title"] in ("A, b", "A")
    assert {r["window_days"] for r in parsed.rows} <= {7, 28, None}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty file"),
        (b"Title,Published\nA,2024-01-01\n", "no window column"),
        (b"Foo,7 days\n1,2\n", "no title or episode id column"),
        (b"Title,7 days,1w\nA,1,2\n", "repeats an earlier column"),
    ],
)
def test_files_that_are_not_window_exports_fail_naming_the_file(body, message):
    with pytest.raises(window_exports.WindowExportError, match=f"^x.csv: .*{message}"):
        window_exports.parse_window_export(body, TODAY, "x.csv")


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=300).map(lambda t: ("Title\t7 days\tAll time\n" + t).encode()))
def test_any_bytes_parse_or_fail_with_a_window_export_error(body):
    try:
        parsed = window_exports.parse_window_export(body, TODAY)
    except window_exports.WindowExportError:
        return
    for row in parsed.rows:
        assert row["window_days"] is None or row["window_days"] > 0


def _tenant_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "northwind-audio"
    (folder / "windows" / "podlove" / "pl-tech").mkdir(parents=True)
    (folder / "windows" / "host" / "tech-talk").mkdir(parents=True)
    (folder / "windows" / "op3" / OP3_SHOW).mkdir(parents=True)
    (folder / "platform_shows.csv").write_text(
        "provider,platform_show_id,show_id\npodlove,pl-tech,nw-tech-talk\nhost,tech-talk,nw-tech-talk\n"
        f"op3,{OP3_SHOW},nw-tech-talk\n"
    )
    shutil.copy(OP3, folder / "windows" / "op3" / OP3_SHOW / OP3.name)
    shutil.copy(PODLOVE, folder / "windows" / "podlove" / "pl-tech" / PODLOVE.name)
    shutil.copy(HOST, folder / "windows" / "host" / "tech-talk" / HOST.name)
    return folder


def test_window_exports_load_matched_episodes_quarantine_the_rest_and_feed_performance(reference, tmp_path):
    conn = reference
    folder = _tenant_folder(tmp_path)
    shows = {
        ("podlove", "pl-tech"): "nw-tech-talk",
        ("host", "tech-talk"): "nw-tech-talk",
        ("op3", OP3_SHOW): "nw-tech-talk",
    }
    files = loader.window_files(folder)
    assert [(p, s, f.name) for p, s, f in files] == [
        ("host", "tech-talk", HOST.name),
        ("op3", OP3_SHOW, OP3.name),
        ("podlove", "pl-tech", PODLOVE.name),
    ]
    results = {p: loader.import_window_file(conn, f, "northwind-audio", p, s, shows)[0] for p, s, f in files}
    podlove, host = results["podlove"], results["host"]
    # read = loaded + quarantined + dropped; the episode the catalogue lacks is quarantined by name
    assert (podlove.rows_read, podlove.rows_loaded, podlove.rows_quarantined, podlove.rows_dropped) == (51, 24, 3, 24)
    assert (host.rows_read, host.rows_loaded, host.rows_quarantined, host.rows_dropped) == (12, 8, 2, 2)
    op3 = results["op3"]
    assert (op3.rows_read, op3.rows_loaded, op3.rows_quarantined, op3.rows_dropped) == (15, 10, 2, 3)
    assert any("unmapped podlove episode '14' ('A brand new one, not in the" in r for r in podlove.reasons)
    assert any("unmapped host episode 'Café, Croissants and Cookies'" in r for r in host.reasons), host.reasons
    loaded = dict(
        conn.execute(
            "SELECT window_days, downloads FROM episode_download_windows WHERE source = 'host' "
            "AND episode_id = 'nw-tech-talk-e103'"
        ).fetchall()
    )
    assert loaded == {3: 1410, 7: 1398, 30: 2412, None: 3011}
    rows = performance_windows(
        dashboard_sql.read_frame(conn, dashboard_sql.EPISODES).to_dict("records"),
        [],
        dashboard_sql.read_frame(conn, dashboard_sql.EPISODE_EXPORTED_WINDOWS, {"as_of": LATER}).to_dict("records"),
        LATER,
    )
    by_key = {(r["episode_id"], r["source"]): r for r in rows}
    repair = by_key[("nw-tech-talk-e103", "host")]
    assert (repair["downloads_7d"], repair["downloads_30d"], repair["downloads_all_time"]) == (1398, 2412, 3011)
    assert repair["decreasing"] and "7d 1398 < 3d 1410" in repair["flags"]
    passkeys = by_key[("nw-tech-talk-e102", "podlove")]
    assert (passkeys["downloads_1d"], passkeys["downloads_7d"], passkeys["downloads_30d"]) == (1204, 3120, None)
    assert passkeys["complete_7d"] and not passkeys["decreasing"]
    op3_repair = by_key[("nw-tech-talk-e103", "op3")]  # matched by title + date (the GUID is OP3's)
    assert (op3_repair["downloads_1d"], op3_repair["downloads_30d"], op3_repair["complete_30d"]) == (512, 2210, True)
    again = loader.import_window_file(conn, files[0][2], "northwind-audio", "host", "tech-talk", shows)[0]
    assert again.status == "skipped"


def test_a_window_file_of_an_unmapped_show_fails_naming_it(reference, tmp_path):
    folder = _tenant_folder(tmp_path)
    path = folder / "windows" / "podlove" / "pl-tech" / PODLOVE.name
    with pytest.raises(imports.ImportFailed, match=r"podlove show 'nope' is not in platform_shows\.csv"):
        loader.import_window_file(reference, path, "northwind-audio", "podlove", "nope", {})


def test_the_landing_sensor_routes_window_exports_to_platform_exports(tmp_path):
    folder = _tenant_folder(tmp_path / "exports")
    found = [(asset, kind, path.name) for asset, kind, path in landing_files(tmp_path)]
    assert found == [
        ("platform_exports", "export", HOST.name),
        ("platform_exports", "export", OP3.name),
        ("platform_exports", "export", PODLOVE.name),
    ]
    path = folder / "windows" / "host" / "tech-talk" / HOST.name
    config = run_config("platform_exports", path, tmp_path)["ops"]["platform_exports"]["config"]
    assert config == {"exports_dir": str(tmp_path / "exports"), "files": [str(path)]}


def test_quarantined_window_rows_load_on_replay_once_the_catalogue_has_the_episode(reference, tmp_path):
    from sponsor_pipeline.warehouse.imports.replay import replay_quarantine

    conn = reference
    folder = _tenant_folder(tmp_path)
    shows = {("host", "tech-talk"): "nw-tech-talk"}
    path = folder / "windows" / "host" / "tech-talk" / HOST.name
    first = loader.import_window_file(conn, path, "northwind-audio", "host", "tech-talk", shows)[0]
    assert first.rows_quarantined == 2
    conn.execute(
        "INSERT INTO episodes (tenant_id, episode_id, show_id, title, published_at) "
        "VALUES ('northwind-audio', 'nw-tech-talk-e199', 'nw-tech-talk', 'Café, Croissants and Cookies', '2026-11-12')"
    )
    conn.commit()
    [replayed] = [r for r in replay_quarantine(conn, "northwind-audio") if r.import_id == first.import_id]
    assert (replayed.loaded, replayed.still_quarantined) == (2, 0)
    rows = dict(
        conn.execute(
            "SELECT window_days, downloads FROM episode_download_windows WHERE episode_id = 'nw-tech-talk-e199'"
        ).fetchall()
    )
    assert rows == {3: 380, None: 410}
    read, loaded, quarantined, dropped = conn.execute(
        "SELECT rows_read, rows_loaded, rows_quarantined, rows_dropped FROM etl_imports WHERE import_id = %s",
        (first.import_id,),
    ).fetchone()
    assert (read, loaded, quarantined, dropped) == (12, 10, 0, 2)
