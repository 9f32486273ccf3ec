"""Owns the ``landing_sensor``: new or changed files in the landing folder request an import run.

Which file feeds which asset (names relative to the landing folder):

* ``*metrics*.csv``            → ``listener_metrics``
* ``*io_bookings*.csv``        → ``io_bookings``
* ``exports/<tenant>/*.json``  → ``platform_exports``

A file is ready once its size is the same on two consecutive ticks (a copy still being written
grows between ticks); the cursor holds ``{relative path: size}``. A ready file whose sha256 already
has a completed ``etl_imports`` row is skipped; otherwise the run is keyed by that checksum
(``run_key``), so a file is imported once however many ticks see it.
"""

import json
from pathlib import Path
from typing import Optional

import dagster as dg

from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.settings import landing_dir
from sponsor_pipeline.validation import file_checksum

KINDS = (
    ("listener_metrics", "csv", "*metrics*.csv"),
    ("io_bookings", "csv", "*io_bookings*.csv"),
    ("platform_exports", "export", "exports/*/*.json"),
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
    else:
        config = {"exports_dir": str(folder / "exports"), "files": [str(path)]}
    return {"ops": {asset: {"config": config}}}


def _imported(postgres: PostgresResource, kind: str, checksum: str) -> bool:
    with postgres.connect() as conn:
        return conn.execute(
            "SELECT 1 FROM etl_imports WHERE source_kind = %s AND checksum = %s AND status = 'completed'",
            (kind, checksum),
        ).fetchone() is not None


def build_landing_sensor(assets: list[str], folder: Optional[str] = None) -> dg.SensorDefinition:
    """The landing sensor over the assets present in the Definitions (feature flags)."""
    kinds = [k for k in KINDS if k[0] in assets]

    @dg.sensor(
        name="landing_sensor",
        asset_selection=[k[0] for k in kinds],
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Imports new or changed CSV and export files of the landing folder once their size is stable.",
    )
    def landing_sensor(context: dg.SensorEvaluationContext, postgres: PostgresResource):
        root = Path(folder).resolve() if folder else landing_dir()
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
            runs.append(dg.RunRequest(
                run_key=f"{kind}:{checksum}",
                asset_selection=[dg.AssetKey(asset)],
                run_config=run_config(asset, path, root),
                tags={"sponsor/landing_file": rel, "sponsor/checksum": checksum},
            ))
        context.update_cursor(json.dumps(sizes, sort_keys=True))
        if runs:
            return runs
        parts = [f"{len(waiting)} file(s) new or still growing, checked again next tick"] if waiting else []
        if skipped:
            parts.append(f"{skipped} file(s) already imported")
        return dg.SkipReason("; ".join(parts) or f"no landing files in {root}")

    return landing_sensor
