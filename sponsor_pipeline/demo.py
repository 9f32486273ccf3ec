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

    if flags_matchmaking():
        print_top_matches(postgres)

    _heading("summary")
    if new_rows == 0:
        click.echo("nothing new loaded: every source was already imported (checksums unchanged)")
    else:
        click.echo(f"{new_rows} rows inserted or changed")
    click.echo(f"run {result.run_id} {'succeeded' if result.success else 'FAILED'} "
               f"in {time.perf_counter() - started:.1f}s")
    click.echo("next: `make dev` opens the Dagster UI at http://127.0.0.1:3000 with this run and the graph")
    return 0 if result.success else 1


# --- matchmaking ---------------------------------------------------------------------------------

def flags_matchmaking() -> bool:
    from sponsor_pipeline.settings import Flags

    return Flags.from_env().matchmaking


def print_top_matches(postgres: PostgresResource, top: int = 3) -> None:
    """The ``top`` shows per open sample campaign, with score and rationale (from ``matches``)."""
    from sponsor_pipeline.warehouse.matches import top_matches

    with postgres.connect() as conn:
        rows = top_matches(conn, top)
    _heading(f"match scores: top {top} shows per open campaign")
    if not rows:
        click.echo("  no matches: no open campaigns, or match_scores did not run")
    current = None
    for tenant, campaign_id, name, stage, title, score, rationale in rows:
        if (tenant, campaign_id) != current:
            current = (tenant, campaign_id)
            click.echo(f"  {tenant} {campaign_id} {name} [{stage}]")
        click.echo(f"    {title:<20} {rationale}")
