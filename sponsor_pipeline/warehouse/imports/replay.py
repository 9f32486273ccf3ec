"""Owns the quarantine replay: quarantined rows whose reference is now there validated again and loaded.

A row is quarantined for what it *is* (a negative count, a non-ISO date: never replayed) or for what
the warehouse *lacked* when it arrived: an unknown tenant, show or episode (the targets' referential
checks, :mod:`sponsor_pipeline.warehouse.targets`), or a platform episode key the identity map did
not resolve (reason starting with :data:`identity.UNMAPPED_PREFIX`). Only the latter are replayed,
and only for imports whose target is in :func:`target_for`.

Per import, in one transaction: the raw values kept in ``quarantined_rows.raw_row`` are read again,
platform keys resolved through the identity map, the rows validated with the target's schema,
staged, checked against the references as on import, and upserted into the target stamped with the
import they came from (a stored row of a newer import is not overwritten). Loaded rows get
``replayed_at`` and a ``replay_note`` and stay as the audit trail; the import's ``rows_loaded`` grows
and ``rows_quarantined`` shrinks by the same number (``rows_replayed`` counts them), so rows read =
loaded + quarantined + dropped still holds; one ``etl.quarantine_replayed`` event records it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from sponsor_pipeline import identity
from sponsor_pipeline.validation import prepare_chunk, split_valid
from sponsor_pipeline.warehouse import identity as identity_map
from sponsor_pipeline.warehouse import targets
from sponsor_pipeline.warehouse.events import record_event
from sponsor_pipeline.warehouse.imports.encode import cols, copy_rows, create_stage
from sponsor_pipeline.warehouse.targets import Target

REPLAY_LOCK = "quarantine_replay"


def target_for(table: str | None, source_kind: str) -> Target | None:
    """The target an import of ``source_kind`` into ``table`` was validated with, when replayable."""
    if table == "listener_metrics":
        return targets.LISTENER_METRICS_EXPORT if source_kind == "export" else targets.LISTENER_METRICS
    return {
        "audience_profiles": targets.AUDIENCE_PROFILES,
        "show_audience_size": targets.SHOW_AUDIENCE_SIZE,
        "episode_download_windows": targets.EPISODE_DOWNLOAD_WINDOWS,
        "episodes": targets.EPISODES,
        "shows": targets.SHOWS,
    }.get(table or "")


def reference_reasons() -> list[str]:
    """The referential-check reasons of the replayable targets (rows that may resolve later)."""
    found = (targets.LISTENER_METRICS, targets.AUDIENCE_PROFILES, targets.EPISODES, targets.SHOWS)
    return sorted({check.reason for target in found for check in target.checks})


_PENDING = """
SELECT q.quarantine_id, q.row_number, q.column_name, q.reason, q.raw_row
FROM quarantined_rows q
WHERE q.import_id = %s AND q.replayed_at IS NULL AND (q.reason = ANY(%s) OR q.reason LIKE %s)
ORDER BY q.row_number
FOR UPDATE
"""

_IMPORTS = """
SELECT DISTINCT i.import_id, i.tenant_id, i.source_kind, i.source_uri, i.target_table
FROM etl_imports i JOIN quarantined_rows q USING (import_id)
WHERE i.status = 'completed' AND i.target_table IS NOT NULL AND q.replayed_at IS NULL
  AND (q.reason = ANY(%s) OR q.reason LIKE %s)
  AND (%s::text IS NULL OR i.tenant_id = %s)
ORDER BY i.import_id
"""

_PLATFORM_PENDING = """
SELECT DISTINCT q.tenant_id, q.raw_row ->> 'platform_provider', q.raw_row ->> 'platform_show_key',
       q.raw_row ->> 'show_id', q.raw_row ->> 'platform_episode_key', q.raw_row ->> 'platform_title',
       q.raw_row ->> 'platform_published', q.raw_row ->> 'day'
FROM quarantined_rows q
WHERE q.replayed_at IS NULL AND q.reason LIKE %s AND q.raw_row ? 'platform_episode_key'
"""


@dataclass
class ReplayResult:
    """One import's replay: rows tried, loaded, and the import's rows still quarantined afterwards."""

    import_id: int
    source_uri: str
    tried: int = 0
    loaded: int = 0
    still_quarantined: int = 0
    notes: Counter = field(default_factory=Counter)  # how the loaded rows resolved -> rows

    def as_row(self) -> dict[str, object]:
        return {
            "import_id": self.import_id,
            "source": self.source_uri,
            "tried": self.tried,
            "loaded": self.loaded,
            "still_quarantined": self.still_quarantined,
        }


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _text(value: object) -> str | None:
    """A raw JSON value as the string a source would have given (rows moved out of the stage are
    stored typed: numbers, booleans)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


PlatformKey = tuple[str, str, str, str]  # tenant, provider, platform show key, show_id


