"""Owns the ``listener_metrics`` asset: every metrics CSV in the landing folder, validated and upserted."""

from pathlib import Path

import dagster as dg
from dagster_pandera import pandera_schema_to_dagster_type

from sponsor_pipeline.defs.ingestion import report
from sponsor_pipeline.defs.ingestion.isolation import FailedSource, sources_check_result, sources_check_spec
from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.resources.settings import PipelineSettings
from sponsor_pipeline.schemas import LISTENER_METRICS as LISTENER_METRICS_SCHEMA
from sponsor_pipeline.warehouse import imports
from sponsor_pipeline.warehouse.targets import LISTENER_METRICS


class MetricsCsvConfig(dg.Config):
    landing_dir: str | None = None  # default: the settings resource's landing folder (SPONSOR_LANDING_DIR)
    pattern: str = "*metrics*.csv"  # glob of metrics files inside the landing folder (may not leave it)
    chunk_rows: int = imports.DEFAULT_CHUNK_ROWS
    retry_failed: bool = False  # read again files whose same bytes failed on their content before


@dg.asset(
    name="listener_metrics",
    group_name="ingestion",
    owners=["team:data-platform"],
    kinds={"postgres", "csv", "pandera"},
    # Column schema shown in the catalogue, derived from the pandera schema by dagster-pandera.
    metadata={
        "dagster/column_schema": pandera_schema_to_dagster_type(LISTENER_METRICS_SCHEMA).metadata["schema"].schema
    },
    deps=["episodes", "shows"],
    check_specs=[sources_check_spec("listener_metrics")],
    description=(
        "Daily listener metrics per (tenant, day, show, episode, source): downloads, unique "
        "listeners, seconds listened. Each CSV in the landing folder is validated with the "
        "listener_metrics pandera schema and upserted; invalid rows go to quarantined_rows with "
        "file, row number, column and reason; each file is one etl_imports row (skipped when its "
        "checksum was already imported). A file that fails is recorded once per checksum and fails the "
        "listener_metrics_sources_loaded check; the other files still load."
    ),
)
def listener_metrics(
    context: dg.AssetExecutionContext,
    config: MetricsCsvConfig,
    postgres: PostgresResource,
    settings: PipelineSettings,
) -> dg.MaterializeResult:
    """Import every file matching ``config.pattern``; a failed file fails the sources check, not the step."""
    folder = settings.landing(config.landing_dir)
    try:
        files = list(imports.iter_files(folder, config.pattern))
    except ValueError as err:
        raise dg.Failure(description=str(err), allow_retries=False) from None
    results: list[imports.ImportResult] = []
    failures: list[FailedSource] = []
    with postgres.connect() as conn:
        for path in files:
            try:
                result = imports.import_csv(
                    conn, path, LISTENER_METRICS, chunk_rows=config.chunk_rows, retry_failed=config.retry_failed
                )
            except imports.ImportFailed as err:
                (context.log.warning if err.recorded_before else context.log.error)(str(err))
                failures.append(FailedSource.from_import(err))
                continue
            context.log.info(
                f"{path.name}: {result.status}, {result.rows_loaded} loaded, "
                f"{result.rows_quarantined} quarantined, {result.rows_dropped} dropped"
                + (f" ({dict(result.reasons)})" if result.reasons else "")
            )
            results.append(result)
        total_rows = imports.table_rows(conn, "listener_metrics")
    table = report.table(
        "file",
        [report.result_row(Path(r.source_uri).name, r) for r in results]
        + [report.failed_row(f.name, "failed before" if f.recorded_before else "failed") for f in failures],
    )
    metadata = {
        "landing_dir": str(folder),
        "files": len(files),
        "files_imported": sum(r.status == "completed" for r in results),
        "files_skipped": sum(r.status == "skipped" for r in results),
        "files_failed": len(failures),
        "failed_files": dg.MetadataValue.json([f.name for f in failures]),
        "rows_loaded": sum(r.rows_loaded for r in results),
        "rows_changed": sum(r.rows_changed for r in results),
        "rows_quarantined": sum(r.rows_quarantined for r in results),
        "rows_dropped": sum(r.rows_dropped for r in results),
        "rows_read": sum(r.rows_read for r in results),
        "table_rows": dg.MetadataValue.int(total_rows),
        "imports": dg.MetadataValue.md(table),
    }
    return dg.MaterializeResult(
        metadata=metadata, check_results=[sources_check_result("listener_metrics", failures, len(files))]
    )
