"""Owns writing rows to ``quarantined_rows``: rejects from validation, and rows moved out of the stage.

Every quarantined row keeps its source row number (1-based, header excluded), the column and reason
it failed on, and its raw values, so it can be shown to whoever fixes the source and replayed later.
Counts land in the caller's :class:`ImportResult` (``rows_quarantined`` and ``reasons``).
"""

from __future__ import annotations

from collections import Counter

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from sponsor_pipeline.validation import Reject
from sponsor_pipeline.warehouse.imports.encode import cols
from sponsor_pipeline.warehouse.imports.result import ImportResult
from sponsor_pipeline.warehouse.targets import Target

_QUARANTINE = """
INSERT INTO quarantined_rows (import_id, tenant_id, source_uri, row_number, column_name, reason, raw_row)
VALUES (%s, %s, %s, %s, %s, %s, %s)
"""


def quarantine_rejects(
    conn: psycopg.Connection, import_id: int, source_uri: str, rejects: list[Reject], result: ImportResult
) -> None:
    """Insert the rows that failed validation (one row per reject) and count them in ``result``.

    ``result.reasons`` is keyed by the reason without its ``(got ...)`` tail, cut at 120 characters.
    """
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
    "SELECT %s, bad.tenant_id, %s, bad.source_row, %s, %s || {detail}, to_jsonb(bad) - 'source_row' FROM bad) "
    "SELECT bad.tenant_id, count(*) FROM bad GROUP BY bad.tenant_id"
)


def move_to_quarantine(
    conn: psycopg.Connection,
    condition: sql.Composable,
    column: str,
    reason: str,
    import_id: int,
    source_uri: str,
    result: ImportResult,
    detail: str | None = None,
) -> Counter:
    """Move staged rows matching ``condition`` (SQL over the stage row ``s``) to quarantine, under
    ``column`` and ``reason``, keeping their ``source_row``; returns rows moved per tenant.

    ``detail``: a stage column whose value is appended to each row's reason after a space (the
    promo code that matched nothing); ``result.reasons`` counts by ``reason`` alone."""
    tail = sql.SQL("coalesce(' ' || bad.{}::text, '')").format(sql.Identifier(detail)) if detail else sql.SQL("''")
    moved = Counter(
        dict(
            conn.execute(
                sql.SQL(_MOVE_TO_QUARANTINE).format(cond=condition, detail=tail),
                (import_id, source_uri, column, reason),
            ).fetchall()
        )
    )
    total = sum(moved.values())
    if total:
        result.rows_quarantined += total
        result.reasons[f"{column}: {reason}"] += total
    return moved


def quarantine_duplicates(
    conn: psycopg.Connection, target: Target, import_id: int, source_uri: str, result: ImportResult
) -> Counter:
    """Keep the first row of each key in the stage; later rows with the same key go to quarantine.

    Returns rows moved per tenant.
    """
    condition = sql.SQL(
        "s.source_row IN (SELECT d.source_row FROM (SELECT source_row, row_number() OVER "
        "(PARTITION BY {key} ORDER BY source_row) AS nth FROM import_stage) d WHERE d.nth > 1)"
    ).format(key=cols(target.key))
    reason = "duplicate key in this source (an earlier row has the same key)"
    return move_to_quarantine(conn, condition, ",".join(target.key), reason, import_id, source_uri, result)
