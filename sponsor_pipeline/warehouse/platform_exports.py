"""Owns loading platform export files (JSON payloads) into listener_metrics or audience_profiles.

Folder layout (the exports folder, or ``exports/`` inside the landing folder)::

    <exports>/<tenant_id>/platform_shows.csv    provider, platform_show_id, show_id
    <exports>/<tenant_id>/episode_map.csv       optional: provider, platform_show_id,
                                                platform_episode_id, episode_id (hand-made pairs)
    <exports>/<tenant_id>/reference/*.csv       optional: the tenant's tenants/shows/episodes rows
    <exports>/<tenant_id>/*.json                payloads in the {provider, meta, data} wrapper, or
                                                bare OP3 API responses (detected by their shape)
    <exports>/<tenant_id>/*.tsv                 OP3 downloads (/api/1/downloads/show/...) as TSV

Platform episode keys (Spotify / Apple ids, Anchor labels with their titles, a host's id) resolve
to the network's episode_id through the platform identity map (:mod:`sponsor_pipeline.identity`,
:mod:`sponsor_pipeline.warehouse.identity`): the hand-made pairs, then GUID, the network's own id,
normalised title + date. A row whose key does not resolve is quarantined under ``episode_id`` with
a reason naming the provider, the key and the title, and its platform key kept in the raw row so
the quarantine replay can load it once the catalogue or the map knows the episode.

Each payload is one ``etl_imports`` row (source_kind ``export``, checksum = sha256 of the bytes
parsed: the file is read once) through :func:`sponsor_pipeline.warehouse.imports.import_frames`:
same validation, quarantine, events and all-or-nothing rules as a CSV. A payload the parser
rejects is a failed import with ``etl.error``, nothing loaded. Entries the parser does not turn
into rows are counted as dropped with their reason, so rows read = loaded + quarantined + dropped.

A tenant folder feeds only its tenant: its payloads' rows are that tenant's, and rows of its
``reference/`` files naming another tenant are quarantined ("tenant_id B outside this source's
tenant A"), never written over that tenant's rows.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pandas as pd
import psycopg

from sponsor_pipeline import exports, identity
from sponsor_pipeline.validation import PLATFORM_COLUMNS, PRESET_REJECT_COLUMNS
from sponsor_pipeline.warehouse import identity as identity_map
from sponsor_pipeline.warehouse import imports, targets

REFERENCE = (("tenants.csv", targets.TENANTS), ("shows.csv", targets.SHOWS), ("episodes.csv", targets.EPISODES))
PLATFORM_SHOWS = "platform_shows.csv"
PAYLOAD_SUFFIXES = (".json", ".tsv")
EPISODE_MAP = "episode_map.csv"


def rows_frame(rows: list[dict[str, str | None]], columns: tuple[str, ...]) -> pd.DataFrame:
    """Parsed rows as a string frame indexed by 1-based payload row number."""
    frame = pd.DataFrame(rows, columns=list(columns), dtype=object)
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame


def tenant_folders(root: Path) -> list[Path]:
    """Sub-folders of ``root`` holding a ``platform_shows.csv``, sorted by name."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / PLATFORM_SHOWS).exists())


