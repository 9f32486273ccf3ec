"""Every data point accounted for: rows read = loaded + quarantined + dropped (with reasons) per
import, bad cells quarantined with file/row/column instead of crashing, country names resolved or
quarantined, checksums over exactly the bytes loaded, patterns kept inside their folder, and each
source confined to its configured tenant (issues 13 and 11)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from sponsor_pipeline import countries, exports, schemas
from sponsor_pipeline.defs.ingestion import report
from sponsor_pipeline.defs.ingestion.sheets import sheet_metrics
from sponsor_pipeline.resources.sheets import GoogleSheetsResource, WorksheetSpec
from sponsor_pipeline.sheet_values import values_to_frame
from sponsor_pipeline.validation import InputShapeError, prepare_chunk, split_valid
from sponsor_pipeline.warehouse import imports, platform_exports
from sponsor_pipeline.warehouse.targets import LISTENER_METRICS
from sponsor_pipeline_tests.fakes.sheets import FakeGoogle, FakeSpreadsheet, FakeWorksheet

from .conftest import SAMPLES

OPENPODCAST = Path("/work/shared/data/openpodcast")
EK = SAMPLES / "exports" / "engineering-kiosk"
CTX = exports.ShowContext("engineering-kiosk", "ek-engineering-kiosk")
HEADER = "tenant_id,day,show_id,episode_id,source,downloads,listeners,listen_seconds\n"
GOOD = "northwind-audio,{day},,nw-tech-talk-e106,dp_test,{n},,\n"


def payload(name: str) -> bytes:
    """A real openpodcast payload: the shared copy, else the one shipped in samples/."""
    for folder in (OPENPODCAST, EK):
        if (folder / name).exists():
            return (folder / name).read_bytes()
    pytest.skip(f"{name} not available")


def stored_counts(conn, import_id: int) -> tuple:
    return conn.execute(
        "SELECT rows_read, rows_loaded, rows_quarantined, rows_dropped, dropped_reasons, quarantined_reasons "
        "FROM etl_imports WHERE import_id = %s",
        (import_id,),
    ).fetchone()


# --- non-ISO dates ----------------------------------------------------------------------------


@pytest.mark.parametrize("bad_day", ["01/01/2013", "2 Jan 2013", "20130102"])
def test_non_iso_date_is_a_row_quarantine_naming_row_and_column_not_a_crash(bad_day):
    raw = pd.DataFrame(
        [line.split(",") for line in (GOOD.format(day="2026-09-01", n=5), GOOD.format(day=bad_day, n=6))],
        columns=HEADER.strip().split(","),
    ).map(str.strip)
    raw.index = pd.RangeIndex(1, 3)
    valid, rejects = split_valid(prepare_chunk(raw, schemas.LISTENER_METRICS, "f.csv"), schemas.LISTENER_METRICS)
    assert list(valid.index) == [1]
    assert [(r.row_number, r.columns) for r in rejects] == [(2, ("day",))]
    assert bad_day in rejects[0].reason and "YYYY-MM-DD" in rejects[0].reason


def test_non_iso_dates_in_a_file_load_the_valid_rows_and_quarantine_the_others(reference, tmp_path):
    path = tmp_path / "dates_metrics.csv"
    days = ["2026-09-01", "01/01/2013", "2026-09-02", "2 Jan 2013", "20130102"]
    path.write_text(HEADER + "".join(GOOD.format(day=d, n=i) for i, d in enumerate(days)))
    result = imports.import_csv(reference, path, LISTENER_METRICS)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (5, 2, 3)
    quarantined = reference.execute(
        "SELECT source_uri, row_number, column_name FROM quarantined_rows WHERE import_id = %s ORDER BY row_number",
        (result.import_id,),
    ).fetchall()
    assert quarantined == [(str(path), 2, "day"), (str(path), 4, "day"), (str(path), 5, "day")]


# --- country names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Turkey", "TR"),
        ("Türkiye", "TR"),
        ("Czech Republic", "CZ"),
        ("Czechia", "CZ"),
        ("Russia", "RU"),
        ("South Korea", "KR"),
        ("Vietnam", "VN"),
        ("Iran", "IR"),
        ("Ivory Coast", "CI"),
        ("Macao", "MO"),
        ("United States", "US"),
        ("DEU", "DE"),
        ("  germany ", "DE"),
        ("Congo", "CG"),  # ISO 3166-1 short name of the Republic of the Congo
        ("Kosovo", "XK"),
        ("Korea", None),
        ("Atlantis", None),
        ("", None),
    ],
)
def test_country_names_resolve_with_aliases_and_fuzzy_matching_or_not_at_all(name, code):
    assert countries.country_code(name) == code


def test_anchor_geo_payload_maps_turkey_and_never_writes_zz():
    parsed = exports.parse_export(payload("anchorPlaysByGeo.json"), CTX, "anchorPlaysByGeo.json")
    buckets = {a["bucket"] for a in parsed.audience}
    assert "TR" in buckets and "ZZ" not in buckets and all(len(b) == 2 for b in buckets)


def test_unresolved_country_is_quarantined_with_its_name(reference, tmp_path):
    folder = tenant_folder(tmp_path)
    body = json.loads(payload("anchorPlaysByGeo.json"))
    body["data"]["data"]["rows"] = [["Germany", 0.5], ["Atlantis", 0.25]]
    (folder / "geo.json").write_text(json.dumps(body))
    result, _ = import_folder(reference, folder)["geo.json"]
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 1, 1)
    raw = reference.execute("SELECT raw_row->>'bucket' FROM quarantined_rows WHERE import_id = %s", (result.import_id,))
    assert "Atlantis" in raw.fetchone()[0]


# --- dropped with a reason, per import ----------------------------------------------------------


def tenant_folder(tmp_path: Path, tenant: str = "engineering-kiosk") -> Path:
    folder = tmp_path / tenant
    folder.mkdir()
    shutil.copy(EK / "platform_shows.csv", folder / "platform_shows.csv")
    with open(folder / "platform_shows.csv", "a") as handle:  # the shared payloads' placeholder show ids
        handle.write("podigee,123456,ek-engineering-kiosk\nanchor,123abcde,ek-engineering-kiosk\n")
        # appleEpisodes.json names the show by its Spotify id under provider apple
        handle.write("apple,0tJRC0UsObPCWLmmzmOkIs,ek-engineering-kiosk\n")
    shutil.copytree(EK / "reference", folder / "reference")
    return folder


def import_folder(conn, folder: Path) -> dict[str, tuple]:
    shows = exports.read_platform_shows(folder / platform_exports.PLATFORM_SHOWS)
    platform_exports.load_reference(conn, folder)
    out = {}
    for path in platform_exports.payload_files(folder):
        try:
            out[path.name] = platform_exports.import_payload(conn, path, folder.name, shows)
        except imports.ImportFailed as err:
            out[path.name] = (err, None)
    return out


def test_show_totals_and_unknown_age_band_are_counted_as_dropped_with_reasons(reference, tmp_path):
    folder = tenant_folder(tmp_path)
    for name in ("hosterPodcastMetricsTotals.json", "spotifyPodcastAggregate.json"):
        (folder / name).write_bytes(payload(name))
    results = import_folder(reference, folder)

    totals, _ = results["hosterPodcastMetricsTotals.json"]
    read, loaded, quarantined, dropped, dropped_reasons, _ = stored_counts(reference, totals.import_id)
    assert (read, loaded, quarantined, dropped) == (3, 0, 0, 3)
    assert sorted(dropped_reasons) == [
        "downloads/downloads is a total over 30 days; listener_metrics holds daily values",
        "listeners/unique is a total over 30 days; listener_metrics holds daily values",
        "subscribers/unique is a total over 30 days; listener_metrics holds daily values",
    ]

    aggregate, _ = results["spotifyPodcastAggregate.json"]
    read, loaded, quarantined, dropped, dropped_reasons, _ = stored_counts(reference, aggregate.import_id)
    assert dropped_reasons == {"age band 'unknown' not reported as a band": 1}
    assert read == loaded + quarantined + dropped and loaded > 0


def test_every_real_payload_accounts_for_every_row(reference, tmp_path):
    """Each real openpodcast payload: read = loaded + quarantined + dropped, in the result and in
    etl_imports; a payload of a format not read yet fails whole with a message naming it."""
    folder = tenant_folder(tmp_path)
    names = sorted(p.name for p in OPENPODCAST.glob("*.json")) or sorted(p.name for p in EK.glob("*.json"))
    for name in names:
        (folder / name).write_bytes(payload(name))
    results = import_folder(reference, folder)
    for name, (result, _) in results.items():
        if isinstance(result, imports.ImportFailed):
            assert name == "appleEpisodes.json" and "unknown export format" in str(result)
            continue
        read, loaded, quarantined, dropped, dropped_reasons, quarantined_reasons = stored_counts(
            reference, result.import_id
        )
        assert read == loaded + quarantined + dropped, name
        assert sum(dropped_reasons.values()) == dropped and sum(quarantined_reasons.values()) == quarantined, name
        assert (read, loaded, quarantined, dropped) == (
            result.rows_read,
            result.rows_loaded,
            result.rows_quarantined,
            result.rows_dropped,
        )
    apple, _ = results["appleTrendsListenersByEpisode.json"]
    assert apple.rows_dropped == 44 + 16 + 2 + 24 + 5  # content rows, running totals, top cities/countries
    apps, _ = results["anchorPlaysByApp.json"]
    assert apps.rows_read == apps.rows_dropped > 0
    if "appleEpisodes.json" in results:  # the catalogue and its range totals: read, every entry dropped by reason
        episodes, _ = results["appleEpisodes.json"]
        assert (episodes.rows_read, episodes.rows_loaded, episodes.rows_dropped) == (88, 0, 88)


# --- duplicated headers -----------------------------------------------------------------------


def test_duplicated_csv_header_fails_the_file_naming_file_and_column(reference, tmp_path):
    path = tmp_path / "dupe_metrics.csv"
    path.write_text(HEADER.replace("listeners,", "Downloads,") + GOOD.format(day="2026-09-01", n=3))
    with pytest.raises(imports.ImportFailed, match=r"dupe_metrics\.csv.*duplicate column.*'downloads' at columns 6, 7"):
        imports.import_csv(reference, path, LISTENER_METRICS)
    assert reference.execute("SELECT count(*) FROM listener_metrics WHERE source = 'dp_test'").fetchone()[0] == 0


def test_duplicated_sheet_header_is_an_input_shape_error_naming_the_column():
    values = [["day", "downloads", "Downloads "], [46300, 1, 2]]
    with pytest.raises(InputShapeError, match=r"gsheet:x/y.*'downloads'"):
        values_to_frame(values, "gsheet:x/y", defaults={"tenant_id": "t"})


# --- checksums, patterns, markdown ------------------------------------------------------------


def test_checksum_covers_exactly_the_bytes_loaded_when_the_file_grows_during_import(reference, tmp_path):
    path = tmp_path / "growing_metrics.csv"
    days = pd.date_range("2026-06-01", "2026-11-30").strftime("%Y-%m-%d")
    lines = [f"northwind-audio,{d},,nw-tech-talk-e106,dp_{k},{k},," for d in days for k in range(120)]
    path.write_text(HEADER + "\n".join(lines) + "\n")
    original = path.read_bytes()
    appended = "".join(f"northwind-audio,{d},,nw-tech-talk-e106,dp_late,1,,\n" for d in days)

    def append(number: int) -> None:
        if number == 0:
            with open(path, "a") as handle:
                handle.write(appended)

    result = imports.import_csv(reference, path, LISTENER_METRICS, chunk_rows=1_000, after_chunk=append)
    assert len(original) > 1 << 20  # larger than the reader's buffer: the tail is read after the append
    assert result.checksum == hashlib.sha256(original).hexdigest()
    assert result.rows_read == result.rows_loaded == len(lines)
    assert reference.execute("SELECT count(*) FROM listener_metrics WHERE source = 'dp_late'").fetchone()[0] == 0
    again = imports.import_csv(reference, path, LISTENER_METRICS)
    assert again.status == "completed" and again.checksum == hashlib.sha256(original + appended.encode()).hexdigest()


def test_file_rewritten_during_import_fails_instead_of_recording_a_wrong_checksum(reference, tmp_path):
    path = tmp_path / "rewritten_metrics.csv"
    lines = [f"northwind-audio,2026-09-{1 + k % 28:02d},,nw-tech-talk-e106,dp_{k},{k},," for k in range(40_000)]
    path.write_text(HEADER + "\n".join(lines) + "\n")

    def rewrite(number: int) -> None:
        if number == 0:
            data = bytearray(path.read_bytes())
            data[-5] = ord("8") if data[-5] == ord("9") else ord("9")  # a digit of the last row's downloads
            path.write_bytes(bytes(data))

    with pytest.raises(imports.ImportFailed, match="changed while it was imported"):
        imports.import_csv(reference, path, LISTENER_METRICS, chunk_rows=1_000, after_chunk=rewrite)


@pytest.mark.parametrize("pattern", ["../../elsewhere/*metrics*.csv", "/etc/*", "sub/../../x.csv", ""])
def test_patterns_cannot_leave_the_landing_folder(tmp_path, pattern):
    (tmp_path / "landing").mkdir()
    with pytest.raises(ValueError, match="inside the folder"):
        list(imports.iter_files(tmp_path / "landing", pattern))


def test_symlink_out_of_the_landing_folder_is_refused(tmp_path):
    (tmp_path / "landing").mkdir()
    (tmp_path / "secret_metrics.csv").write_text("x")
    (tmp_path / "landing" / "link_metrics.csv").symlink_to(tmp_path / "secret_metrics.csv")
    with pytest.raises(ValueError, match="resolves outside"):
        list(imports.iter_files(tmp_path / "landing", "*metrics*.csv"))


def test_listener_metrics_asset_fails_on_an_escaping_pattern(postgres, tmp_path):
    from sponsor_pipeline.defs.ingestion.assets import listener_metrics
    from sponsor_pipeline.resources.settings import PipelineSettings

    result = dg.materialize(
        [listener_metrics],
        resources={"postgres": postgres, "settings": PipelineSettings(landing_dir=str(tmp_path))},
        run_config={"ops": {"listener_metrics": {"config": {"pattern": "../../elsewhere/*metrics*.csv"}}}},
        raise_on_error=False,
    )
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.error
    assert "must stay inside the folder" in str(failure)


def test_file_names_in_markdown_metadata_are_escaped():
    row = report.result_row("a|b\nc.csv", imports.ImportResult("a|b", "x", "completed"))
    assert row.startswith("| a\\|b c.csv | completed |")
    assert row.count(" | ") == report.HEADER.count(" | ")


# --- tenant scope of inputs (issue 11) --------------------------------------------------------


def test_worksheet_for_tenant_a_quarantines_rows_naming_tenant_b(reference, postgres):
    rows = [
        ["tenant_id", "day", "show_id", "episode_id", "source", "downloads", "listeners", "listen_seconds"],
        ["northwind-audio", 46300, "nw-tech-talk", "nw-tech-talk-e115", "scope_test", 10],
        ["harbor-pods", 46300, "hp-kitchen-table", "hp-kitchen-table-e061", "scope_test", 20],
        ["", 46301, "nw-tech-talk", "nw-tech-talk-e115", "scope_test", 30],
    ]
    google = FakeGoogle()
    google.add(FakeSpreadsheet("scope-sheet", "Scope", [FakeWorksheet("Tab", rows)]))
    spec = WorksheetSpec(spreadsheet_id="scope-sheet", worksheet="Tab", tenant_id="northwind-audio")
    sheets = GoogleSheetsResource.with_client(google.client(), worksheets=[spec])
    result = dg.materialize([sheet_metrics], resources={"postgres": postgres, "sheets": sheets})
    assert result.success
    loaded = reference.execute(
        "SELECT tenant_id, downloads FROM listener_metrics WHERE source = 'scope_test' ORDER BY downloads"
    ).fetchall()
    assert loaded == [("northwind-audio", 10), ("northwind-audio", 30)]
    assert reference.execute(
        "SELECT row_number, column_name, reason FROM quarantined_rows WHERE source_uri = 'gsheet:scope-sheet/Tab'"
    ).fetchall() == [(2, "tenant_id", "tenant_id harbor-pods outside this source's tenant northwind-audio")]


def test_export_folder_reference_shows_naming_another_tenant_are_quarantined(reference, tmp_path):
    before = reference.execute(
        "SELECT title, description FROM shows WHERE tenant_id = 'harbor-pods' ORDER BY show_id"
    ).fetchall()
    folder = tenant_folder(tmp_path)
    with open(folder / "reference" / "shows.csv", "a") as handle:
        handle.write("harbor-pods,hp-kitchen-table,Hijacked,hijacked,Arts,false,en,overwritten\n")
    results = platform_exports.load_reference(reference, folder)
    shows = next(r for r in results if r.source_uri.endswith("shows.csv"))
    assert (shows.rows_read, shows.rows_loaded, shows.rows_quarantined) == (2, 1, 1)
    assert reference.execute(
        "SELECT row_number, column_name, reason FROM quarantined_rows WHERE import_id = %s", (shows.import_id,)
    ).fetchall() == [(2, "tenant_id", "tenant_id harbor-pods outside this source's tenant engineering-kiosk")]
    after = reference.execute(
        "SELECT title, description FROM shows WHERE tenant_id = 'harbor-pods' ORDER BY show_id"
    ).fetchall()
    assert after == before


def test_every_real_payload_and_real_format_fixture_balances_read_with_loaded_quarantined_dropped(reference, tmp_path):
    """Every file of sponsor_pipeline_tests/accounting.py (the shared openpodcast payloads, the further
    openpodcast fixtures, OP3 responses and window exports): read = loaded + quarantined + dropped, in
    the result and in etl_imports, with a reason behind every dropped and quarantined row."""
    from sponsor_pipeline_tests import accounting

    rows = accounting.account(reference, tmp_path)
    assert len(rows) >= 30
    failed = [(r.name, r.status) for r in rows if r.status.startswith("failed")]
    assert failed == []
    for r in rows:
        assert r.balanced, r
        assert sum(r.reasons.values()) == r.quarantined + r.dropped, r
    stored = reference.execute(
        "SELECT count(*) FILTER (WHERE rows_read <> rows_loaded + rows_quarantined + rows_dropped), count(*) "
        "FROM etl_imports WHERE status = 'completed'"
    ).fetchone()
    assert stored[0] == 0 and stored[1] >= len([r for r in rows if r.status == "completed"])
    by_name = {r.name: r for r in rows}
    assert (by_name["anchorPlaysByAgeRange.json"].loaded, by_name["anchorPlaysByAgeRange.json"].dropped) == (7, 0)
    assert by_name["spotifyPodcastFollowers.json"].target == "show_audience_size"
    assert by_name["op3-downloads-show.tsv"].format == "op3/downloads/show"
