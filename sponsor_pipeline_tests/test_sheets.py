"""Google Sheets ingestion through gspread over a fake Sheets v4 / Drive v3 HTTP layer (no network)."""

from __future__ import annotations

import json
from datetime import date

import dagster as dg
import pytest

from sponsor_pipeline.defs.ingestion.sensors import sheets_sensor
from sponsor_pipeline.defs.ingestion.sheets import sheet_metrics, source_uri
from sponsor_pipeline.resources.sheets import GoogleSheetsResource, SheetsCredentialsError, WorksheetSpec
from sponsor_pipeline.sheet_values import serial_to_iso, values_to_frame
from sponsor_pipeline_tests.fakes.sheets import FakeGoogle, FakeSpreadsheet, FakeWorksheet, demo_google

DEMO = WorksheetSpec(spreadsheet_id="1nW-demo-manual-tracking", worksheet="Q4 2026", tenant_id="northwind-audio")


def resource(google: FakeGoogle, *specs: WorksheetSpec) -> GoogleSheetsResource:
    return GoogleSheetsResource.with_client(google.client(), worksheets=list(specs))


def run(postgres, sheets) -> dg.ExecuteInProcessResult:
    return dg.materialize([sheet_metrics], resources={"postgres": postgres, "sheets": sheets}, raise_on_error=False)


def meta(result) -> dict:
    mat = result.asset_materializations_for_node("sheet_metrics")[0]
    return {k: getattr(v, "value", v) for k, v in mat.metadata.items()}


def test_fake_serves_the_api_shapes_gspread_expects():
    google = demo_google()
    client = google.client()
    ws = client.open_by_key(DEMO.spreadsheet_id).worksheet("Q4 2026")
    raw = ws.get_values(value_render_option="UNFORMATTED_VALUE", pad_values=False)
    assert raw[1][0] == (date(2026, 11, 9) - date(1899, 12, 30)).days and isinstance(raw[1][4], int)
    assert raw[7] == [] and len(raw[-2]) == 5  # empty row kept inside, ragged trailing row
    assert ws.get_values()[1][4] == "1,480"  # FORMATTED_VALUE: numbers as strings
    assert any("valueRenderOption=UNFORMATTED_VALUE" in r for r in google.requests)
    batch = client.http_client.values_batch_get(
        DEMO.spreadsheet_id, ["'Q4 2026'!A1:B2", "README"], params={"valueRenderOption": "UNFORMATTED_VALUE"}
    )
    assert batch["spreadsheetId"] == DEMO.spreadsheet_id
    assert [r["range"] for r in batch["valueRanges"]] == ["'Q4 2026'!A1:B2", "'README'!A1:Z1000"]
    assert batch["valueRanges"][0]["values"] == [[" Day", "Show ID "], [46335, "nw-tech-talk"]]


def test_a1_looking_title_is_read_as_a_title_not_a_cell():
    google = FakeGoogle()
    google.add(
        FakeSpreadsheet(
            "s1", "Book", [FakeWorksheet("Intro", [["x"]]), FakeWorksheet("A1", [["day", "downloads"], [46335, 3]])]
        )
    )
    ws = google.client().open_by_key("s1").worksheet("A1")
    assert ws.get_values(value_render_option="UNFORMATTED_VALUE") == [["day", "downloads"], [46335, 3]]
    # what the API does with the unquoted title: the first sheet's cell A1
    response = google.client().http_client.values_get("s1", "A1")
    assert response["values"] == [["x"]]


def test_values_to_frame_handles_headers_ragged_rows_serial_dates_and_grouped_numbers():
    frame = values_to_frame(
        [
            [],
            [" Day ", "SHOW id", "Episode ID", "Source", "Downloads"],
            [46335, "s", "e", "x", "1,480"],
            [],
            ["11/10/2026", "s", "", "x"],
            ["46337", "s", "", "x", 7.0],
        ],
        "gsheet:t/x",
        defaults={"tenant_id": "t1"},
    )
    assert list(frame.index) == [1, 3, 4]
    assert list(frame["day"]) == ["2026-11-09", "2026-11-10", "2026-11-11"]
    assert list(frame["downloads"]) == ["1480", "", "7"] and set(frame["tenant_id"]) == {"t1"}
    assert serial_to_iso(0) is None and serial_to_iso(True) is None


