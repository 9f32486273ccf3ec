"""Owns ``sponsor-pipeline demo``: migrate, load the samples, materialize the graph, print a report."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

import click
import dagster as dg

from sponsor_pipeline.db import migrate as migrations
from sponsor_pipeline.db import server
from sponsor_pipeline.definitions import ALL_ASSETS_JOB, build_definitions
from sponsor_pipeline.instance import prepare_dagster_home
from sponsor_pipeline.resources import PostgresResource

TOP_SHOWS = """
WITH last AS (SELECT tenant_id, max(day) AS last_day FROM metrics_daily GROUP BY tenant_id)
SELECT m.tenant_id, s.title, sum(m.downloads) AS downloads
FROM metrics_daily m JOIN last l USING (tenant_id) JOIN shows s USING (tenant_id, show_id)
WHERE m.day > l.last_day - 30
GROUP BY m.tenant_id, s.title ORDER BY downloads DESC LIMIT 5
"""

QUARANTINED = """
SELECT i.source_uri, q.row_number, q.column_name, q.reason
FROM quarantined_rows q JOIN etl_imports i USING (import_id)
WHERE i.started_at >= %s ORDER BY i.source_uri, q.row_number
"""


def _heading(text: str) -> None:
    click.secho(f"\n== {text}", bold=True)


def run_demo() -> int:
    """Run the demo end to end; returns the process exit code (0 when the run succeeded)."""
    started = time.perf_counter()
    url = server.warehouse_url()
    _heading("warehouse")
    click.echo(f"PostgreSQL: {url.render_as_string(hide_password=True)}")
    applied = migrations.migrate(url)
    migrations.verify_or_raise(url)
    click.echo(f"migrations applied: {', '.join(applied) or 'none (up to date)'}; verify: ok")

    prepare_dagster_home(url)
    instance = dg.DagsterInstance.get()
    defs = build_definitions()
    since = datetime.now(timezone.utc)
    _heading(f"materializing the whole graph ({ALL_ASSETS_JOB})")
    result = defs.resolve_job_def(ALL_ASSETS_JOB).execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
    )

    new_rows = 0
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        meta = {k: getattr(v, "value", v) for k, v in mat.metadata.items()}
        key = mat.asset_key.to_user_string()
        if "rows_loaded" in meta:
            changed = meta.get("rows_changed", 0) or 0
            new_rows += changed
            status = meta.get("status") or (
                f"{meta.get('files_imported', 0)} imported, {meta.get('files_skipped', 0)} unchanged"
            )
            click.echo(
                f"  {key:<18} {status:<28} loaded {meta['rows_loaded']:>6}  new/changed {changed:>6}  "
                f"quarantined {meta.get('rows_quarantined', 0):>3}  (table: {meta.get('table_rows')} rows)"
            )
        elif key == "metrics_daily":
            click.echo(f"  {key:<18} refreshed CONCURRENTLY in {meta['refresh_seconds']}s: {meta['rows']} rows")
        else:
            click.echo(f"  {key:<18} materialized")
    for check in result.get_asset_check_evaluations():
        click.echo(f"  check {check.check_name}: {'passed' if check.passed else 'FAILED'}")

    postgres = PostgresResource(database_url=url.render_as_string(hide_password=False))
    with postgres.connect() as conn:
        rejects = conn.execute(QUARANTINED, (since,)).fetchall()
        top = conn.execute(TOP_SHOWS).fetchall()
    _heading("quarantined rows (this run)")
    if not rejects:
        click.echo("  none: every source was already imported or clean")
    for uri, row, column, reason in rejects:
        click.echo(f"  {Path(uri).name} row {row} [{column}]: {reason}")

    _heading("top shows by downloads, last 30 days of data")
    for tenant, title, downloads in top:
        click.echo(f"  {tenant:<16} {title:<40} {downloads:>10,}")

    if ran_dashboards_or_documents(result):
        print_dashboard_headlines(postgres, result)

    _heading("summary")
    if new_rows == 0:
        click.echo("nothing new loaded: every source was already imported (checksums unchanged)")
    else:
        click.echo(f"{new_rows} rows inserted or changed")
    click.echo(f"run {result.run_id} {'succeeded' if result.success else 'FAILED'} "
               f"in {time.perf_counter() - started:.1f}s")
    click.echo("next: `make dev` opens the Dagster UI at http://127.0.0.1:3000 with this run and the graph")
    return 0 if result.success else 1


# --- dashboards and IO documents: headlines and where the plots and PDFs went ----------------------

TOP_SHOW_30D = """
SELECT tenant_id, show_title, downloads_30d, trend_30d_pct, as_of
FROM creator_dashboard WHERE episode_id IS NULL ORDER BY downloads_30d DESC, show_title LIMIT 1
"""

MOST_UNDER_PACED_IO = """
SELECT tenant_id, io_id, campaign_name, pacing_ratio, delivered_impressions, booked_impressions, flight_end
FROM advertiser_dashboard WHERE io_id IS NOT NULL AND status = 'live' AND pacing_ratio IS NOT NULL
ORDER BY pacing_ratio, io_id LIMIT 1
"""

OPS_ALERT_COUNTS = """
SELECT alert_type, count(*), count(*) FILTER (WHERE severity = 'critical')
FROM ops_alerts GROUP BY alert_type ORDER BY alert_type
"""

_OUTPUT_KEYS = {"downloads_trend_png": "downloads trend plot", "pacing_png": "pacing plot",
                "output_dir": "IO documents (PDF)"}


def _materialized_metadata(result) -> dict[str, dict]:
    out = {}
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        out[mat.asset_key.to_user_string()] = {k: getattr(v, "value", v) for k, v in mat.metadata.items()}
    return out


def ran_dashboards_or_documents(result) -> bool:
    """True when the run materialized a dashboard or the IO documents."""
    return bool({"creator_dashboard", "advertiser_dashboard", "ops_dashboard", "io_documents"}
                & set(_materialized_metadata(result)))


def print_dashboard_headlines(postgres: PostgresResource, result) -> None:
    """One headline per dashboard (top show, most under-paced live IO, ops alerts) and output paths."""
    meta = _materialized_metadata(result)
    _heading("dashboards")
    with postgres.connect() as conn:
        if "creator_dashboard" in meta:
            row = conn.execute(TOP_SHOW_30D).fetchone()
            if row:
                tenant, title, downloads, trend, as_of = row
                trend_text = f", {float(trend):+.1f}% vs the 30 days before" if trend is not None else ""
                click.echo(f"  creator     top show: {title} ({tenant}) {downloads:,} downloads "
                           f"in the 30 days to {as_of}{trend_text}")
        if "advertiser_dashboard" in meta:
            row = conn.execute(MOST_UNDER_PACED_IO).fetchone()
            if row:
                tenant, io_id, campaign, pacing, delivered, booked, end = row
                click.echo(f"  advertiser  most under-paced live IO: {io_id} ({tenant}, {campaign}) pacing "
                           f"{float(pacing):.2f}, {delivered:,} of {booked:,} delivered, flight ends {end}")
            else:
                click.echo("  advertiser  no live IO measured yet (io_delivery has no rows)")
        if "ops_dashboard" in meta:
            counts = conn.execute(OPS_ALERT_COUNTS).fetchall()
            total = sum(n for _, n, _ in counts)
            critical = sum(c for _, _, c in counts)
            parts = ", ".join(f"{t} {n}" for t, n, _ in counts) or "none"
            click.echo(f"  ops         {total} alerts ({critical} critical): {parts}")
    if "io_documents" in meta:
        docs = meta["io_documents"]
        click.echo(f"  documents   {docs['documents']} IO PDFs: {docs['rendered']} rendered, "
                   f"{docs['unchanged']} unchanged, {docs['removed']} removed")
    _heading("where to look")
    for asset, values in sorted(meta.items()):
        for key, label in _OUTPUT_KEYS.items():
            if key in values:
                click.echo(f"  {label:<22} {values[key]}")
