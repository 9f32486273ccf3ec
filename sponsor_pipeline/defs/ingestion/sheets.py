"""Owns the ``sheet_metrics`` asset: listener metrics kept in Google Sheets (its sensor is in ``sensors.py``)."""

import dagster as dg

from sponsor_pipeline.defs.ingestion import report
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

    return imports.import_frames(
        conn, chunks, LISTENER_METRICS, source_kind="sheet", source_uri=uri, checksum=checksum, tenant_id=spec.tenant_id
    )


@dg.asset(
    name="sheet_metrics",
    group_name="ingestion",
    owners=["team:data-platform"],
    kinds={"postgres", "googlesheets", "pandera"},
    deps=["episodes", "shows"],
    description=(
        "Listener metrics kept by hand in Google Sheets worksheets (configured on the `sheets` "
        "resource / SPONSOR_SHEETS), read through gspread with unformatted values, validated with "
        "the listener_metrics pandera schema and upserted into listener_metrics; invalid rows, and rows "
        "naming a tenant other than the worksheet's, are quarantined with the sheet row number. An "
        "unchanged worksheet loads nothing."
    ),
)
def sheet_metrics(
    context: dg.AssetExecutionContext, postgres: PostgresResource, sheets: GoogleSheetsResource
) -> dg.MaterializeResult:
    """Import each configured worksheet; fails after the others when one failed."""
    if not sheets.worksheets:
        return dg.MaterializeResult(
            metadata={
                "sheets_configured": 0,
                "note": "no worksheets configured (set SPONSOR_SHEETS or the sheets resource's worksheets); nothing read",
            }
        )
    lines: list[str] = []
    results, failures = [], []
    with postgres.connect() as conn:
        for spec in sheets.worksheets:
            try:
                result = import_worksheet(conn, sheets, spec)
            except SheetsCredentialsError as err:
                raise dg.Failure(description=str(err), allow_retries=False) from None
            except (imports.ImportFailed, InputShapeError) as err:
                failures.append(str(err))
                lines.append(report.failed_row(source_uri(spec)))
                context.log.error(str(err))
                continue
            except Exception as err:  # noqa: BLE001 - API/network errors: report the sheet, go on
                message = f"{source_uri(spec)}: could not read ({type(err).__name__}: {str(err)[:300]})"
                failures.append(message)
                lines.append(report.failed_row(source_uri(spec), "unreadable"))
                context.log.error(message)
                continue
            results.append(result)
            lines.append(report.result_row(source_uri(spec), result))
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
        "rows_dropped": sum(r.rows_dropped for r in results),
        "table_rows": dg.MetadataValue.int(total),
        "imports": dg.MetadataValue.md(report.table("worksheet", lines)),
    }
    if failures:
        raise dg.Failure(description="; ".join(failures), metadata=metadata, allow_retries=False)
    return dg.MaterializeResult(metadata=metadata)