def test_sheet_loads_through_schema_and_quarantine_then_unchanged_sheet_loads_nothing(reference, postgres):
    conn = reference
    google = demo_google()
    first = run(postgres, resource(google, DEMO))
    assert first.success
    m = meta(first)
    assert (m["sheets_imported"], m["rows_loaded"], m["rows_quarantined"]) == (1, 15, 1)
    row = conn.execute(
        "SELECT source_kind, source_uri, status, rows_read, tenant_id FROM etl_imports WHERE source_kind = 'sheet'"
    ).fetchone()
    assert row == ("sheet", "gsheet:1nW-demo-manual-tracking/Q4 2026", "completed", 16, "northwind-audio")
    assert conn.execute(
        "SELECT row_number, column_name FROM quarantined_rows WHERE source_uri = %s", (source_uri(DEMO),)
    ).fetchall() == [(17, "downloads")]
    show_level = conn.execute(
        "SELECT downloads FROM listener_metrics WHERE source = 'youtube_music' AND episode_id IS NULL"
    ).fetchall()
    assert show_level == [(2410,)]
    assert (
        conn.execute(
            "SELECT count(*) FROM events WHERE event_type = 'etl.import_completed' AND payload->>'source_uri' = %s",
            (source_uri(DEMO),),
        ).fetchone()[0]
        == 1
    )
    second = run(postgres, resource(google, DEMO))
    assert meta(second)["sheets_skipped"] == 1 and meta(second)["rows_changed"] == 0
    assert conn.execute("SELECT count(*) FROM etl_imports WHERE source_kind = 'sheet'").fetchone()[0] == 1


def test_no_sheets_configured_succeeds_and_says_so(postgres):
    result = run(postgres, GoogleSheetsResource())
    assert result.success and meta(result)["sheets_configured"] == 0
    assert "no worksheets configured" in meta(result)["note"]


def test_missing_credentials_name_the_variable(postgres, monkeypatch):
    monkeypatch.delenv("GOOGLE_SHEETS_CREDENTIALS", raising=False)
    with pytest.raises(SheetsCredentialsError, match="GOOGLE_SHEETS_CREDENTIALS"):
        GoogleSheetsResource(worksheets=[DEMO]).get_client()
    result = run(postgres, GoogleSheetsResource(worksheets=[DEMO]))
    assert not result.success
    failure = result.failure_data_for_node("sheet_metrics")
    assert "GOOGLE_SHEETS_CREDENTIALS" in failure.error.message


def test_broken_key_is_reported_without_key_material(monkeypatch, tmp_path):
    secret = "-----BEGIN PRIVATE KEY-----\nMIIsecretsecret\n-----END PRIVATE KEY-----\n"
    monkeypatch.setenv("GOOGLE_SHEETS_CREDENTIALS", json.dumps({"type": "service_account", "private_key": secret}))
    with pytest.raises(SheetsCredentialsError) as err:
        GoogleSheetsResource(worksheets=[DEMO]).get_client()
    assert "GOOGLE_SHEETS_CREDENTIALS" in str(err.value) and "secret" not in str(err.value)
    monkeypatch.setenv("GOOGLE_SHEETS_CREDENTIALS", str(tmp_path / "missing.json"))
    with pytest.raises(SheetsCredentialsError, match="not a file"):
        GoogleSheetsResource(worksheets=[DEMO]).get_client()


def _tick(sheets, cursor=None):
    context = dg.build_sensor_context(
        cursor=cursor, instance=dg.DagsterInstance.ephemeral(), resources={"sheets": sheets}
    )
    result = sheets_sensor(context)
    return result, context.cursor


def test_sheets_sensor_requests_a_run_when_modified_time_changes_and_keeps_cursor_on_5xx_and_timeout():
    google = demo_google()
    sheets = resource(google, DEMO)
    result, cursor = _tick(sheets)
    assert [r.run_key for r in result] == ["sheet:1nW-demo-manual-tracking:2026-11-15T08:00:00.000Z"]
    assert json.loads(cursor) == {DEMO.spreadsheet_id: "2026-11-15T08:00:00.000Z"}
    result, same = _tick(sheets, cursor)
    assert isinstance(result, dg.SkipReason) and same == cursor
    google.spreadsheets[DEMO.spreadsheet_id].modified_time = "2026-11-16T10:00:00.000Z"
    for failure in (503, "timeout"):
        google.fail_next = [failure]
        result, kept = _tick(sheets, cursor)
        assert isinstance(result, dg.SkipReason) and "transient" in result.skip_message
        assert kept == cursor
    result, moved = _tick(sheets, cursor)
    assert [r.run_key for r in result] == ["sheet:1nW-demo-manual-tracking:2026-11-16T10:00:00.000Z"]
    assert json.loads(moved)[DEMO.spreadsheet_id] == "2026-11-16T10:00:00.000Z"
