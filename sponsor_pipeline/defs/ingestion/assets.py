"""Owns the ``listener_metrics`` asset: every metrics CSV in the landing folder, validated and upserted."""

from pathlib import Path

import dagster as dg
from dagster_pandera import pandera_schema_to_dagster_type

from sponsor_pipeline.defs.ingestion import report
from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.resources.settings import PipelineSettings
from sponsor_pipeline.schemas import LISTENER_METRICS as LISTENER_METRICS_SCHEMA
from sponsor_pipeline.warehouse import imports
from sponsor_pipeline.warehouse.targets import LISTENER_METRICS


class MetricsCsvConfig(dg.Config):
    landing_dir: str | None = None  # default: the settings resource's landing folder (SPONSOR_LANDING_DIR)
    pattern: str = "*metrics*.csv"  # glob of metrics files inside the landing folder (may not leave it)
    chunk_rows: int = imports.DEFAULT_CHUNK_ROWS


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
    description=(
        "Daily listener metrics per (tenant, day, show, episode, source): downloads, unique "
        "listeners, seconds listened. Each CSV in the landing folder is validated with the "
        "listener_metrics pandera schema and upserted; invalid rows go to quarantined_rows with "
        "file, row number, column and reason; each file is one etl_imports row (skipped when its "
        "checksum was already imported)."
    ),
)
def listener_metrics(
    context: dg.AssetExecutionContext,
    config: MetricsCsvConfig,
    postgres: PostgresResource,
    settings: PipelineSettings,
) -> dg.MaterializeResult:
    """Import every file matching ``config.pattern``; fails after the others when any file failed."""
    folder = settings.landing(config.landing_dir)
    try:
        files = list(imports.iter_files(folder, config.pattern))
    except ValueError as err:
        raise dg.Failure(description=str(err), allow_retries=False) from None
    results, failures = [], []
    with postgres.connect() as conn:
        for path in files:
            try:
                result = imports.import_csv(conn, path, LISTENER_METRICS, chunk_rows=config.chunk_rows)
            except imports.ImportFailed as err:
                context.log.error(str(err))
                failures.append(err)
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
        + [report.failed_row(Path(f.source_uri).name) for f in failures],
    )
    metadata = {
        "landing_dir": str(folder),
        "files": len(files),
        "files_imported": sum(r.status == "completed" for r in results),
        "files_skipped": sum(r.status == "skipped" for r in results),
        "files_failed": len(failures),
        "rows_loaded": sum(r.rows_loaded for r in results),
        "rows_changed": sum(r.rows_changed for r in results),
        "rows_quarantined": sum(r.rows_quarantined for r in results),
        "rows_dropped": sum(r.rows_dropped for r in results),
        "rows_read": sum(r.rows_read for r in results),
        "table_rows": dg.MetadataValue.int(total_rows),
        "imports": dg.MetadataValue.md(table),
    }
    if failures:
        raise dg.Failure(description="; ".join(str(f) for f in failures), metadata=metadata, allow_retries=False)
    return dg.MaterializeResult(metadata=metadata)
