"""Owns the ``sheet_metrics`` asset: listener metrics kept in Google Sheets (its sensor is in ``sensors.py``)."""

import dagster as dg

from sponsor_pipeline.defs.ingestion import report
from sponsor_pipeline.defs.ingestion.isolation import FailedSource, sources_check_result, sources_check_spec
from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.resources.sheets import GoogleSheetsResource, SheetsCredentialsError, WorksheetSpec
from sponsor_pipeline.sheet_values import values_checksum, values_to_frame
from sponsor_pipeline.validation import InputShapeError
from sponsor_pipeline.warehouse import imports
from sponsor_pipeline.warehouse.targets import LISTENER_METRICS


def source_uri(spec: WorksheetSpec) -> str:
    """``etl_imports.source_uri`` of a worksheet: ``gsheet:<spreadsheet id>/<worksheet title>``."""
    return f"gsheet:{spec.spreadsheet_id}/{spec.worksheet}"


class SheetMetricsConfig(dg.Config):
    retry_failed: bool = False  # read again worksheets whose same values failed on their content before


def import_worksheet(
    conn, sheets: GoogleSheetsResource, spec: WorksheetSpec, *, retry_failed: bool = False
) -> imports.ImportResult:
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
        conn,
        chunks,
        LISTENER_METRICS,
        source_kind="sheet",
        source_uri=uri,
        checksum=checksum,
        tenant_id=spec.tenant_id,
        retry_failed=retry_failed,
    )


@dg.asset(
    name="sheet_metrics",
    group_name="ingestion",
    owners=["team:data-platform"],
    kinds={"postgres", "googlesheets", "pandera"},
    deps=["episodes", "shows"],
    check_specs=[sources_check_spec("sheet_metrics")],
    description=(
        "Listener metrics kept by hand in Google Sheets worksheets (configured on the `sheets` "
        "resource / SPONSOR_SHEETS), read through gspread with unformatted values, validated with "
        "the listener_metrics pandera schema and upserted into listener_metrics; invalid rows, and rows "
        "naming a tenant other than the worksheet's, are quarantined with the sheet row number. An "
        "unchanged worksheet loads nothing. A worksheet that fails, or Google unreachable, fails the "
        "sheet_metrics_sources_loaded check, not the step."
    ),
)
def sheet_metrics(
    context: dg.AssetExecutionContext,
    config: SheetMetricsConfig,
    postgres: PostgresResource,
    sheets: GoogleSheetsResource,
) -> dg.MaterializeResult:
    """Import each configured worksheet; a failed or unreachable worksheet fails the sources check,
    not the step (missing or broken credentials are a configuration error and fail the step)."""
    if not sheets.worksheets:
        return dg.MaterializeResult(
            metadata={
                "sheets_configured": 0,
                "note": "no worksheets configured (set SPONSOR_SHEETS or the sheets resource's worksheets); nothing read",
            },
            check_results=[sources_check_result("sheet_metrics", [], 0)],
        )
    lines: list[str] = []
    results: list[imports.ImportResult] = []
    failures: list[FailedSource] = []
    with postgres.connect() as conn:
        for spec in sheets.worksheets:
            try:
                result = import_worksheet(conn, sheets, spec, retry_failed=config.retry_failed)
            except SheetsCredentialsError as err:
                raise dg.Failure(description=str(err), allow_retries=False) from None
            except imports.ImportFailed as err:
                failures.append(FailedSource.from_import(err))
                lines.append(report.failed_row(source_uri(spec), "failed before" if err.recorded_before else "failed"))
                (context.log.warning if err.recorded_before else context.log.error)(str(err))
                continue
            except InputShapeError as err:
                failures.append(FailedSource(source_uri(spec), str(err)))
                lines.append(report.failed_row(source_uri(spec)))
                context.log.error(str(err))
                continue
            except Exception as err:  # noqa: BLE001 - API/network errors: report the sheet, go on
                message = f"could not read ({type(err).__name__}: {str(err)[:300]})"
                failures.append(FailedSource(source_uri(spec), message))
                message = f"{source_uri(spec)}: {message}"
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
        "failed_sheets": dg.MetadataValue.json([f.name for f in failures]),
        "rows_loaded": sum(r.rows_loaded for r in results),
        "rows_changed": sum(r.rows_changed for r in results),
        "rows_quarantined": sum(r.rows_quarantined for r in results),
        "rows_dropped": sum(r.rows_dropped for r in results),
        "table_rows": dg.MetadataValue.int(total),
        "imports": dg.MetadataValue.md(report.table("worksheet", lines)),
    }
    return dg.MaterializeResult(
        metadata=metadata, check_results=[sources_check_result("sheet_metrics", failures, len(sheets.worksheets))]
    )
