"""Owns loading hosting window exports (downloads since release per episode) into episode_download_windows.

Folder layout, inside a tenant's exports folder (see :mod:`sponsor_pipeline.warehouse.platform_exports`)::

    <exports>/<tenant_id>/windows/<provider>/<platform show id>/*.csv | *.tsv | *.txt | *.json (OP3)

``(provider, platform show id)`` resolves to the show through the tenant's ``platform_shows.csv``;
``provider`` is also the rows' ``source`` (e.g. ``podlove``). Each file is one ``etl_imports`` row
(source_kind ``export``, checksum over the bytes parsed) through
:func:`sponsor_pipeline.warehouse.imports.import_frames`. Episodes resolve through the platform
identity map (id/GUID, then normalised title + publication date); an unresolved row is quarantined
naming the provider, the key and the title, with its platform columns kept for the quarantine
replay. Empty cells and blank lines are counted as dropped: rows read = loaded + quarantined + dropped.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg

from sponsor_pipeline import identity, window_exports
from sponsor_pipeline.validation import PLATFORM_COLUMNS, PRESET_REJECT_COLUMNS
from sponsor_pipeline.warehouse import identity as identity_map
from sponsor_pipeline.warehouse import imports, targets
from sponsor_pipeline.warehouse.platform_exports import PLATFORM_SHOWS, rows_frame

FOLDER = "windows"
SUFFIXES = (".csv", ".tsv", ".txt", ".json")
COLUMNS = (
    "tenant_id",
    "show_id",
    "episode_id",
    "source",
    "window_days",
    "as_of",
    "downloads",
    "released_on",
    *PLATFORM_COLUMNS,
    *PRESET_REJECT_COLUMNS,
)


def window_files(folder: Path) -> list[tuple[str, str, Path]]:
    """``(provider, platform show id, path)`` of every window export under ``<folder>/windows``, sorted."""
    root = folder / FOLDER
    if not root.is_dir():
        return []
    return [
        (path.parent.parent.name, path.parent.name, path)
        for path in sorted(root.glob("*/*/*"))
        if path.is_file() and path.suffix.lower() in SUFFIXES
    ]


def _placeholder(key: str) -> str:
    """An unresolved key (often a title) as a valid id for the quarantined row; the reason and the
    platform columns keep the key as written, and the replay resolves from them."""
    return ("unresolved:" + re.sub(r"[^A-Za-z0-9._:-]+", "-", key).strip("-"))[:120]


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def import_window_file(
    conn: psycopg.Connection,
    path: Path,
    tenant_id: str,
    provider: str,
    show_key: str,
    shows: dict[tuple[str, str], str],
    *,
    retry_failed: bool = False,
) -> tuple[imports.ImportResult, window_exports.WindowExport | None]:
    """Parse and import one window export of ``tenant_id`` for the platform show ``(provider, show_key)``.

    The export's day defaults to the file's modification day (UTC) when the file does not say it.
    Returns the import result and the parsed file.

    Raises:
        imports.ImportFailed: not a window export (no title/id or window column), a show not in
            ``platform_shows.csv``, or a database error; recorded as a failed import, nothing loaded.
    """
    path = Path(path).resolve()
    body = path.read_bytes()  # parsed and hashed once: the checksum covers exactly these bytes
    checksum = hashlib.sha256(body).hexdigest()
    parsed: window_exports.WindowExport | None = None
    error: Exception | None = None
    rows: list[dict[str, str | None]] = []
    show_id = shows.get((provider, show_key))
    try:
        if show_id is None:
            raise window_exports.WindowExportError(
                f"{path}: {provider} show {show_key!r} is not in {PLATFORM_SHOWS} of tenant {tenant_id}"
            )
        modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).date()
        parsed = window_exports.parse_window_export(body, modified, str(path))
        rows = _resolve(conn, parsed, tenant_id, provider, show_key, show_id)
    except window_exports.WindowExportError as err:
        error = err

    def chunks():
        if error is not None:
            raise error
        yield rows_frame(rows, COLUMNS)

    result = imports.import_frames(
        conn,
        chunks,
        targets.EPISODE_DOWNLOAD_WINDOWS,
        source_kind="export",
        source_uri=str(path),
        checksum=checksum,
        tenant_id=tenant_id,
        retry_failed=retry_failed,
        dropped=parsed.dropped if parsed is not None else None,
    )
    return result, parsed


def _resolve(
    conn: psycopg.Connection,
    parsed: window_exports.WindowExport,
    tenant_id: str,
    provider: str,
    show_key: str,
    show_id: str,
) -> list[dict[str, str | None]]:
    """Rows of ``parsed`` with the network's episode_id, or marked for quarantine when unresolved."""
    episodes: dict[str, tuple[str | None, date | None]] = {}
    for row in parsed.rows:
        episodes.setdefault(row["key"], (row["title"], _day(row["published"])))
    candidates = [identity.PlatformEpisode(key, title, published) for key, (title, published) in episodes.items()]
    resolved = identity_map.resolve_episodes(conn, tenant_id, provider, show_key, show_id, candidates)
    conn.commit()
    out = []
    for row in parsed.rows:
        found = resolved[row["key"]]
        window = row["window_days"]
        item: dict[str, str | None] = {
            "tenant_id": tenant_id,
            "show_id": show_id,
            "episode_id": found.episode_id or _placeholder(row["key"]),
            "source": provider,
            "window_days": None if window is None else str(window),
            "as_of": row["as_of"],
            "downloads": row["downloads"],
            "released_on": row["published"],
            "platform_provider": provider,
            "platform_show_key": show_key,
            "platform_episode_key": row["key"],
            "platform_title": found.title or row["title"],
            "platform_published": row["published"],
        }
        if found.episode_id is None:
            item["quarantine_column"] = "episode_id"
            item["quarantine_reason"] = identity.unresolved_reason(
                provider, row["key"], found.title or row["title"], found.why or ""
            )
        out.append(item)
    return out
