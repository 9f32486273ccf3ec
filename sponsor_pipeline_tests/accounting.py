"""Owns the per-file accounting of every real payload and real-format fixture the tests hold:
rows read / loaded / quarantined / dropped (with reasons), imported the way ``platform_exports``
imports a tenant's exports folder. Used by ``test_data_points`` (the sum holds for every file) and
by ``scripts/payload_accounting.py`` (prints the table).

Files, staged into ``<root>/<tenant>/`` folders:

* ``engineering-kiosk``: the real openpodcast payloads of ``/work/shared/data/openpodcast`` (else
  the copies in ``samples/exports/engineering-kiosk``) and the further openpodcast fixtures in
  ``data/openpodcast_more``; the tenant's reference rows from the samples.
* ``northwind-audio``: the OP3 API responses of ``data/op3`` (bare, beside the payloads), and the
  window exports of ``data/window_exports`` (Podlove CSV, host TSV, OP3 episode download counts)
  under ``windows/<provider>/<show>/``; the reference rows are the samples' (loaded by the caller).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import psycopg

from sponsor_pipeline import exports
from sponsor_pipeline.settings import PROJECT_ROOT
from sponsor_pipeline.warehouse import imports, platform_exports, window_exports

DATA = Path(__file__).parent / "data"
SHARED = Path("/work/shared/data/openpodcast")
EK_SAMPLES = PROJECT_ROOT / "samples" / "exports" / "engineering-kiosk"
OP3_SHOW = "3f0a5c1e2b7d4e6f8a9b0c1d2e3f4a5b"

EK_SHOWS = """provider,platform_show_id,show_id
spotify,0tJRC0UsObPCWLmmzmOkIs,ek-engineering-kiosk
apple,1603082924,ek-engineering-kiosk
apple,1642486726,ek-engineering-kiosk
apple,0tJRC0UsObPCWLmmzmOkIs,ek-engineering-kiosk
podigee,0tJRC0UsObPCWLmmzmOkIs,ek-engineering-kiosk
podigee,123456,ek-engineering-kiosk
anchor,8a4e3b0,ek-engineering-kiosk
anchor,123abcde,ek-engineering-kiosk
"""
NW_SHOWS = f"""provider,platform_show_id,show_id
op3,{OP3_SHOW},nw-tech-talk
podlove,pl-tech,nw-tech-talk
host,tech-talk,nw-tech-talk
"""
WINDOWS = {  # window export fixture → (provider, platform show id)
    "podlove-episode-downloads.csv": ("podlove", "pl-tech"),
    "host-episode-windows.tsv": ("host", "tech-talk"),
    "op3-episode-download-counts.json": ("op3", OP3_SHOW),
}


@dataclass(frozen=True)
class Accounted:
    """One file's import: where it came from, what it was read as, and its counts."""

    origin: str
    name: str
    format: str
    target: str
    status: str
    read: int
    loaded: int
    quarantined: int
    dropped: int
    reasons: dict[str, int]

    @property
    def balanced(self) -> bool:
        return self.read == self.loaded + self.quarantined + self.dropped


def stage(root: Path) -> dict[str, list[tuple[str, Path]]]:
    """Copy the files into ``root``'s tenant folders; returns ``{tenant: [(origin, path)]}``."""
    ek = root / "engineering-kiosk"
    nw = root / "northwind-audio"
    ek.mkdir(parents=True)
    nw.mkdir(parents=True)
    shutil.copytree(EK_SAMPLES / "reference", ek / "reference")
    (ek / "platform_shows.csv").write_text(EK_SHOWS)
    (nw / "platform_shows.csv").write_text(NW_SHOWS)
    staged: dict[str, list[tuple[str, Path]]] = {"engineering-kiosk": [], "northwind-audio": []}
    real = SHARED if any(SHARED.glob("*.json")) else EK_SAMPLES
    origin = "shared/data/openpodcast" if real == SHARED else "samples/exports/engineering-kiosk"
    for source, label in ((real, origin), (DATA / "openpodcast_more", "tests/data/openpodcast_more")):
        for path in sorted(source.glob("*.json")):
            staged["engineering-kiosk"].append((label, Path(shutil.copy(path, ek / path.name))))
    for path in sorted((DATA / "op3").iterdir()):
        if path.suffix in (".json", ".tsv"):
            staged["northwind-audio"].append(("tests/data/op3", Path(shutil.copy(path, nw / path.name))))
    for name, (provider, show) in WINDOWS.items():
        folder = nw / window_exports.FOLDER / provider / show
        folder.mkdir(parents=True, exist_ok=True)
        staged["northwind-audio"].append(
            ("tests/data/window_exports", Path(shutil.copy(DATA / "window_exports" / name, folder / name)))
        )
    return staged


def account(conn: psycopg.Connection, root: Path) -> list[Accounted]:
    """Stage the files under ``root`` and import each as ``platform_exports`` would (payloads,
    bare OP3 responses, window exports); the samples' reference rows must be loaded already."""
    out = []
    for tenant, files in stage(root).items():
        folder = root / tenant
        platform_exports.load_reference(conn, folder)
        shows = exports.read_platform_shows(folder / platform_exports.PLATFORM_SHOWS)
        for origin, path in files:
            window = WINDOWS.get(path.name) if path.parent != folder else None
            show_key = platform_exports.op3_window_show(path) if window is None else None
            try:
                if window is not None or show_key is not None:
                    provider, key = window or ("op3", show_key or "")
                    result, parsed = window_exports.import_window_file(conn, path, tenant, provider, key, shows)
                    kind = f"{parsed.layout} window export" if parsed else ""
                    target = "episode_download_windows"
                else:
                    result, payload = platform_exports.import_payload(conn, path, tenant, shows)
                    kind = payload.format if payload else ""
                    target = payload.target if payload else ""
            except imports.ImportFailed as err:
                out.append(Accounted(origin, path.name, "", "", f"failed: {err}", 0, 0, 0, 0, {}))
                continue
            out.append(
                Accounted(
                    origin,
                    path.name,
                    kind,
                    target,
                    result.status,
                    result.rows_read,
                    result.rows_loaded,
                    result.rows_quarantined,
                    result.rows_dropped,
                    {**dict(result.dropped), **{f"quarantined: {k}": v for k, v in result.reasons.items()}},
                )
            )
    return out


def markdown(rows: list[Accounted]) -> str:
    """The accounting as a markdown table, reasons as ``count × reason`` separated by ``; ``."""
    lines = [
        "| origin | file | read as | table | read | loaded | quarantined | dropped | reasons |",
        "|---|---|---|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        reasons = "; ".join(f"{n} × {why}" for why, n in sorted(r.reasons.items())).replace("|", "\\|")
        lines.append(
            f"| {r.origin} | {r.name} | {r.format} | {r.target} | {r.read} | {r.loaded} | {r.quarantined} | "
            f"{r.dropped} | {reasons} |"
        )
    return "\n".join(lines)
