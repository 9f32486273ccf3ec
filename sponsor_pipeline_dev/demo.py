"""Owns ``make demo`` (``python -m sponsor_pipeline_dev.demo``): migrate, load the samples, materialize
the graph, tick the sensors once and print a report."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import click
import dagster as dg

from sponsor_pipeline.db import migrate as migrations
from sponsor_pipeline.db import server
from sponsor_pipeline.definitions import ALL_ASSETS_JOB, build_definitions
from sponsor_pipeline.instance import prepare_dagster_home
from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.resources.settings import settings_from_env
from sponsor_pipeline.warehouse import change_log

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


REPORT_PATHS = "SELECT tenant_id, campaign_id, pdf_path FROM campaign_reports"


def print_campaign_attribution(postgres: PostgresResource) -> None:
    """Per campaign with responses or a report: conversions, revenue, CPA and ROAS from io_attribution,
    and the path of its campaign report (PDF) when campaign_reports generated one."""
    from sponsor_pipeline.warehouse import attribution

    with postgres.connect() as conn:
        if conn.execute("SELECT to_regclass('io_attribution') IS NULL").fetchone()[0]:
            return
        reports = {(t, c): p for t, c, p in conn.execute(REPORT_PATHS).fetchall()}
        rows = [
            r
            for r in attribution.campaign_totals(conn)
            if r["conversions"] or r["vanity_visits"] or (r["tenant_id"], r["campaign_id"]) in reports
        ]
    _heading("campaign attribution (promo codes and vanity URLs inside each IO's window) and reports")
    for r in rows:
        revenue = "–" if r["revenue"] is None else f"{r['revenue']:,.2f} {r['revenue_currency'] or r['spend_currency']}"
        cpa = "–" if r["cpa"] is None else f"{r['cpa']:,.2f} {r['spend_currency']}"
        roas = "–" if r["roas"] is None else f"{r['roas']:.2f}"
        click.echo(
            f"  {r['tenant_id']:<16} {r['campaign_id']:<11} {r['name'][:32]:<32} conversions {r['conversions']:>4}  "
            f"revenue {revenue:>13}  spend {r['spend']:>10,.2f} {r['spend_currency']}  CPA {cpa:>11}  ROAS {roas:>5}  "
            f"visits {r['vanity_visits']:>4}"
        )
        report = reports.get((r["tenant_id"], r["campaign_id"]))
        click.echo(f"  {'':<16} {'':<11} report: {report or 'not generated (campaign_reports did not run)'}")


def print_verification_flags(postgres: PostgresResource, show: int = 8) -> None:
    """Verification flags per tenant, flag and severity, and the first critical ones with their rule."""
    with postgres.connect() as conn:
        if conn.execute("SELECT to_regclass('io_verification_flags') IS NULL").fetchone()[0]:
            return
        counts = conn.execute(
            "SELECT tenant_id, flag, severity, count(*) FROM io_verification_flags GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
        ).fetchall()
        critical = conn.execute(
            "SELECT tenant_id, io_id, flag, evidence FROM io_verification_flags WHERE severity = 'critical' "
            "ORDER BY tenant_id, io_id, flag LIMIT %s",
            (show,),
        ).fetchall()
    _heading("IO verification flags (rules: sponsor_pipeline/verification.py)")
    if not counts:
        click.echo("  none")
    for tenant, flag, severity, n in counts:
        click.echo(f"  {tenant:<16} {flag:<26} {severity:<8} {n:>3} IOs")
    for tenant, io_id, flag, evidence in critical:
        figures = ", ".join(f"{k}={v}" for k, v in evidence.items() if not isinstance(v, (list, dict)))
        click.echo(f"  critical: {tenant}/{io_id} {flag}: {figures}")


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
    since = datetime.now(UTC)
    _heading(f"materializing the whole graph ({ALL_ASSETS_JOB})")
    sheets_resources, sheets_note = ingestion_demo_resources()
    result = defs.resolve_job_def(ALL_ASSETS_JOB).execute_in_process(
        instance=instance,
        raise_on_error=False,
        resources=sheets_resources,
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
            days = meta["days_refreshed"]
            click.echo(
                f"  {key:<18} {meta['mode']} refresh of {'every' if days < 0 else days} day(s) in "
                f"{meta['refresh_seconds']}s: {meta['rows']} rows"
            )
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

    print_ingestion_sources(postgres, sheets_note)

    _heading("top shows by downloads, last 30 days of data")
    for tenant, title, downloads in top:
        click.echo(f"  {tenant:<16} {title:<40} {downloads:>10,}")

    print_campaign_attribution(postgres)
    print_verification_flags(postgres)

    # -- deals_io: IO status and deal stage sensors ---------------------------------------------
    sensors_ok = run_sensor_demo(defs, instance, postgres)
    if flags_matchmaking():
        print_top_matches(postgres)
    if ran_dashboards_or_documents(result):
        print_dashboard_headlines(postgres, result)

    _heading("summary")
    if new_rows == 0:
        click.echo("nothing new loaded: every source was already imported (checksums unchanged)")
    else:
        click.echo(f"{new_rows} rows inserted or changed")
    click.echo(
        f"run {result.run_id} {'succeeded' if result.success else 'FAILED'} in {time.perf_counter() - started:.1f}s"
    )
    click.echo("next: `make dev` opens the Dagster UI at http://127.0.0.1:3000 with this run and the graph")
    return 0 if result.success and sensors_ok else 1


# --- ingestion from every source: CSV, platform exports, Google Sheets --------------------------

SOURCES_BY_KIND = """
SELECT i.source_kind, count(DISTINCT i.import_id) AS imports, count(m.*) AS metric_rows
FROM etl_imports i LEFT JOIN listener_metrics m ON m.import_id = i.import_id
WHERE i.status = 'completed' AND i.source_kind IN ('csv', 'export', 'sheet')
  AND (i.source_kind <> 'csv' OR i.source_uri LIKE '%%metrics%%')