def payload_files(folder: Path) -> list[Path]:
    """The payloads of a tenant folder: ``*.json`` (wrapped payloads and bare OP3 responses) and
    ``*.tsv`` (OP3 downloads in its default TSV form), sorted."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in PAYLOAD_SUFFIXES)


def op3_window_show(path: Path) -> str | None:
    """The show uuid of a bare OP3 ``queries/episode-download-counts`` response at ``path`` (a window
    export, imported by :func:`sponsor_pipeline.warehouse.window_exports.import_window_file`), else
    None (also for a file that is not JSON: its own import reports that)."""
    if path.suffix.lower() != ".json":
        return None
    try:
        found = exports.op3_raw_endpoint(json.loads(path.read_bytes().decode("utf-8-sig")))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    if found is None or found[0] != "queries/episode-download-counts":
        return None
    return found[1] or ""


def load_reference(conn: psycopg.Connection, folder: Path) -> list[imports.ImportResult]:
    """Import ``<folder>/reference/{tenants,shows,episodes}.csv`` that exist, parents first.

    The folder's name is the only tenant these files may write: rows naming another tenant are
    quarantined. Raises :class:`imports.ImportFailed` as :func:`imports.import_csv` does.
    """
    results = []
    for name, target in REFERENCE:
        path = folder / "reference" / name
        if path.exists():
            results.append(imports.import_csv(conn, path, target, tenant_id=folder.name))
    return results


def import_payload(
    conn: psycopg.Connection,
    path: Path,
    tenant_id: str,
    shows: dict[tuple[str, str], str],
    *,
    retry_failed: bool = False,
) -> tuple[imports.ImportResult, exports.ParsedExport | None]:
    """Parse and import one payload file for ``tenant_id`` (``retry_failed``: even if the same bytes
    failed on their content before).

    ``shows`` maps (provider, platform show id) to the warehouse show_id (``platform_shows.csv``).
    Returns the import result and the parsed payload (None when the file was already imported).

    Raises:
        imports.ImportFailed: unreadable or unknown payload, unmapped show, or a database error; the
            import is recorded as failed with ``etl.error`` and nothing is loaded (or, with
            ``recorded_before``, the same bytes failed on their content before: nothing recorded).
    """
    path = Path(path).resolve()
    body = path.read_bytes()  # parsed and hashed once: the checksum covers exactly these bytes
    checksum = hashlib.sha256(body).hexdigest()
    parsed: exports.ParsedExport | None = None
    error: exports.ExportFormatError | None = None
    try:
        parsed = _parse(path, body, tenant_id, shows)
    except exports.ExportFormatError as err:
        error = err
    if parsed is not None and parsed.episodes and parsed.guids:
        register_catalogue(conn, parsed, tenant_id)
    if parsed is not None and parsed.target == "audience_profiles":
        target, columns, rows = targets.AUDIENCE_PROFILES, exports.AUDIENCE_COLUMNS, parsed.audience
    elif parsed is not None and parsed.target == "show_audience_size":
        target, columns, rows = targets.SHOW_AUDIENCE_SIZE, exports.SIZE_COLUMNS, parsed.sizes
    else:
        target, columns = targets.LISTENER_METRICS_EXPORT, exports.METRIC_COLUMNS
        rows = parsed.metrics if parsed is not None else []
        if parsed is not None and any(r["episode_id"] for r in rows):
            rows = resolve_metric_rows(conn, parsed, tenant_id)
            columns = (*exports.METRIC_COLUMNS, *PLATFORM_COLUMNS, *PRESET_REJECT_COLUMNS)

    def chunks():
        if error is not None:
            raise error
        yield rows_frame(rows, columns)

    result = imports.import_frames(
        conn,
        chunks,
        target,
        source_kind="export",
        source_uri=str(path),
        checksum=checksum,
        tenant_id=tenant_id,
        retry_failed=retry_failed,
        dropped=parsed.dropped if parsed is not None else None,
    )
    return result, parsed


def _parse(path: Path, body: bytes, tenant_id: str, shows: dict[tuple[str, str], str]) -> exports.ParsedExport:
    try:
        text = body.decode("utf-8-sig")
        payload = exports.op3_downloads_tsv(text) if path.suffix.lower() == ".tsv" else json.loads(text)
        payload = exports.as_wrapper(payload)
        exports.detect_format(payload)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise exports.ExportFormatError(f"{path}: not JSON text ({err})") from err
    except exports.ExportFormatError as err:
        raise exports.ExportFormatError(f"{path}: {err}") from err
    provider, show = str(payload.get("provider")), str(payload["meta"].get("show"))
    show_id = shows.get((provider, show))
    if show_id is None and _empty_op3_downloads(payload):
        # an OP3 downloads page with no rows names no show: nothing to read, an import of 0 rows
        return exports.parse_export(payload, exports.ShowContext(tenant_id, ""), str(path))
    if show_id is None:
        raise exports.ExportFormatError(
            f"{path}: {provider} show {show!r} is not in {PLATFORM_SHOWS} of tenant {tenant_id}"
        )
    return exports.parse_export(payload, exports.ShowContext(tenant_id, show_id), str(path))


def _empty_op3_downloads(payload: dict) -> bool:
    data = payload.get("data")
    return (
        payload.get("provider") == "op3"
        and payload["meta"].get("endpoint") == "downloads/show"
        and payload["meta"].get("show") is None
        and isinstance(data, dict)
        and data.get("rows") == []
    )


def register_catalogue(
    conn: psycopg.Connection, parsed: exports.ParsedExport, tenant_id: str
) -> dict[str, identity_map.Resolution]:
    """Pair the platform episode ids of a catalogue payload (Apple ``episodes`` / ``episodeDetails``)
    with the network's episodes in the platform identity map, by the RSS GUID the payload gives
    (``parsed.guids``) first, then by the other rules of :func:`identity.match_episode`; committed.
    Later payloads keyed by those ids (Apple ``showTrends/Listeners``) resolve through the stored pairs.

    Returns ``{platform episode id: Resolution}``; an id that matches nothing is not stored (it has
    no rows to quarantine) and is matched again by the next payload that carries it.
    """
    show_id = parsed.show_id
    if not show_id:
        return {}
    candidates = [
        identity.PlatformEpisode(key, title, _iso_day(parsed.published.get(key)), guid=parsed.guids.get(key))
        for key, title, _ in parsed.episodes
    ]
    resolved = identity_map.resolve_episodes(conn, tenant_id, parsed.provider, parsed.show_key, show_id, candidates)
    conn.commit()
    return resolved


def _iso_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def resolve_metric_rows(
    conn: psycopg.Connection, parsed: exports.ParsedExport, tenant_id: str
) -> list[dict[str, str | None]]:
    """``parsed.metrics`` with each platform episode key replaced by the network's episode_id.

    Keys resolve through :func:`identity_map.resolve_episodes` (titles from the payload's episode
    list, publication dates where the payload gives them, else the first day it reports); new
    automatic pairs are committed. Every episode row also carries the :data:`PLATFORM_COLUMNS`;
    a row whose key stays unresolved keeps the key as ``episode_id`` and is marked for quarantine
    (:data:`PRESET_REJECT_COLUMNS`) with :func:`identity.unresolved_reason`. Show-level rows
    (``episode_id`` empty) are unchanged.
    """
    titles = {key: title for key, title, _ in parsed.episodes}
    first_day: dict[str, date] = {}
    for row in parsed.metrics:
        key, day = row["episode_id"], _iso_day(row["day"])
        if key and day and (key not in first_day or day < first_day[key]):
            first_day[key] = day
    keys = sorted({r["episode_id"] for r in parsed.metrics if r["episode_id"]})
    show_id = next(r["show_id"] for r in parsed.metrics if r["episode_id"])
    candidates = [
        identity.PlatformEpisode(key, titles.get(key), _iso_day(parsed.published.get(key)), first_day.get(key))
        for key in keys
    ]
    resolved = identity_map.resolve_episodes(
        conn, tenant_id, parsed.provider, parsed.show_key, show_id or "", candidates
    )
    conn.commit()
    out = []
    for row in parsed.metrics:
        key = row["episode_id"]
        if not key:
            out.append(row)
            continue
        found = resolved[key]
        extra: dict[str, str | None] = {
            "platform_provider": parsed.provider,
            "platform_show_key": parsed.show_key,
            "platform_episode_key": key,
            "platform_title": found.title,
            "platform_published": parsed.published.get(key),
        }
        if found.episode_id is None:
            extra["quarantine_column"] = "episode_id"
            extra["quarantine_reason"] = identity.unresolved_reason(parsed.provider, key, found.title, found.why or "")
            out.append({**row, **extra})
        else:
            out.append({**row, **extra, "episode_id": found.episode_id})
    return out


def load_episode_map(conn: psycopg.Connection, folder: Path) -> tuple[int, list[str]]:
    """Store ``<folder>/episode_map.csv`` (if any) as the tenant's manual pairs; committed.

    Returns ``(pairs written or changed, problems)`` as :func:`identity_map.load_manual_map`.

    Raises:
        identity.EpisodeMapError: the file lacks a column or a row a value (names file and row).
    """
    path = folder / EPISODE_MAP
    if not path.exists():
        return 0, []
    rows = identity.read_episode_map(path)
    written, problems = identity_map.load_manual_map(conn, folder.name, rows, str(path))
    conn.commit()
    return written, problems
