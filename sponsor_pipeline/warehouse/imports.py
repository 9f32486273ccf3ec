"""Owns importing one source (CSV file, sheet, export) into its target table, all or nothing.

The path of every import:

1. ``etl_imports`` gets a ``running`` row (committed, so failures stay visible).
2. In one transaction, holding an advisory lock on the checksum: chunks are validated with the
   target's pandera schema; valid rows are ``COPY``-ed into a temporary stage, invalid rows go to
   ``quarantined_rows`` (file, row number, column, reason, raw values). Memory holds one chunk.
3. Within-file duplicate keys and referential failures (unknown tenant, episode, show...) move from
   the stage to quarantine; the rest is upserted with ``INSERT ... ON CONFLICT DO UPDATE`` that only
   touches rows whose values differ.
4. The ``etl_imports`` row is completed with counts, ``etl.import_completed`` is recorded per tenant,
   and the transaction commits. Any exception rolls the whole import back, marks the row ``failed``
   and records ``etl.error``: no half-written import is ever left.

A source whose checksum already has a completed import of the same kind is skipped.
"""

from __future__ import annotations

import io
import queue
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pandas as pd
import psycopg
import pyarrow as pa_arrow
import pyarrow.csv as arrow_csv
from psycopg import sql
from psycopg.types.json import Jsonb

from sponsor_pipeline.validation import (
    InputShapeError,
    Reject,
    file_checksum,
    prepare_chunk,
    read_csv_chunks,
    split_valid,
)
from sponsor_pipeline.warehouse.events import record_event
from sponsor_pipeline.warehouse.targets import RefCheck, Target

DEFAULT_CHUNK_ROWS = 100_000


class ImportFailed(RuntimeError):
    """An import was rolled back; the message names the source and the cause."""

    def __init__(self, source_uri: str, import_id: int | None, cause: BaseException):
        self.source_uri = source_uri
        self.import_id = import_id
        self.cause = cause
        super().__init__(f"import of {source_uri} failed (etl_imports #{import_id}): {cause}")


@dataclass
class ImportResult:
    """Outcome of one source: counts are rows of the source (header excluded)."""

    source_uri: str
    checksum: str
    status: str  # 'completed' or 'skipped'
    import_id: int | None = None
    previous_import_id: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0  # valid rows upserted (new, changed or already identical)
    rows_changed: int = 0  # rows inserted or updated with different values
    rows_quarantined: int = 0
    reasons: Counter = field(default_factory=Counter)  # "column: reason" -> rows
    tenants: list[str] = field(default_factory=list)
    load_path: str | None = None  # 'copy' (straight into the table), 'insert' or 'upsert' (via the stage)

    def as_metadata(self) -> dict[str, object]:
        return {
            "source": self.source_uri,
            "status": self.status,
            "import_id": self.import_id,
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_changed": self.rows_changed,
            "rows_quarantined": self.rows_quarantined,
            "load_path": self.load_path or "",
        }


ChunkHook = Callable[[int], None]


def import_csv(
    conn: psycopg.Connection,
    path: str | Path,
    target: Target,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    after_chunk: ChunkHook | None = None,
) -> ImportResult:
    """Import one CSV file into ``target`` (see the module docstring for the steps).

    Args:
        conn: a psycopg connection owned by the caller, not inside a transaction.
        path: the CSV file; its absolute path is the ``source_uri``.
        chunk_rows: rows validated and copied at a time (bounds memory).
        after_chunk: called with the chunk number after each chunk is staged (tests inject failures).

    Raises:
        ImportFailed: the import was rolled back (bad encoding, missing columns, database error...).
    """
    path = Path(path).resolve()
    return import_frames(
        conn,
        lambda: read_csv_chunks(path, chunk_rows),
        target,
        source_kind="csv",
        source_uri=str(path),
        checksum=file_checksum(path),
        after_chunk=after_chunk,
    )


