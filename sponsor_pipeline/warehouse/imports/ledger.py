"""Owns the import ledger: one ``etl_imports`` row per source, its lock, its outcome and its events.

The path of every import:

0. A session advisory lock on the checksum is taken (held to the end), and ``running`` rows of the
   same source whose lock is free — their process died — are marked failed as ``interrupted``.
1. ``etl_imports`` gets a ``running`` row (committed, so failures stay visible).
2. In one transaction: the rows are loaded by
   :mod:`~sponsor_pipeline.warehouse.imports.load` (validated chunk by chunk, valid rows ``COPY``-ed,
   invalid and referentially failing rows quarantined with their source row numbers). Memory holds
   one chunk.
3. The ``etl_imports`` row is completed with counts, ``etl.import_completed`` is recorded per tenant,
   and the transaction commits. Any exception rolls the whole import back, marks the row ``failed``
   and records ``etl.error``: no half-written import is ever left.

A source whose checksum already has a completed import of the same kind is skipped. Content that
failed on its content (:data:`CONTENT_ERRORS`: one failed row, one ``etl.error``) is not imported
again — :class:`ImportFailed` with ``recorded_before`` — until it changes or ``retry_failed``;
other failures (database, network) are retried by the next run.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import psycopg
from psycopg.types.json import Jsonb

from sponsor_pipeline.exports import ExportFormatError
from sponsor_pipeline.validation import InputShapeError, file_snapshot, read_csv_chunks
from sponsor_pipeline.warehouse.events import record_event
from sponsor_pipeline.warehouse.imports.load import (
    Chunks,
    Staged,
    UseStage,
    direct_attempt,
    staged_attempt,
)
from sponsor_pipeline.warehouse.imports.result import (
    ChunkHook,
    ImportFailed,
    ImportResult,
)
from sponsor_pipeline.warehouse.targets import Target

DEFAULT_CHUNK_ROWS = 100_000

# Failures of the bytes themselves: the same checksum would fail the same way, so the content is
# recorded failed once and not read again until it changes or a run asks (``retry_failed``).
CONTENT_ERRORS: tuple[type[BaseException], ...] = (InputShapeError, ExportFormatError)


def import_csv(
    conn: psycopg.Connection,
    path: str | Path,
    target: Target,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    tenant_id: str | None = None,
    after_chunk: ChunkHook | None = None,
    retry_failed: bool = False,
) -> ImportResult:
    """Import one CSV file into ``target`` (see the module docstring for the steps).

    Args:
        conn: a psycopg connection owned by the caller, not inside a transaction.
        path: the CSV file; its absolute path is the ``source_uri``.
        chunk_rows: rows validated and copied at a time (bounds memory).
        tenant_id: the one tenant this file may feed (a tenant's export folder); rows naming
            another tenant are quarantined. None: the file's rows name their tenants.
        after_chunk: called with the chunk number after each chunk is staged (tests inject failures).
        retry_failed: import the file even if the same bytes failed on their content before.

    Raises:
        ImportFailed: the import was rolled back (bad encoding, missing columns, database error...).
    """
    path = Path(path).resolve()
    snapshot = file_snapshot(path)  # the checksum covers exactly the bytes read below
    return import_frames(
        conn,
        lambda: read_csv_chunks(path, chunk_rows, snapshot=snapshot),
        target,
        source_kind="csv",
        source_uri=str(path),
        checksum=snapshot.checksum,
        tenant_id=tenant_id,
        after_chunk=after_chunk,
        retry_failed=retry_failed,
    )


def import_frames(
    conn: psycopg.Connection,
    chunks: Chunks,
    target: Target,
    *,
    source_kind: str,
    source_uri: str,
    checksum: str,
    tenant_id: str | None = None,
    after_chunk: ChunkHook | None = None,
    retry_failed: bool = False,
    dropped: Mapping[str, int] | None = None,
) -> ImportResult:
    """Import string chunks (index = 1-based source row numbers) into ``target``.

    ``chunks`` is called once, inside the transaction, so a generator reading a file streams.
    ``tenant_id`` is the one tenant the source may feed (a worksheet's or an export folder's
    tenant): recorded on ``etl_imports``, and rows naming another tenant are quarantined with
    reason ``tenant_id B outside this source's tenant A`` (issue 11, tenant scope of inputs).
    ``dropped`` counts source entries the parser deliberately did not turn into rows, by reason;
    they are part of ``rows_read``, so rows read = loaded + quarantined + dropped.
    ``retry_failed`` imports content whose earlier import failed on its content (otherwise that
    content is not read again, see :data:`CONTENT_ERRORS`).

    The whole import holds a session advisory lock on the checksum, taken before its ``running``
    row is written, so a ``running`` row whose lock is free belongs to a process that died: it is
    marked failed (``failure_reason = 'interrupted'``, ``etl.error``) before this import goes on.

    Returns an :class:`ImportResult`; raises :class:`ImportFailed` after rolling back, or with
    ``recorded_before`` set (nothing written) when the same content already failed on its content.
    """
    key = (checksum,)
    conn.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", key)  # waits for a concurrent import
    conn.commit()
    try:
        mark_interrupted(conn, source_kind, source_uri, checksum)
        return _import_locked(
            conn, chunks, target, source_kind, source_uri, checksum, tenant_id, after_chunk, retry_failed, dropped
        )
    finally:
        try:
            conn.rollback()
            conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", key)
            conn.commit()
        except psycopg.OperationalError:
            pass  # the connection is gone, and the session lock with it


def mark_interrupted(conn: psycopg.Connection, source_kind: str, source_uri: str, checksum: str) -> list[int]:
    """Mark ``running`` imports of this source (same ``source_uri``, or same kind and checksum) whose
    process died as failed with ``failure_reason = 'interrupted'`` and one ``etl.error`` each.

    The caller holds the advisory lock of ``checksum``, so a running row with that checksum is dead;
    a running row with another checksum is dead when its lock can be taken (and is released at once).
    Returns the import ids marked, committed.
    """
    rows = conn.execute(
        "SELECT import_id, checksum, tenant_id, source_uri FROM etl_imports WHERE status = 'running' "
        "AND (source_uri = %s OR (source_kind = %s AND checksum = %s)) ORDER BY import_id",
        (source_uri, source_kind, checksum),
    ).fetchall()
    conn.commit()
    marked = []
    for import_id, other, tenant, uri in rows:
        if other != checksum:
            free = conn.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (other,)).fetchone()[0]
            if not free:
                conn.commit()
                continue  # a live import of other content of the same source
            conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (other,))
            conn.commit()
        _record_failure(
            conn,
            import_id,
            uri,
            tenant,
            "interrupted: the importing process ended without completing or failing this import "
            "(its advisory lock was free while the row said running); the source is imported again",
            reason="interrupted",
            error_type="Interrupted",
            retried=True,
        )
        marked.append(import_id)
    return marked


def _import_locked(
    conn: psycopg.Connection,
    chunks: Chunks,
    target: Target,
    source_kind: str,
    source_uri: str,
    checksum: str,
    tenant_id: str | None,
    after_chunk: ChunkHook | None,
    retry_failed: bool,
    dropped: Mapping[str, int] | None,
) -> ImportResult:
    previous = _completed_import(conn, source_kind, checksum)
    failed_before = _content_failure(conn, source_kind, checksum)
    conn.commit()
    if previous is not None:
        return ImportResult(source_uri, checksum, "skipped", previous_import_id=previous)
    if failed_before is not None:
        failed_id, error = failed_before
        if not retry_failed:
            raise ImportFailed(source_uri, failed_id, RuntimeError(error or "failed"), recorded_before=True)
        with conn.transaction():
            conn.execute("UPDATE etl_imports SET retried_at = now() WHERE import_id = %s", (failed_id,))

    import_id = conn.execute(
        "INSERT INTO etl_imports (tenant_id, source_kind, source_uri, checksum, status, target_table) "
        "VALUES ((SELECT tenant_id FROM tenants WHERE tenant_id = %s), %s, %s, %s, 'running', %s) RETURNING import_id",
        (tenant_id, source_kind, source_uri, checksum, target.table),
    ).fetchone()[0]
    conn.commit()

    result = ImportResult(source_uri, checksum, "completed", import_id=import_id)
    try:
        with conn.transaction():
            staged = None
            if target.direct_load:
                try:
                    with conn.transaction():  # a savepoint: a failed attempt leaves nothing behind
                        staged = direct_attempt(
                            conn, chunks, target, import_id, source_uri, after_chunk, result, tenant_id
                        )
                except (psycopg.errors.IntegrityError, UseStage):
                    staged = None  # an existing key, a duplicate, a missing show_id, a bad reference
                if staged is None:
                    result = ImportResult(source_uri, checksum, "completed", import_id=import_id)
            if staged is None:
                staged = staged_attempt(conn, chunks, target, import_id, source_uri, after_chunk, result, tenant_id)
            for hook in target.finalize:
                hook(conn, import_id)
            result.tenants = _tenants(conn, import_id, staged)
            result.add_dropped(dropped or {})
            conn.execute(
                "UPDATE etl_imports SET status = 'completed', rows_read = %s, rows_loaded = %s, "
                "rows_quarantined = %s, finished_at = now(), "
                "tenant_id = coalesce(tenant_id, %s) WHERE import_id = %s",
                (
                    result.rows_read,
                    result.rows_loaded,
                    result.rows_quarantined,
                    result.tenants[0] if len(result.tenants) == 1 else None,
                    import_id,
                ),
            )
            _record_counts(conn, result)
            _record_completed(conn, result, target, staged)
    except Exception as err:
        conn.rollback()
        reason = "content" if isinstance(err, CONTENT_ERRORS) else "error"
        _record_failure(conn, import_id, source_uri, tenant_id, str(err), reason=reason, error_type=type(err).__name__)
        raise ImportFailed(source_uri, import_id, err) from err
    return result


def _record_counts(conn: psycopg.Connection, result: ImportResult) -> None:
    """Dropped rows and the rows per reason (dropped and quarantined) on the ``etl_imports`` row."""
    conn.execute(
        "UPDATE etl_imports SET rows_dropped = %s, dropped_reasons = %s, quarantined_reasons = %s WHERE import_id = %s",
        (result.rows_dropped, Jsonb(dict(result.dropped)), Jsonb(dict(result.reasons)), result.import_id),
    )


def _content_failure(conn: psycopg.Connection, source_kind: str, checksum: str) -> tuple[int, str | None] | None:
    """(import_id, error) of an unretried import of this content that failed on its content."""
    row = conn.execute(
        "SELECT import_id, error FROM etl_imports WHERE source_kind = %s AND checksum = %s "
        "AND status = 'failed' AND failure_reason = 'content' AND retried_at IS NULL",
        (source_kind, checksum),
    ).fetchone()
    return (row[0], row[1]) if row else None


def _completed_import(conn: psycopg.Connection, source_kind: str, checksum: str) -> int | None:
    row = conn.execute(
        "SELECT import_id FROM etl_imports WHERE source_kind = %s AND checksum = %s AND status = 'completed'",
        (source_kind, checksum),
    ).fetchone()
    return row[0] if row else None


def _tenants(conn: psycopg.Connection, import_id: int, staged: Staged) -> list[str]:
    """Known tenants with rows in this source: loaded, or quarantined under a known tenant_id."""
    quarantined = conn.execute(
        "SELECT DISTINCT q.tenant_id FROM quarantined_rows q JOIN tenants t USING (tenant_id) WHERE q.import_id = %s",
        (import_id,),
    ).fetchall()
    return sorted(set(staged.rows) | {r[0] for r in quarantined})


def _record_completed(conn: psycopg.Connection, result: ImportResult, target: Target, staged: Staged) -> None:
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
                "rows_dropped": result.rows_dropped,
            },
        )


def _record_failure(
    conn: psycopg.Connection,
    import_id: int,
    source_uri: str,
    tenant_id: str | None,
    error: str,
    *,
    reason: str,
    error_type: str,
    retried: bool = False,
) -> None:
    """Mark the import failed with ``reason`` (``content``, ``error`` or ``interrupted``) and record
    one ``etl.error`` (payload: import_id, source_uri, error, error_type, reason); committed."""
    message = error[:4_000]
    with conn.transaction():
        conn.execute(
            "UPDATE etl_imports SET status = 'failed', error = %s, failure_reason = %s, finished_at = now(), "
            "retried_at = CASE WHEN %s THEN now() END WHERE import_id = %s",
            (message, reason, retried, import_id),
        )
        record_event(
            conn,
            "etl.error",
            tenant_id=tenant_id,
            entity_type="etl_import",
            entity_id=str(import_id),
            dedupe_key=f"etl.error:{import_id}",
            payload={
                "import_id": import_id,
                "source_uri": source_uri,
                "error": message,
                "error_type": error_type,
                "reason": reason,
            },
        )