def _resolve(conn: psycopg.Connection, rows: list[tuple]) -> dict[tuple[PlatformKey, str], identity_map.Resolution]:
    """Resolve ``(tenant, provider, show key, show_id, key, title, published, day)`` tuples through
    the identity map, one show at a time; new automatic pairs are stored in the caller's transaction."""
    shows: dict[PlatformKey, dict[str, identity.PlatformEpisode]] = defaultdict(dict)
    for tenant, provider, show_key, show_id, key, title, published, day in rows:
        if not (tenant and provider and show_key and show_id and key):
            continue
        seen = shows[(tenant, provider, show_key, show_id)].get(key)
        first = _day(day)
        if seen is not None and seen.first_day is not None and (first is None or seen.first_day <= first):
            first = seen.first_day
        shows[(tenant, provider, show_key, show_id)][key] = identity.PlatformEpisode(key, title, _day(published), first)
    out = {}
    for show, candidates in shows.items():
        tenant, provider, show_key, show_id = show
        found = identity_map.resolve_episodes(conn, tenant, provider, show_key, show_id, candidates.values())
        out.update({(show, key): resolution for key, resolution in found.items()})
    return out


def match_pending(conn: psycopg.Connection) -> int:
    """Match the platform keys of every row still quarantined as unmapped against the catalogue,
    storing the new pairs (committed). Returns the number of keys that resolve now."""
    rows = conn.execute(_PLATFORM_PENDING, (identity.UNMAPPED_PREFIX + " %",)).fetchall()
    resolved = _resolve(conn, rows)
    conn.commit()
    return sum(1 for r in resolved.values() if r.episode_id)


def replay_quarantine(conn: psycopg.Connection, tenant_id: str | None = None) -> list[ReplayResult]:
    """Replay every completed import with rows quarantined for a missing reference (of ``tenant_id``,
    or every tenant); one transaction per import, one replay at a time (advisory lock).

    Returns one :class:`ReplayResult` per import tried, in import order. Database errors propagate
    after the current import's transaction is rolled back (earlier imports stay replayed).
    """
    reasons = reference_reasons()
    unmapped = identity.UNMAPPED_PREFIX + " %"
    conn.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (REPLAY_LOCK,))
    conn.commit()
    try:
        found = conn.execute(_IMPORTS, (reasons, unmapped, tenant_id, tenant_id)).fetchall()
        conn.commit()
        results = []
        for import_id, tenant, source_kind, source_uri, table in found:
            target = target_for(table, source_kind)
            if target is None:
                continue
            with conn.transaction():
                results.append(_replay_import(conn, import_id, tenant, source_uri, target, reasons, unmapped))
        return results
    finally:
        conn.rollback()
        conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (REPLAY_LOCK,))
        conn.commit()


def _replay_import(
    conn: psycopg.Connection,
    import_id: int,
    tenant_id: str | None,
    source_uri: str,
    target: Target,
    reasons: list[str],
    unmapped: str,
) -> ReplayResult:
    pending = conn.execute(_PENDING, (import_id, reasons, unmapped)).fetchall()
    result = ReplayResult(import_id, source_uri, tried=len(pending))
    platform = [
        (
            raw.get("tenant_id"),
            raw.get("platform_provider"),
            raw.get("platform_show_key"),
            raw.get("show_id"),
            raw.get("platform_episode_key"),
            raw.get("platform_title"),
            raw.get("platform_published"),
            raw.get("day"),
        )
        for _, _, _, _, raw in pending
        if raw.get("platform_episode_key")
    ]
    resolved = _resolve(conn, platform)
    records, notes = {}, {}
    for _, row_number, _, _, raw in pending:
        values = {c: _text(raw.get(c)) for c in target.columns}
        note = "its reference exists now"
        if raw.get("platform_episode_key"):
            show = (
                raw.get("tenant_id"),
                raw.get("platform_provider"),
                raw.get("platform_show_key"),
                raw.get("show_id"),
            )
            found = resolved.get((show, raw["platform_episode_key"]))
            if found is None or found.episode_id is None:
                continue  # still unmapped
            values["episode_id"] = found.episode_id
            note = f"{raw.get('platform_provider')} episode {raw['platform_episode_key']!r} → {found.episode_id} ({found.method})"
        records[row_number] = values
        notes[row_number] = note
    loaded: list[int] = []
    if records:
        frame = pd.DataFrame.from_dict(records, orient="index", columns=target.columns, dtype=object)
        valid, _still_invalid = split_valid(prepare_chunk(frame, target.schema, source_uri), target.schema)
        if not valid.empty:
            loaded = _load(conn, target, import_id, valid)
    by_row = {row_number: (column, reason) for _, row_number, column, reason, _ in pending}
    _record(conn, import_id, tenant_id, source_uri, loaded, notes, by_row, result)
    return result