def import_frames(
    conn: psycopg.Connection,
    chunks: Callable[[], Iterable[pd.DataFrame]],
    target: Target,
    *,
    source_kind: str,
    source_uri: str,
    checksum: str,
    tenant_id: str | None = None,
    after_chunk: ChunkHook | None = None,
) -> ImportResult:
    """Import string chunks (index = 1-based source row numbers) into ``target``.

    ``chunks`` is called once, inside the transaction, so a generator reading a file streams.
    ``tenant_id`` is recorded on ``etl_imports`` when the whole source belongs to one tenant.
    Returns an :class:`ImportResult`; raises :class:`ImportFailed` after rolling back.
    """
    previous = _completed_import(conn, source_kind, checksum)
    conn.commit()
    if previous is not None:
        return ImportResult(source_uri, checksum, "skipped", previous_import_id=previous)

    import_id = conn.execute(
        "INSERT INTO etl_imports (tenant_id, source_kind, source_uri, checksum, status) "
        "VALUES (%s, %s, %s, %s, 'running') RETURNING import_id",
        (tenant_id, source_kind, source_uri, checksum),
    ).fetchone()[0]
    conn.commit()

    result = ImportResult(source_uri, checksum, "completed", import_id=import_id)
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (checksum,))
            previous = _completed_import(conn, source_kind, checksum)
            if previous is not None:  # a concurrent run finished the same content first
                conn.execute("DELETE FROM etl_imports WHERE import_id = %s", (import_id,))
                return ImportResult(source_uri, checksum, "skipped", previous_import_id=previous)
            staged = None
            if target.direct_load:
                try:
                    with conn.transaction():  # a savepoint: a failed attempt leaves nothing behind
                        staged = _direct_attempt(conn, chunks, target, import_id, source_uri, after_chunk, result)
                except (psycopg.errors.IntegrityError, _UseStage):
                    staged = None  # an existing key, a duplicate, a missing show_id, a bad reference
                if staged is None:
                    result = ImportResult(source_uri, checksum, "completed", import_id=import_id)
            if staged is None:
                staged = _staged_attempt(conn, chunks, target, import_id, source_uri, after_chunk, result)
            for hook in target.finalize:
                hook(conn, import_id)
            result.tenants = _tenants(conn, import_id, staged)
            conn.execute(
                "UPDATE etl_imports SET status = 'completed', rows_read = %s, rows_loaded = %s, "
                "rows_quarantined = %s, finished_at = now(), "
                "tenant_id = coalesce(tenant_id, %s) WHERE import_id = %s",
                (result.rows_read, result.rows_loaded, result.rows_quarantined,
                 result.tenants[0] if len(result.tenants) == 1 else None, import_id),
            )
            _record_completed(conn, result, target, staged)
    except Exception as err:  # noqa: BLE001 - every failure is recorded, then re-raised
        conn.rollback()
        _record_failure(conn, import_id, source_uri, tenant_id, err)
        raise ImportFailed(source_uri, import_id, err) from err
    return result


class _UseStage(Exception):
    """A direct load met a row only the stage path can place (quarantine with its row number)."""


def _direct_attempt(
    conn: psycopg.Connection, chunks: Callable[[], Iterable[pd.DataFrame]], target: Target, import_id: int,
    source_uri: str, after_chunk: ChunkHook | None, result: ImportResult,
) -> _Staged | None:
    """COPY validated rows straight into the target when its day range holds no row of the file yet.

    Returns None (nothing written) when the first chunk's range already has rows: the staged upsert
    is then the right path. A later conflict (an existing key, a key repeated in the source, a row
    needing a derived column) raises an IntegrityError, and a row failing a referential check (its
    distinct reference values are collected while streaming and checked at the end) raises
    :class:`_UseStage`; either way the caller's savepoint undoes the attempt and the stage path,
    which quarantines with source row numbers, runs instead.
    """
    staged = _Staged()
    uses = target.ref_columns
    refs: set[tuple] = set()
    for number, (frame_rows, valid, rejects) in enumerate(_prefetch(_validated(chunks, target, source_uri))):
        if number == 0:
            first = _Staged()
            first.add(valid, target)
            if _range_has_rows(conn, target, first):
                return None
        result.rows_read += frame_rows
        _copy_rows(conn, sql.Identifier(target.table), valid, target.columns, import_id=import_id)
        staged.add(valid, target)
        if uses and not valid.empty:
            refs.update(valid[uses].drop_duplicates().astype(object).itertuples(index=False, name=None))
        _quarantine(conn, import_id, source_uri, rejects, result)
        if after_chunk is not None:
            after_chunk(number)
    if target.checks and refs:
        conn.execute(
            sql.SQL("CREATE TEMP TABLE import_refs ON COMMIT DROP AS SELECT {cols} FROM {table} WITH NO DATA").format(
                cols=_cols(uses), table=sql.Identifier(target.table)
            )
        )
        with conn.cursor().copy(sql.SQL("COPY import_refs ({}) FROM STDIN").format(_cols(uses))) as copy:
            for ref in refs:
                copy.write_row([None if pd.isna(v) else v for v in ref])
        failing = _failing_checks(conn, target)
        if failing:
            raise _UseStage(failing[0].reason)
    result.rows_loaded = result.rows_changed = staged.total
    result.load_path = "copy"
    return staged