GROUP BY i.source_kind ORDER BY i.source_kind
"""

EXPORT_PAYLOADS = """
SELECT i.source_uri, i.status, i.rows_read, i.rows_loaded, i.rows_quarantined,
       (SELECT count(*) FROM listener_metrics m WHERE m.import_id = i.import_id) AS metric_rows,
       (SELECT count(*) FROM audience_profiles a WHERE a.import_id = i.import_id) AS audience_rows
FROM etl_imports i WHERE i.source_kind = 'export' ORDER BY i.source_uri, i.import_id
"""


def ingestion_demo_resources() -> tuple[dict, str]:
    """The ``sheets`` resource for the demo and a sentence saying where the sheet comes from.

    With GOOGLE_SHEETS_CREDENTIALS (or SPONSOR_SHEETS) set, the configured resource is used as is.
    Without, the demo reads a spreadsheet served by the in-process fake Sheets API
    (:func:`sponsor_pipeline_tests.fakes.sheets.demo_google`) through a real gspread client.
    """
    import os

    from sponsor_pipeline.resources.sheets import (
        DEFAULT_CREDENTIALS_ENV,
        SHEETS_CONFIG_ENV,
        GoogleSheetsResource,
        WorksheetSpec,
    )
    from sponsor_pipeline_tests.fakes.sheets import demo_google

    if os.environ.get(DEFAULT_CREDENTIALS_ENV) or os.environ.get(SHEETS_CONFIG_ENV):
        return {}, f"Google Sheets: the worksheets of {SHEETS_CONFIG_ENV} with real credentials"
    spec = WorksheetSpec(spreadsheet_id="1nW-demo-manual-tracking", worksheet="Q4 2026", tenant_id="northwind-audio")
    sheets = GoogleSheetsResource.with_client(demo_google().client(), worksheets=[spec])
    return {"sheets": sheets}, (
        f"Google Sheets: no credentials set ({DEFAULT_CREDENTIALS_ENV}), so the sheet "
        f"'{spec.worksheet}' of {spec.spreadsheet_id} is served by the built-in fake Sheets API "
        "(sponsor_pipeline_tests/fakes/sheets.py) through a real gspread client"
    )


def print_ingestion_sources(postgres: PostgresResource, sheets_note: str) -> None:
    """Print listener_metrics rows per input kind (CSV, platform export, sheet) and each payload."""
    with postgres.connect() as conn:
        kinds = conn.execute(SOURCES_BY_KIND).fetchall()
        payloads = conn.execute(EXPORT_PAYLOADS).fetchall()
        sheet_rejects = conn.execute(
            "SELECT row_number, column_name, reason FROM quarantined_rows WHERE source_uri LIKE 'gsheet:%%' "
            "ORDER BY row_number"
        ).fetchall()
    _heading("listener_metrics by input kind (all imports so far)")
    labels = {"csv": "CSV files", "export": "platform exports", "sheet": "Google Sheets"}
    for kind, count, rows in kinds:
        click.echo(f"  {labels[kind]:<18} {count:>3} imports  {rows:>7,} listener_metrics rows")
    click.echo(f"  {sheets_note}")
    for row, column, reason in sheet_rejects:
        click.echo(f"  sheet row {row} [{column}]: {reason}")
    _heading("platform export payloads (tenant engineering-kiosk)")
    for uri, status, read, _loaded, quarantined, metric_rows, audience_rows in payloads:
        click.echo(
            f"  {Path(uri).name:<38} {status:<9} read {read or 0:>3}  listener_metrics {metric_rows:>3}  "
            f"audience {audience_rows:>3}  quarantined {quarantined or 0}"
        )


# -- deals_io: IO status and deal stage sensors -------------------------------------------------------
# Each demo run toggles these, so a second run produces the reverse transitions.
DEMO_IO_CHANGES = (  # (tenant, io_id, status a, status b): a → b, or b → a when already at b
    ("northwind-audio", "nw-io-019", "draft", "scheduled"),
    ("northwind-audio", "nw-io-010", "live", "completed"),
    ("harbor-pods", "hp-io-016", "live", "paused"),
)
DEMO_DEAL_CHANGES = (  # (tenant, campaign_id, stage a, stage b)
    ("northwind-audio", "nw-cmp-008", "qualified", "negotiation"),
    ("harbor-pods", "hp-cmp-009", "lead", "lost"),
)
TOGGLE_IO = (
    "UPDATE io_bookings SET status = CASE WHEN status = %s THEN %s ELSE %s END "
    "WHERE tenant_id = %s AND io_id = %s AND status IN (%s, %s)"
)
TOGGLE_DEAL = (
    "UPDATE campaigns SET stage = CASE WHEN stage = %s THEN %s ELSE %s END, stage_changed_at = now() "
    "WHERE tenant_id = %s AND campaign_id = %s AND stage IN (%s, %s)"
)
EVENTS_OF = "SELECT event_type, tenant_id, entity_id, payload FROM events WHERE dedupe_key = ANY(%s) ORDER BY event_id"


def run_sensor_demo(defs: dg.Definitions, instance: dg.DagsterInstance, postgres: PostgresResource) -> bool:
    """Apply a few IO status and deal stage changes, tick each sensor once, print the events.

    Each sensor starts just before its oldest transition without an event, so the tick also picks
    up the inserts of a first sample import. Returns False when a tick fails.
    """
    from sponsor_pipeline.defs.deals_io.sensors import deal_stage_sensor, io_status_sensor

    _heading("IO status and deal stage changes (plain SQL; the triggers log them in change_log)")
    with postgres.connect() as conn:
        for tenant, io_id, a, b in DEMO_IO_CHANGES:
            conn.execute(TOGGLE_IO, (a, b, a, tenant, io_id, a, b))
        for tenant, campaign_id, a, b in DEMO_DEAL_CHANGES:
            conn.execute(TOGGLE_DEAL, (a, b, a, tenant, campaign_id, a, b))
        conn.commit()
        cursors = {
            kind: change_log.cursor_from_events(conn, kind).dumps()
            for kind in (change_log.IO_BOOKING, change_log.CAMPAIGN)
        }
    click.echo(f"  {len(DEMO_IO_CHANGES)} IO status changes, {len(DEMO_DEAL_CHANGES)} deal stage changes")

    repo = defs.get_repository_def()
    names = {s.name for s in repo.sensor_defs}
    ok = True
    for sensor, kind in ((io_status_sensor, change_log.IO_BOOKING), (deal_stage_sensor, change_log.CAMPAIGN)):
        if sensor.name not in names:
            click.echo(f"  {sensor.name}: off (feature flag)")
            continue
        _heading(f"{sensor.name}: one tick")
        try:
            with dg.build_sensor_context(
                cursor=cursors[kind],
                instance=instance,
                repository_def=repo,
                resources={"postgres": postgres, "settings": settings_from_env()},
            ) as context:
                data = sensor.evaluate_tick(context)
        except Exception as exc:  # noqa: BLE001 - reported, the demo goes on
            click.secho(f"  tick failed: {exc}", fg="red")
            ok = False
            continue
        keys = [e.metadata["dedupe_key"].value for e in data.asset_events]
        with postgres.connect() as conn:
            events = conn.execute(EVENTS_OF, (keys,)).fetchall()
        created = [e for e in events if (e[3].get("from_status") or e[3].get("from_stage")) is None]
        if created:
            types = sorted({e[0] for e in created})
            click.echo(f"  {len(created)} {'/'.join(types)} events for rows created by the sample import")
        for event_type, tenant, entity, p in events:
            if p.get("from_status") is None and p.get("from_stage") is None:
                continue
            if event_type == "deal.stage_changed":
                flags = [f"skipped {', '.join(p['skipped_stages'])}"] if p["skipped_stages"] else []
                flags += ["backwards"] * p["is_backward"] + ["outcome reversed"] * p["is_outcome_reversal"]
                line = f"{p['from_stage']} → {p['to_stage']}" + (f"  [{'; '.join(flags)}]" if flags else "")
            else:
                line = f"{p['from_status']} → {p['to_status']}  (booked {p['booked_impressions']:,})"
            click.echo(f"  {event_type:<19} {tenant:<16} {entity:<11} {line}")
        if not data.run_requests:
            click.echo(
                "  no run requested: "
                + (data.skip_message if not events else "its rerun target is not in this code location yet")
            )
        for run in data.run_requests:
            targets = ", ".join(k.to_user_string() for k in run.asset_selection or [])
            click.echo(f"  run requested: {targets}  run_key={run.run_key}")
    return ok


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
    for tenant, campaign_id, name, stage, title, _score, rationale in rows:
        if (tenant, campaign_id) != current:
            current = (tenant, campaign_id)
            click.echo(f"  {tenant} {campaign_id} {name} [{stage}]")
        click.echo(f"    {title:<20} {rationale}")


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

_OUTPUT_KEYS = {
    "downloads_trend_png": "downloads trend plot",
    "pacing_png": "pacing plot",
    "output_dir": "IO documents (PDF)",
    "reports_dir": "campaign reports",
}


def _materialized_metadata(result) -> dict[str, dict]:
    out = {}
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        out[mat.asset_key.to_user_string()] = {k: getattr(v, "value", v) for k, v in mat.metadata.items()}
    return out


def ran_dashboards_or_documents(result) -> bool:
    """True when the run materialized a dashboard or the IO documents."""
    return bool(
        {"creator_dashboard", "advertiser_dashboard", "ops_dashboard", "io_documents", "campaign_reports"}
        & set(_materialized_metadata(result))
    )


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
                click.echo(
                    f"  creator     top show: {title} ({tenant}) {downloads:,} downloads "
                    f"in the 30 days to {as_of}{trend_text}"
                )
        if "advertiser_dashboard" in meta:
            row = conn.execute(MOST_UNDER_PACED_IO).fetchone()
            if row:
                tenant, io_id, campaign, pacing, delivered, booked, end = row
                click.echo(
                    f"  advertiser  most under-paced live IO: {io_id} ({tenant}, {campaign}) pacing "
                    f"{float(pacing):.2f}, {delivered:,} of {booked:,} delivered, flight ends {end}"
                )
            else:
                click.echo("  advertiser  no live IO measured yet (io_delivery has no rows)")
        if "ops_dashboard" in meta:
            counts = conn.execute(OPS_ALERT_COUNTS).fetchall()
            total = sum(n for _, n, _ in counts)
            critical = sum(c for _, _, c in counts)
            parts = ", ".join(f"{t} {n}" for t, n, _ in counts) or "none"
            click.echo(f"  ops         {total} alerts ({critical} critical): {parts}")
    if "campaign_reports" in meta:
        reports = meta["campaign_reports"]
        click.echo(
            f"  reports     {reports['reports']} campaign reports: {reports['generated']} generated, "
            f"{reports['unchanged']} unchanged"
        )
    if "io_documents" in meta:
        docs = meta["io_documents"]
        click.echo(
            f"  documents   {docs['documents']} IO PDFs: {docs['rendered']} rendered, "
            f"{docs['unchanged']} unchanged, {docs['removed']} removed"
        )
    _heading("where to look")
    for _asset, values in sorted(meta.items()):
        for key, label in _OUTPUT_KEYS.items():
            if key in values:
                click.echo(f"  {label:<22} {values[key]}")


def main() -> None:
    """Entry point of ``make demo``: the project's ``.env`` applies unless the variables are already set."""
    from dotenv import load_dotenv

    from sponsor_pipeline.settings import PROJECT_ROOT

    load_dotenv(PROJECT_ROOT / ".env", override=False)
    raise SystemExit(run_demo())


if __name__ == "__main__":
    main()
