"""Owns the ``platform_exports`` asset: Spotify, Apple, host and Anchor payloads per tenant folder."""

from pathlib import Path

import dagster as dg

from sponsor_pipeline import exports, identity
from sponsor_pipeline.defs import table_metadata
from sponsor_pipeline.defs.ingestion import report
from sponsor_pipeline.defs.ingestion.isolation import FailedSource, sources_check_result, sources_check_spec
from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.resources.settings import PipelineSettings
from sponsor_pipeline.schemas import LISTENER_METRICS_EXPORT
from sponsor_pipeline.warehouse import imports, window_exports
from sponsor_pipeline.warehouse import platform_exports as payloads


class PlatformExportsConfig(dg.Config):
    exports_dir: str | None = None  # default: the settings resource's exports folder (SPONSOR_EXPORTS_DIR)
    files: list[str] | None = None  # only these payload files (the landing sensor sets it)
    retry_failed: bool = False  # read again payloads whose same bytes failed on their content before


@dg.asset(
    name="platform_exports",
    group_name="ingestion",
    owners=["team:data-platform"],
    kinds={"postgres", "json", "pandera"},
    deps=["episodes", "shows"],
    metadata=table_metadata.table_spec_metadata("listener_metrics"),
    check_specs=[sources_check_spec("platform_exports")],
    description=(
        "Platform dashboard exports (Spotify for Podcasters, Apple Podcasts Connect, the host, Anchor) "
        "and bare OP3 API responses (downloads, show download counts, top apps, episode download "
        "counts; JSON or TSV, detected by shape) per tenant folder: daily plays/listeners into "
        "listener_metrics (show-level series with episode_id NULL), listener shares by country, age "
        "band × gender, age band and gender into audience_profiles, daily follower counts and "
        "audience sizes into show_audience_size, "
        "per-episode downloads since release (hosting window exports: Podlove Publisher's CSV, "
        "3/7/30-day/all-time TSV or CSV under windows/<provider>/<show>/) into episode_download_windows. "
        "Each payload is one etl_imports row (source_kind export), validated and quarantined like a CSV. A payload that fails (e.g. an unsupported endpoint) is "
        "recorded once per checksum and fails the platform_exports_sources_loaded check; the others load."
    ),
)
def platform_exports(
    context: dg.AssetExecutionContext,
    config: PlatformExportsConfig,
    postgres: PostgresResource,
    settings: PipelineSettings,
) -> dg.MaterializeResult:
    """Load each tenant folder's reference rows, then every payload; a failed payload fails the sources
    check, not the step."""
    root = settings.exports(config.exports_dir)
    only = {str(Path(f).resolve()) for f in config.files} if config.files else None
    lines = [
        "| file | format | target | status | read | loaded | quarantined | dropped | reasons |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    failures: list[FailedSource] = []
    totals = {
        "payloads": 0,
        "listener_metrics_rows": 0,
        "audience_rows": 0,
        "audience_size_rows": 0,
        "window_rows": 0,
        "rows_read": 0,
        "rows_quarantined": 0,
        "rows_dropped": 0,
        "rows_changed": 0,
    }
    with postgres.connect() as conn:
        for folder in payloads.tenant_folders(root):
            files = [p for p in payloads.payload_files(folder) if only is None or str(p.resolve()) in only]
            windows = [w for w in window_exports.window_files(folder) if only is None or str(w[2].resolve()) in only]
            # bare OP3 episode-download-counts responses dropped beside the payloads are window exports
            for path in list(files):
                show_key = payloads.op3_window_show(path)
                if show_key is not None:
                    files.remove(path)
                    windows.append(("op3", show_key, path))
            if not files and not windows:
                continue
            tenant = folder.name
            payloads.load_reference(conn, folder)
            try:
                payloads.load_episode_map(conn, folder)  # hand-made pairs first; platform_identity_map reports them
            except identity.EpisodeMapError as err:
                conn.rollback()
                context.log.warning(str(err))
            shows = exports.read_platform_shows(folder / payloads.PLATFORM_SHOWS)
            for path in files:
                totals["payloads"] += 1
                try:
                    result, parsed = payloads.import_payload(
                        conn, path, tenant, shows, retry_failed=config.retry_failed
                    )
                except imports.ImportFailed as err:
                    (context.log.warning if err.recorded_before else context.log.error)(str(err))
                    failures.append(FailedSource.from_import(err))
                    status = "failed before" if err.recorded_before else "failed"
                    lines.append(f"| {report.md_cell(f'{tenant}/{path.name}')} | | | {status} | | | | | |")
                    continue
                target = parsed.target if parsed else ""
                if target == "audience_profiles":
                    totals["audience_rows"] += result.rows_loaded
                elif target == "show_audience_size":
                    totals["audience_size_rows"] += result.rows_loaded
                else:
                    totals["listener_metrics_rows"] += result.rows_loaded
                totals["rows_read"] += result.rows_read
                totals["rows_quarantined"] += result.rows_quarantined
                totals["rows_dropped"] += result.rows_dropped
                totals["rows_changed"] += result.rows_changed
                lines.append(
                    f"| {report.md_cell(f'{tenant}/{path.name}')} | {parsed.format if parsed else ''} | {target} | "
                    f"{result.status} | {result.rows_read} | {result.rows_loaded} | {result.rows_quarantined} | "
                    f"{result.rows_dropped} | {report.md_cell(report.reasons_text(result))} |"
                )
            for provider, show_key, path in windows:
                totals["payloads"] += 1
                name = report.md_cell(f"{tenant}/{path.relative_to(folder)}")
                try:
                    result, window = window_exports.import_window_file(
                        conn, path, tenant, provider, show_key, shows, retry_failed=config.retry_failed
                    )
                except imports.ImportFailed as err:
                    (context.log.warning if err.recorded_before else context.log.error)(str(err))
                    failures.append(FailedSource.from_import(err))
                    status = "failed before" if err.recorded_before else "failed"
                    lines.append(f"| {name} | | | {status} | | | | | |")
                    continue
                totals["window_rows"] += result.rows_loaded
                totals["rows_read"] += result.rows_read
                totals["rows_quarantined"] += result.rows_quarantined
                totals["rows_dropped"] += result.rows_dropped
                totals["rows_changed"] += result.rows_changed
                layout = f"{window.layout} ({window.encoding}, {window.delimiter!r})" if window else ""
                lines.append(
                    f"| {name} | {report.md_cell(layout)} | episode_download_windows | {result.status} | "
                    f"{result.rows_read} | {result.rows_loaded} | {result.rows_quarantined} | "
                    f"{result.rows_dropped} | {report.md_cell(report.reasons_text(result))} |"
                )
        metrics_rows = imports.table_rows(conn, "listener_metrics")
        audience_rows = imports.table_rows(conn, "audience_profiles")
        catalogue = table_metadata.materialization_metadata(
            conn,
            "listener_metrics",
            also=["audience_profiles", "show_audience_size", "episode_download_windows"],
            validated_by=LISTENER_METRICS_EXPORT,
        )
    metadata = {
        "status": f"{totals['payloads']} payload(s) seen",
        "exports_dir": str(root),
        **totals,
        "rows_loaded": totals["listener_metrics_rows"]
        + totals["audience_rows"]
        + totals["audience_size_rows"]
        + totals["window_rows"],
        "table_rows": dg.MetadataValue.int(metrics_rows),
        "payloads_failed": len(failures),
        "failed_payloads": dg.MetadataValue.json([f.name for f in failures]),
        "listener_metrics_table_rows": dg.MetadataValue.int(metrics_rows),
        "audience_profiles_table_rows": dg.MetadataValue.int(audience_rows),
        "imports": dg.MetadataValue.md("\n".join(lines)),
        **catalogue,
    }
    return dg.MaterializeResult(
        metadata=metadata, check_results=[sources_check_result("platform_exports", failures, totals["payloads"])]
    )