def _staged_attempt(
    conn: psycopg.Connection, chunks: Callable[[], Iterable[pd.DataFrame]], target: Target, import_id: int,
    source_uri: str, after_chunk: ChunkHook | None, result: ImportResult,
) -> _Staged:
    """Stage every valid row, quarantine what fails referential checks, then insert or upsert."""
    _create_stage(conn, target)
    staged = _Staged()
    for number, (frame_rows, valid, rejects) in enumerate(_prefetch(_validated(chunks, target, source_uri))):
        result.rows_read += frame_rows
        _copy_rows(conn, sql.Identifier("import_stage"), valid, target.columns, source_row=True)
        staged.add(valid, target)
        _quarantine(conn, import_id, source_uri, rejects, result)
        if after_chunk is not None:
            after_chunk(number)
    moved = _quarantine_staged(conn, target, import_id, source_uri, result)
    staged.remove(moved)
    for statement in target.prepare:
        conn.execute(statement)
    result.rows_loaded, result.rows_changed = _load(conn, target, import_id, source_uri, staged, result)
    return staged


def _completed_import(conn: psycopg.Connection, source_kind: str, checksum: str) -> int | None:
    row = conn.execute(
        "SELECT import_id FROM etl_imports WHERE source_kind = %s AND checksum = %s "
        "AND status = 'completed'",
        (source_kind, checksum),
    ).fetchone()
    return row[0] if row else None


def _validated(
    chunks: Callable[[], Iterable[pd.DataFrame]], target: Target, source_uri: str
) -> Iterator[tuple[int, pd.DataFrame, list[Reject]]]:
    for raw in chunks():
        frame = prepare_chunk(raw, target.schema, source_uri)
        valid, rejects = split_valid(frame, target.schema)
        yield len(frame), valid, rejects


_DONE = object()


