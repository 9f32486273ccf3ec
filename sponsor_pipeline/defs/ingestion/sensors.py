"""Owns the ingestion sensors: ``landing_sensor`` (files in the landing folder) and ``sheets_sensor``.

``landing_sensor``: new or changed files in the landing folder request an import run.

Which file feeds which asset (names relative to the landing folder):

* ``*metrics*.csv``            → ``listener_metrics``
* ``*io_bookings*.csv``        → ``io_bookings``
* ``exports/<tenant>/*.json``, ``exports/<tenant>/*.tsv`` (OP3 downloads) → ``platform_exports``
* ``responses/<tenant>/redemptions/*.csv`` → ``promo_redemptions`` (Shopify orders, generic)
* ``responses/<tenant>/visits/*.csv``      → ``vanity_visits`` (Plausible, GA4, generic)
* ``exports/<tenant>/windows/<provider>/<platform show id>/*.{csv,tsv,txt,json}`` (window exports)
  → ``platform_exports``

A file is ready once its size is the same on two consecutive ticks (a copy still being written
grows between ticks); the cursor holds ``{relative path: size}``. A ready file whose sha256 already
has a completed ``etl_imports`` row is skipped; otherwise the run is keyed by that checksum
(``run_key``), so a file is imported once however many ticks see it.

Each sensor launches a named job (``landing_import_job``, ``sheets_import_job``) with the assets of
its run request as the selection, so its runs show by name in the Dagster UI.

``sheets_sensor``: polls each configured spreadsheet's Drive ``modifiedTime`` (JSON cursor
``{spreadsheet_id: modifiedTime}``) and requests a ``sheet_metrics`` run when it changed; on a 5xx or
a timeout it keeps that spreadsheet's cursor entry and tries again next tick.
"""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import requests

from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.resources.settings import PipelineSettings
from sponsor_pipeline.resources.sheets import GoogleSheetsResource, SheetsCredentialsError
from sponsor_pipeline.validation import file_checksum

LANDING_JOB = "landing_import_job"
SHEETS_JOB = "sheets_import_job"

KINDS = (
    ("listener_metrics", "csv", "*metrics*.csv"),
    ("io_bookings", "csv", "*io_bookings*.csv"),
    ("platform_exports", "export", "exports/*/*.json"),
    ("platform_exports", "export", "exports/*/*.tsv"),
    ("promo_redemptions", "csv", "responses/*/redemptions/*.csv"),
    ("vanity_visits", "csv", "responses/*/visits/*.csv"),
    *(("platform_exports", "export", f"exports/*/windows/*/*/*.{ext}") for ext in ("csv", "tsv", "txt", "json")),
)


def landing_files(folder: Path) -> list[tuple[str, str, Path]]:
    """``(asset, source_kind, path)`` of every file the sensor watches, sorted by path."""
    found: dict[Path, tuple[str, str, Path]] = {}
    for asset, kind, pattern in KINDS:
        for path in sorted(folder.glob(pattern)):
            if path.is_file():
                found.setdefault(path, (asset, kind, path))
    return [found[p] for p in sorted(found)]


def run_config(asset: str, path: Path, folder: Path) -> dict:
    """Run config making ``asset`` import exactly ``path``."""
    if asset == "listener_metrics":
        config = {"landing_dir": str(path.parent), "pattern": path.name}
    elif asset == "io_bookings":
        return {"ops": {"reference_tables": {"config": {"files": {"io_bookings": str(path)}}}}}
    elif asset in ("promo_redemptions", "vanity_visits"):
        config = {"folder": str(folder / "responses"), "files": [str(path)]}
    else:
        config = {"exports_dir": str(folder / "exports"), "files": [str(path)]}
    return {"ops": {asset: {"config": config}}}


def _imported(postgres: PostgresResource, kind: str, checksum: str) -> bool:
    with postgres.connect() as conn:
        return (
            conn.execute(
                "SELECT 1 FROM etl_imports WHERE source_kind = %s AND checksum = %s AND status = 'completed'",
                (kind, checksum),
            ).fetchone()
            is not None
        )


def landing_import_job(assets: list[str]) -> dg.UnresolvedAssetJobDefinition:
    """``landing_import_job`` over the landing assets present (feature flags), with their checks."""
    return dg.define_asset_job(
        LANDING_JOB,
        selection=dg.AssetSelection.assets(*[k[0] for k in KINDS if k[0] in assets]),
        description="Imports the landing folder's files the landing sensor found (one file per run).",
    )


sheets_import_job = dg.define_asset_job(
    SHEETS_JOB,
    selection=dg.AssetSelection.assets("sheet_metrics"),
    description="Imports the configured Google Sheets worksheets (launched by sheets_sensor).",
)


def build_landing_sensor(assets: list[str], folder: str | None = None) -> dg.SensorDefinition:
    """The landing sensor over the assets present in the Definitions (feature flags), launching
    :func:`landing_import_job`."""
    kinds = [k for k in KINDS if k[0] in assets]

    @dg.sensor(
        name="landing_sensor",
        job=landing_import_job(assets),
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Imports new or changed CSV and export files of the landing folder once their size is stable.",
    )
    def landing_sensor(context: dg.SensorEvaluationContext, postgres: PostgresResource, settings: PipelineSettings):
        root = settings.landing(folder)
        previous = json.loads(context.cursor) if context.cursor else {}
        sizes: dict[str, int] = {}
        runs, waiting, skipped = [], [], 0
        for asset, kind, path in landing_files(root):
            if asset not in {k[0] for k in kinds}:
                continue
            rel = str(path.relative_to(root))
            try:
                size = path.stat().st_size
            except FileNotFoundError:
                continue  # removed between listing and stat
            sizes[rel] = size
            if previous.get(rel) != size:
                waiting.append(rel)
                continue
            checksum = file_checksum(path)
            if _imported(postgres, kind, checksum):
                skipped += 1
                continue
            runs.append(
                dg.RunRequest(
                    run_key=f"{kind}:{checksum}",
                    asset_selection=[dg.AssetKey(asset)],
                    run_config=run_config(asset, path, root),
                    tags={"sponsor/landing_file": rel, "sponsor/checksum": checksum},
                )
            )
        context.update_cursor(json.dumps(sizes, sort_keys=True))
        if runs:
            return runs
        parts = [f"{len(waiting)} file(s) new or still growing, checked again next tick"] if waiting else []
        if skipped:
            parts.append(f"{skipped} file(s) already imported")
        return dg.SkipReason("; ".join(parts) or f"no landing files in {root}")

    return landing_sensor


def _transient(err: BaseException) -> bool:
    """5xx answers, timeouts and dropped connections: try again next tick with the same cursor."""
    import gspread

    if isinstance(err, (requests.Timeout, requests.ConnectionError)):
        return True
    return isinstance(err, gspread.exceptions.APIError) and getattr(err, "code", 0) >= 500


@dg.sensor(
    name="sheets_sensor",
    job=sheets_import_job,
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
            requests_out.append(
                dg.RunRequest(
                    run_key=f"sheet:{spreadsheet_id}:{modified}", tags={"sponsor/spreadsheet_id": spreadsheet_id}
                )
            )
            cursor[spreadsheet_id] = modified
    context.update_cursor(json.dumps(cursor, sort_keys=True))
    if requests_out:
        return requests_out
    return dg.SkipReason("; ".join(problems) if problems else "no spreadsheet changed")