def _load(conn: psycopg.Connection, target: Target, import_id: int, valid: pd.DataFrame) -> list[int]:
    """Stage ``valid``, drop the rows still failing a referential check or repeating a key, upsert
    the rest into ``target``; returns the source row numbers loaded."""
    create_stage(conn, target)
    copy_rows(conn, sql.Identifier("import_stage"), valid, target.columns, source_row=True)
    for check in target.checks:
        conn.execute(sql.SQL("DELETE FROM import_stage s WHERE {}").format(sql.SQL(check.condition)))
    conn.execute(
        sql.SQL(
            "DELETE FROM import_stage s WHERE s.source_row IN (SELECT d.source_row FROM (SELECT source_row, "
            "row_number() OVER (PARTITION BY {key} ORDER BY source_row) AS nth FROM import_stage) d WHERE d.nth > 1)"
        ).format(key=cols(target.key))
    )
    for statement in target.prepare:
        conn.execute(statement)
    rows = [r[0] for r in conn.execute("SELECT source_row FROM import_stage ORDER BY source_row").fetchall()]
    if rows:
        conn.execute(_upsert(target, import_id))
    conn.execute("DROP TABLE import_stage")
    return rows


def _upsert(target: Target, import_id: int) -> sql.Composed:
    """INSERT the stage into the target; on an existing key update the values that differ, unless
    the stored row came from a newer import (its import_id is greater)."""
    columns = target.columns + (["import_id"] if target.stamp_import_id else [])
    values = cols(target.columns, "s") + (
        sql.SQL(", {}").format(sql.Literal(import_id)) if target.stamp_import_id else sql.SQL("")
    )
    updatable = [c for c in target.columns if c not in target.key and c not in target.immutable]
    if not updatable:
        action = sql.SQL("DO NOTHING")
    else:
        assignments = [sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(c)) for c in updatable]
        newer = sql.SQL("")
        if target.stamp_import_id:
            assignments.append(sql.SQL("import_id = EXCLUDED.import_id"))
            if target.stamp_loaded_at:
                assignments.append(sql.SQL("loaded_at = now()"))
            newer = sql.SQL(" AND {t}.import_id <= EXCLUDED.import_id").format(t=sql.Identifier(target.table))
        if target.touch_updated_at:
            assignments.append(sql.SQL("updated_at = now()"))
        action = sql.SQL("DO UPDATE SET {assign} WHERE ({old}) IS DISTINCT FROM ({new}){newer}").format(
            assign=sql.SQL(", ").join(assignments),
            old=cols(updatable, target.table),
            new=sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(sql.Identifier(c)) for c in updatable),
            newer=newer,
        )
    return sql.SQL(
        "INSERT INTO {table} AS {table} ({cols}) SELECT {vals} FROM import_stage s ON CONFLICT {conflict} {action}"
    ).format(
        table=sql.Identifier(target.table),
        cols=cols(columns),
        vals=values,
        conflict=sql.SQL(target.conflict),
        action=action,
    )


def _record(
    conn: psycopg.Connection,
    import_id: int,
    tenant_id: str | None,
    source_uri: str,
    loaded: list[int],
    notes: dict[int, str],
    by_row: dict[int, tuple[str | None, str]],
    result: ReplayResult,
) -> None:
    """Mark the loaded rows replayed, move them from quarantined to loaded on ``etl_imports`` (and in
    its quarantined reasons), record ``etl.quarantine_replayed``; fills ``result``."""
    if loaded:
        with conn.cursor() as cur:
            cur.executemany(
                "UPDATE quarantined_rows SET replayed_at = now(), replay_note = %s "
                "WHERE import_id = %s AND row_number = %s AND replayed_at IS NULL",
                [(notes[n], import_id, n) for n in loaded],
            )
        reasons = Counter(
            conn.execute("SELECT quarantined_reasons FROM etl_imports WHERE import_id = %s", (import_id,)).fetchone()[0]
        )
        for n in loaded:
            column, reason = by_row[n]
            for key in (f"{column}: {reason}", reason.split(" (got")[0][:120]):
                if reasons.get(key, 0) > 0:
                    reasons[key] -= 1
                    break
        conn.execute(
            "UPDATE etl_imports SET rows_loaded = rows_loaded + %s, rows_quarantined = rows_quarantined - %s, "
            "rows_replayed = rows_replayed + %s, replayed_at = now(), quarantined_reasons = %s WHERE import_id = %s",
            (len(loaded), len(loaded), len(loaded), Jsonb({k: v for k, v in reasons.items() if v > 0}), import_id),
        )
    result.loaded = len(loaded)
    result.notes.update(notes[n] for n in loaded)
    row = conn.execute(
        "SELECT rows_quarantined, rows_replayed FROM etl_imports WHERE import_id = %s", (import_id,)
    ).fetchone()
    result.still_quarantined = row[0]
    if loaded:
        record_event(
            conn,
            "etl.quarantine_replayed",
            tenant_id=tenant_id,
            entity_type="etl_import",
            entity_id=str(import_id),
            dedupe_key=f"etl.quarantine_replayed:{import_id}:{row[1]}",
            payload={
                "import_id": import_id,
                "source_uri": source_uri,
                "rows_replayed": len(loaded),
                "rows_quarantined": row[0],
            },
        )