def _prefetch(items: Iterator, depth: int = 2) -> Iterator:
    """Run ``items`` in a background thread, ``depth`` ahead, so parsing and validating the next chunk
    overlaps with the database copying the current one. Exceptions surface in the consumer; a
    consumer that stops early stops the producer at its next item."""
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        buffer.put((True, item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put((True, _DONE))
        except BaseException as err:  # noqa: BLE001 - handed to the consumer
            buffer.put((False, err))

    worker = threading.Thread(target=produce, name="import-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            ok, item = buffer.get()
            if not ok:
                raise item
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
        worker.join(timeout=5)


@dataclass
class _Staged:
    """Rows in the stage per tenant, and the day range per tenant when the target has one."""

    rows: Counter = field(default_factory=Counter)
    ranges: dict = field(default_factory=dict)  # tenant -> (first, last) of target.range_column

    def add(self, valid: pd.DataFrame, target: Target) -> None:
        if valid.empty:
            return
        tenants = valid["tenant_id"].astype(object)
        self.rows.update(tenants.value_counts().to_dict())
        if target.range_column:
            bounds = valid.groupby(tenants, observed=True)[target.range_column].agg(["min", "max"])
            for tenant, (low, high) in bounds.iterrows():
                old = self.ranges.get(tenant)
                self.ranges[tenant] = (low, high) if old is None else (min(old[0], low), max(old[1], high))

    def remove(self, moved: Counter) -> None:
        self.rows.subtract(moved)
        self.rows = +self.rows  # drop tenants left with no staged row

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _create_stage(conn: psycopg.Connection, target: Target) -> None:
    conn.execute(
        sql.SQL(
            "CREATE TEMP TABLE import_stage ON COMMIT DROP AS "
            "SELECT 0::integer AS source_row, {cols} FROM {table} WITH NO DATA"
        ).format(cols=_cols(target.columns), table=sql.Identifier(target.table))
    )


def _cols(columns: Iterable[str], prefix: str | None = None) -> sql.Composable:
    if prefix:
        return sql.SQL(", ").join(sql.Identifier(prefix, c) for c in columns)
    return sql.SQL(", ").join(sql.Identifier(c) for c in columns)


def _copy_rows(
    conn: psycopg.Connection, table: sql.Identifier, valid: pd.DataFrame, columns: list[str], *,
    source_row: bool = False, import_id: int | None = None,
) -> None:
    """COPY validated rows into ``table`` as CSV written by Arrow's C++ writer.

    ``source_row`` prepends the 1-based source row numbers (the stage); ``import_id`` appends the
    import's id as column ``import_id`` (a direct load into the target).
    """
    if valid.empty:
        return
    frame = valid[columns].reset_index(drop=True)
    names = list(columns)
    if source_row:
        frame.insert(0, "source_row", valid.index.to_numpy(dtype="int64"))
        names.insert(0, "source_row")
    if import_id is not None:
        frame["import_id"] = import_id
        names.append("import_id")
    arrow = pa_arrow.Table.from_pandas(frame, preserve_index=False)
    fields = []
    for f in arrow.schema:
        if pa_arrow.types.is_dictionary(f.type):
            fields.append(pa_arrow.field(f.name, pa_arrow.string()))
        elif pa_arrow.types.is_timestamp(f.type):
            # naive timestamps are DATE columns; tz-aware ones timestamptz (microsecond precision)
            kind = pa_arrow.date32() if f.type.tz is None else pa_arrow.timestamp("us", tz=f.type.tz)
            fields.append(pa_arrow.field(f.name, kind))
        else:
            fields.append(f)
    buffer = io.BytesIO()
    arrow_csv.write_csv(arrow.cast(pa_arrow.schema(fields)), buffer, arrow_csv.WriteOptions(include_header=False))
    statement = sql.SQL("COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv)").format(table=table, cols=_cols(names))
    with conn.cursor().copy(statement) as copy:
        copy.write(buffer.getbuffer())


_QUARANTINE = """
INSERT INTO quarantined_rows (import_id, tenant_id, source_uri, row_number, column_name, reason, raw_row)
VALUES (%s, %s, %s, %s, %s, %s, %s)
"""


def _quarantine(
    conn: psycopg.Connection, import_id: int, source_uri: str, rejects: list[Reject], result: ImportResult
) -> None:
    if not rejects:
        return
    with conn.cursor() as cur:
        cur.executemany(
            _QUARANTINE,
            [
                (import_id, r.tenant_id, source_uri, r.row_number, r.column_name, r.reason, Jsonb(r.raw))
                for r in rejects
            ],
        )
    result.rows_quarantined += len(rejects)
    for r in rejects:
        result.reasons[r.reason.split(" (got")[0][:120]] += 1


_MOVE_TO_QUARANTINE = (
    "WITH bad AS (DELETE FROM import_stage s WHERE {cond} RETURNING s.*), "
    "kept AS (INSERT INTO quarantined_rows "
    "(import_id, tenant_id, source_uri, row_number, column_name, reason, raw_row) "
    "SELECT %s, bad.tenant_id, %s, bad.source_row, %s, %s, to_jsonb(bad) - 'source_row' FROM bad) "
    "SELECT bad.tenant_id, count(*) FROM bad GROUP BY bad.tenant_id"
)


def _move_to_quarantine(
    conn: psycopg.Connection, condition: sql.Composable, column: str, reason: str,
    import_id: int, source_uri: str, result: ImportResult,
) -> Counter:
    """Move staged rows matching ``condition`` to quarantine; returns rows moved per tenant."""
    moved = Counter(dict(conn.execute(
        sql.SQL(_MOVE_TO_QUARANTINE).format(cond=condition), (import_id, source_uri, column, reason)
    ).fetchall()))
    total = sum(moved.values())
    if total:
        result.rows_quarantined += total
        result.reasons[f"{column}: {reason}"] += total
    return moved


def _quarantine_staged(
    conn: psycopg.Connection, target: Target, import_id: int, source_uri: str, result: ImportResult
) -> Counter:
    """Move staged rows failing the target's referential checks to quarantine (rows per tenant).

    Each check first runs on the distinct values of the columns it reads (a few hundred rows for a
    metrics file), and scans the stage only when some value fails.
    """
    moved: Counter = Counter()
    if not target.checks:
        return moved
    conn.execute(
        sql.SQL("CREATE TEMP TABLE import_refs ON COMMIT DROP AS SELECT DISTINCT {cols} FROM import_stage").format(
            cols=_cols(target.ref_columns)
        )
    )
    for check in _failing_checks(conn, target):
        moved += _move_to_quarantine(
            conn, sql.SQL(check.condition), check.column, check.reason, import_id, source_uri, result
        )
    return moved


def _failing_checks(conn: psycopg.Connection, target: Target) -> list[RefCheck]:
    """The target's referential checks that some row of ``import_refs`` (the source's distinct
    reference values) fails; drops ``import_refs``."""
    failing = [
        check for check in target.checks
        if conn.execute(
            sql.SQL("SELECT EXISTS (SELECT 1 FROM import_refs s WHERE {cond})").format(cond=sql.SQL(check.condition))
        ).fetchone()[0]
    ]
    conn.execute("DROP TABLE import_refs")
    return failing


def _quarantine_duplicates(
    conn: psycopg.Connection, target: Target, import_id: int, source_uri: str, result: ImportResult
) -> Counter:
    """Keep the first row of each key in the stage; later rows with the same key go to quarantine."""
    condition = sql.SQL(
        "s.source_row IN (SELECT d.source_row FROM (SELECT source_row, row_number() OVER "
        "(PARTITION BY {key} ORDER BY source_row) AS nth FROM import_stage) d WHERE d.nth > 1)"
    ).format(key=_cols(target.key))
    reason = "duplicate key in this source (an earlier row has the same key)"
    return _move_to_quarantine(conn, condition, ",".join(target.key), reason, import_id, source_uri, result)


_RANGE_HAS_ROWS = "SELECT EXISTS (SELECT 1 FROM {table} WHERE tenant_id = %s AND {col} BETWEEN %s AND %s)"


def _range_has_rows(conn: psycopg.Connection, target: Target, staged: _Staged) -> bool:
    """True when the target holds a row of any tenant within that tenant's range in ``staged``."""
    statement = sql.SQL(_RANGE_HAS_ROWS).format(
        table=sql.Identifier(target.table), col=sql.Identifier(target.range_column)
    )
    return any(
        conn.execute(statement, (tenant, low, high)).fetchone()[0] for tenant, (low, high) in staged.ranges.items()
    )


def _load(
    conn: psycopg.Connection, target: Target, import_id: int, source_uri: str, staged: _Staged,
    result: ImportResult,
) -> tuple[int, int]:
    """Load the stage into the target; returns (rows loaded, rows inserted or changed).

    Fast path: when the target has a range column (``day``) and holds no row of any tenant in the
    file's range, a plain ``INSERT`` adds every row (about as fast as ``COPY``; ``ON CONFLICT``
    costs half again). Otherwise, or when that insert meets a key that exists after all (a
    duplicate inside the source, or a concurrent writer), ``INSERT ... ON CONFLICT DO UPDATE``
    upserts, touching only rows whose values differ. A key repeated inside the source is detected by
    the failing statement (unique or cardinality violation) and its later rows are quarantined.
    """
    fresh = bool(target.range_column) and not _range_has_rows(conn, target, staged)
    attempts = ("fast", "upsert", "after_duplicates") if fresh else ("upsert", "after_duplicates")
    for attempt in attempts:
        if attempt == "after_duplicates":
            staged.remove(_quarantine_duplicates(conn, target, import_id, source_uri, result))
        try:
            with conn.transaction():  # a savepoint: a failed attempt leaves the stage as it was
                changed = _insert(conn, target, import_id, upsert=attempt != "fast")
        except (psycopg.errors.UniqueViolation, psycopg.errors.CardinalityViolation):
            if attempt == attempts[-1]:
                raise
            continue
        result.load_path = "insert" if attempt == "fast" else "upsert"
        return staged.total, changed
    raise AssertionError("unreachable")  # pragma: no cover - the last attempt returns or raises


def _insert(conn: psycopg.Connection, target: Target, import_id: int, *, upsert: bool) -> int:
    """INSERT the stage into the target (with ON CONFLICT DO UPDATE when ``upsert``); rows written."""
    columns = target.columns + (["import_id"] if target.stamp_import_id else [])
    values = _cols(target.columns, "s") + (
        sql.SQL(", {}").format(sql.Literal(import_id)) if target.stamp_import_id else sql.SQL("")
    )
    conflict = sql.SQL("")
    if upsert:
        updatable = [c for c in target.columns if c not in target.key and c not in target.immutable]
        assignments = [sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(c)) for c in updatable]
        if target.stamp_import_id:
            assignments.append(sql.SQL("import_id = EXCLUDED.import_id"))
            if target.stamp_loaded_at:
                assignments.append(sql.SQL("loaded_at = now()"))
        if target.touch_updated_at:
            assignments.append(sql.SQL("updated_at = now()"))
        if updatable:
            action = sql.SQL("DO UPDATE SET {assign} WHERE ({old}) IS DISTINCT FROM ({new})").format(
                assign=sql.SQL(", ").join(assignments),
                old=_cols(updatable, target.table),
                new=sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(sql.Identifier(c)) for c in updatable),
            )
        else:
            action = sql.SQL("DO NOTHING")
        conflict = sql.SQL(" ON CONFLICT {target} {action}").format(target=sql.SQL(target.conflict), action=action)
    return conn.execute(
        sql.SQL("INSERT INTO {table} AS {table} ({cols}) SELECT {vals} FROM import_stage s{conflict}").format(
            table=sql.Identifier(target.table), cols=_cols(columns), vals=values, conflict=conflict
        )
    ).rowcount


def _tenants(conn: psycopg.Connection, import_id: int, staged: _Staged) -> list[str]:
    """Known tenants with rows in this source: loaded, or quarantined under a known tenant_id."""
    quarantined = conn.execute(
        "SELECT DISTINCT q.tenant_id FROM quarantined_rows q JOIN tenants t USING (tenant_id) "
        "WHERE q.import_id = %s",
        (import_id,),
    ).fetchall()
    return sorted(set(staged.rows) | {r[0] for r in quarantined})


def _record_completed(conn: psycopg.Connection, result: ImportResult, target: Target, staged: _Staged) -> None:
    quarantined = dict(
        conn.execute(
            "SELECT tenant_id, count(*) FROM quarantined_rows WHERE import_id = %s GROUP BY tenant_id",
            (result.import_id,),
        ).fetchall()
    )
    for tenant in result.tenants or [None]:
        record_event(
            conn,
            "etl.import_completed",
            tenant_id=tenant,
            entity_type="etl_import",
            entity_id=str(result.import_id),
            dedupe_key=f"etl.import_completed:{result.import_id}:{tenant or '-'}",
            payload={
                "import_id": result.import_id,
                "table": target.table,
                "source_uri": result.source_uri,
                "checksum": result.checksum,
                "rows_read": result.rows_read,
                "rows_loaded": staged.rows.get(tenant, 0) if tenant else result.rows_loaded,
                "rows_quarantined": quarantined.get(tenant, 0),
            },
        )


def _record_failure(
    conn: psycopg.Connection, import_id: int, source_uri: str, tenant_id: str | None, err: BaseException
) -> None:
    message = str(err)[:4_000]
    with conn.transaction():
        conn.execute(
            "UPDATE etl_imports SET status = 'failed', error = %s, finished_at = now() WHERE import_id = %s",
            (message, import_id),
        )
        record_event(
            conn,
            "etl.error",
            tenant_id=tenant_id,
            entity_type="etl_import",
            entity_id=str(import_id),
            dedupe_key=f"etl.error:{import_id}",
            payload={"import_id": import_id, "source_uri": source_uri, "error": message,
                     "error_type": type(err).__name__},
        )


def iter_files(folder: Path, pattern: str) -> Iterator[Path]:
    """Files in ``folder`` matching the glob ``pattern``, sorted by name."""
    return iter(sorted(p for p in folder.glob(pattern) if p.is_file()))


def table_rows(conn: psycopg.Connection, table: str) -> int:
    """``count(*)`` of a table or materialized view named by the caller's code (not by input)."""
    return conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
