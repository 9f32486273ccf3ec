"""Owns the ``sheet_metrics`` asset and the ``sheets_sensor``: listener metrics kept in Google Sheets."""

import json

import dagster as dg
import requests

from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.resources.sheets import GoogleSheetsResource, SheetsCredentialsError, WorksheetSpec
from sponsor_pipeline.sheet_values import values_checksum, values_to_frame
from sponsor_pipeline.validation import InputShapeError
from sponsor_pipeline.warehouse import imports
from sponsor_pipeline.warehouse.targets import LISTENER_METRICS


def source_uri(spec: WorksheetSpec) -> str:
    """``etl_imports.source_uri`` of a worksheet: ``gsheet:<spreadsheet id>/<worksheet title>``."""
    return f"gsheet:{spec.spreadsheet_id}/{spec.worksheet}"


def import_worksheet(conn, sheets: GoogleSheetsResource, spec: WorksheetSpec) -> imports.ImportResult:
    """Read one worksheet through gspread and import it like a CSV (source_kind ``sheet``).

    The checksum covers spreadsheet id, title and values, so an unchanged sheet is skipped.

    Raises:
        imports.ImportFailed: the values do not have the listener_metrics shape (recorded as failed).
        SheetsCredentialsError, gspread.exceptions.APIError, requests.RequestException: reading failed.
    """
    uri = source_uri(spec)
    _, values = sheets.read_values(spec)
    checksum = values_checksum(spec.spreadsheet_id, spec.worksheet, values)

    def chunks():
        yield values_to_frame(values, uri, defaults={"tenant_id": spec.tenant_id})

    return imports.import_frames(conn, chunks, LISTENER_METRICS, source_kind="sheet", source_uri=uri,
                                 checksum=checksum, tenant_id=spec.tenant_id)


@dg.asset(
    name="sheet_metrics",
    group_name="ingestion",
    owners=["team:data-platform"],
    kinds={"postgres", "googlesheets", "pandera"},
    deps=["episodes", "shows"],
    description=(
        "Listener metrics kept by hand in Google Sheets worksheets (configured on the `sheets` "
        "resource / SPONSOR_SHEETS), read through gspread with unformatted values, validated with "
        "the listener_metrics pandera schema and upserted into listener_metrics; invalid rows are "
        "quarantined with the sheet row number. An unchanged worksheet loads nothing."
    ),
)
def sheet_metrics(
    context: dg.AssetExecutionContext, postgres: PostgresResource, sheets: GoogleSheetsResource
) -> dg.MaterializeResult:
    """Import each configured worksheet; fails after the others when one failed."""
    if not sheets.worksheets:
        return dg.MaterializeResult(metadata={
            "sheets_configured": 0,
            "note": "no worksheets configured (set SPONSOR_SHEETS or the sheets resource's worksheets); nothing read",
        })
    lines = ["| worksheet | status | read | loaded | changed | quarantined |", "|---|---|---|---|---|---|"]
    results, failures = [], []
    with postgres.connect() as conn:
        for spec in sheets.worksheets:
            try:
                result = import_worksheet(conn, sheets, spec)
            except SheetsCredentialsError as err:
                raise dg.Failure(description=str(err), allow_retries=False) from None
            except (imports.ImportFailed, InputShapeError) as err:
                failures.append(str(err))
                lines.append(f"| {source_uri(spec)} | failed | | | | |")
                context.log.error(str(err))
                continue
            except Exception as err:  # noqa: BLE001 - API/network errors: report the sheet, go on
                message = f"{source_uri(spec)}: could not read ({type(err).__name__}: {str(err)[:300]})"
                failures.append(message)
                lines.append(f"| {source_uri(spec)} | unreadable | | | | |")
                context.log.error(message)
                continue
            results.append(result)
            lines.append(f"| {source_uri(spec)} | {result.status} | {result.rows_read} | {result.rows_loaded} | "
                         f"{result.rows_changed} | {result.rows_quarantined} |")
        total = imports.table_rows(conn, "listener_metrics")
    imported = sum(r.status == "completed" for r in results)
    metadata = {
        "status": f"{imported} imported, {sum(r.status == 'skipped' for r in results)} unchanged",
        "sheets_configured": len(sheets.worksheets),
        "sheets_imported": sum(r.status == "completed" for r in results),
        "sheets_skipped": sum(r.status == "skipped" for r in results),
        "sheets_failed": len(failures),
        "rows_loaded": sum(r.rows_loaded for r in results),
        "rows_changed": sum(r.rows_changed for r in results),
        "rows_quarantined": sum(r.rows_quarantined for r in results),
        "table_rows": dg.MetadataValue.int(total),
        "imports": dg.MetadataValue.md("\n".join(lines)),
    }
    if failures:
        raise dg.Failure(description="; ".join(failures), metadata=metadata, allow_retries=False)
    return dg.MaterializeResult(metadata=metadata)


def _transient(err: BaseException) -> bool:
    """5xx answers, timeouts and dropped connections: try again next tick with the same cursor."""
    import gspread

    if isinstance(err, (requests.Timeout, requests.ConnectionError)):
        return True
    return isinstance(err, gspread.exceptions.APIError) and getattr(err, "code", 0) >= 500


@dg.sensor(
    name="sheets_sensor",
    asset_selection=["sheet_metrics"],
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Polls each configured spreadsheet's Drive modifiedTime; a change requests a sheet_metrics run.",
)
def sheets_sensor(context: dg.SensorEvaluationContext, sheets: GoogleSheetsResource):
    """Cursor: JSON ``{spreadsheet_id: modifiedTime}``. A sheet whose poll fails keeps its old entry."""
    cursor = json.loads(context.cursor) if context.cursor else {}
    if not sheets.worksheets:
        return dg.SkipReason("no worksheets configured")
    if not sheets.has_credentials():
        return dg.SkipReason("no Google credentials configured; set GOOGLE_SHEETS_CREDENTIALS")
    requests_out, problems = [], []
    for spreadsheet_id in sorted({w.spreadsheet_id for w in sheets.worksheets}):
        try:
            modified = sheets.modified_time(spreadsheet_id)
        except SheetsCredentialsError as err:
            return dg.SkipReason(str(err))
        except Exception as err:  # noqa: BLE001
            kind = "transient" if _transient(err) else "error"
            problems.append(f"{spreadsheet_id}: {kind} {type(err).__name__}")
            context.log.warning(f"sheets_sensor: {spreadsheet_id} not polled ({kind}: {str(err)[:200]}); cursor kept")
            continue
        if cursor.get(spreadsheet_id) != modified:
            requests_out.append(dg.RunRequest(run_key=f"sheet:{spreadsheet_id}:{modified}",
                                              tags={"sponsor/spreadsheet_id": spreadsheet_id}))
            cursor[spreadsheet_id] = modified
    context.update_cursor(json.dumps(cursor, sort_keys=True))
    if requests_out:
        return requests_out
    return dg.SkipReason("; ".join(problems) if problems else "no spreadsheet changed")
