"""Owns the two ways validated rows reach the target table, and the referential checks on the way.

* **Direct**: ``COPY`` straight into the target, for a target with ``direct_load`` whose day range
  holds no row of the source yet (the common case: a new day's export). Any surprise (an existing
  key, a key repeated in the source, a failing referential check) raises, and the caller's savepoint
  undoes the attempt so the stage path runs instead.
* **Stage**: ``COPY`` into the temporary ``import_stage`` with each row's source row number, move the
  rows failing a referential check to quarantine, then ``INSERT`` (fresh range) or ``INSERT ... ON
  CONFLICT DO UPDATE`` (touching only rows whose values differ) into the target.

Referential checks (:class:`~sponsor_pipeline.warehouse.targets.RefCheck`: unknown tenant, episode,
show...) run on the source's distinct reference values, not on every row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import pandas as pd
import psycopg
from psycopg import sql

from sponsor_pipeline.validation import Reject, outside_tenant, prepare_chunk, preset_rejects, split_valid
from sponsor_pipeline.warehouse.imports.encode import cols, copy_rows, create_stage
from sponsor_pipeline.warehouse.imports.prefetch import prefetch
from sponsor_pipeline.warehouse.imports.quarantine import (
    move_to_quarantine,
    quarantine_duplicates,
    quarantine_rejects,
)
from sponsor_pipeline.warehouse.imports.result import ChunkHook, ImportResult
from sponsor_pipeline.warehouse.targets import RefCheck, Target

Chunks = Callable[[], Iterable[pd.DataFrame]]


class UseStage(Exception):
    """A direct load met a row only the stage path can place (quarantine with its row number)."""


@dataclass
class Staged:
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


def _validated(
    chunks: Chunks, target: Target, source_uri: str, tenant_scope: str | None
) -> Iterator[tuple[int, pd.DataFrame, list[Reject]]]:
    for raw in chunks():
        frame = prepare_chunk(raw, target.schema, source_uri)
        valid, rejects = split_valid(frame, target.schema)
        if tenant_scope is not None:
            valid, outside = outside_tenant(valid, frame, tenant_scope)
            rejects = sorted(rejects + outside, key=lambda r: r.row_number)
        valid, marked = preset_rejects(valid, raw)
        if marked:
            rejects = sorted(rejects + marked, key=lambda r: r.row_number)
        yield len(frame), valid, rejects


def direct_attempt(
    conn: psycopg.Connection,
    chunks: Chunks,
    target: Target,
    import_id: int,
    source_uri: str,
    after_chunk: ChunkHook | None,
    result: ImportResult,
    tenant_scope: str | None = None,
) -> Staged | None:
    """COPY validated rows straight into the target when its day range holds no row of the file yet.

    Returns None (nothing written) when the first chunk's range already has rows: the staged upsert
    is then the right path. A later conflict (an existing key, a key repeated in the source, a row
    needing a derived column) raises an IntegrityError, and a row failing a referential check (its
    distinct reference values are collected while streaming and checked at the end) raises
    :class:`UseStage`; either way the caller's savepoint undoes the attempt and the stage path,
    which quarantines with source row numbers, runs instead. With ``tenant_scope``, rows naming
    another tenant are quarantined (:func:`~sponsor_pipeline.validation.outside_tenant`).
    """
    staged = Staged()
    uses = target.ref_columns
    refs: set[tuple] = set()
    for number, (frame_rows, valid, rejects) in enumerate(
        prefetch(_validated(chunks, target, source_uri, tenant_scope))
    ):
        if number == 0:
            first = Staged()
            first.add(valid, target)
            if _range_has_rows(conn, target, first):
                return None
        result.rows_read += frame_rows
        copy_rows(conn, sql.Identifier(target.table), valid, target.columns, import_id=import_id)
        staged.add(valid, target)
        if uses and not valid.empty:
            refs.update(valid[uses].drop_duplicates().astype(object).itertuples(index=False, name=None))
        quarantine_rejects(conn, import_id, source_uri, rejects, result)
        if after_chunk is not None:
            after_chunk(number)
    if target.checks and refs:
        conn.execute(
            sql.SQL("CREATE TEMP TABLE import_refs ON COMMIT DROP AS SELECT {cols} FROM {table} WITH NO DATA").format(
                cols=cols(uses), table=sql.Identifier(target.table)
            )
        )
        with conn.cursor().copy(sql.SQL("COPY import_refs ({}) FROM STDIN").format(cols(uses))) as copy:
            for ref in refs:
                copy.write_row([None if pd.isna(v) else v for v in ref])
        failing = _failing_checks(conn, target)
        if failing:
            raise UseStage(failing[0].reason)
    result.rows_loaded = result.rows_changed = staged.total
    result.load_path = "copy"
    return staged


def staged_attempt(
    conn: psycopg.Connection,
    chunks: Chunks,
    target: Target,
    import_id: int,
    source_uri: str,
    after_chunk: ChunkHook | None,
    result: ImportResult,
    tenant_scope: str | None = None,
) -> Staged:
    """Stage every valid row, quarantine what fails referential checks, then insert or upsert.

    Fills ``result`` (rows read, loaded, changed, quarantined, load path) and returns what stayed in
    the stage per tenant. Raises psycopg errors other than the key conflicts it resolves itself.
    """
    create_stage(conn, target)
    staged = Staged()
    for number, (frame_rows, valid, rejects) in enumerate(
        prefetch(_validated(chunks, target, source_uri, tenant_scope))
    ):
        result.rows_read += frame_rows
        copy_rows(conn, sql.Identifier("import_stage"), valid, target.columns, source_row=True)
        staged.add(valid, target)
        quarantine_rejects(conn, import_id, source_uri, rejects, result)
        if after_chunk is not None:
            after_chunk(number)
    moved = _quarantine_staged(conn, target, import_id, source_uri, result)
    staged.remove(moved)
    for statement in target.prepare:
        conn.execute(statement)
    result.rows_loaded, result.rows_changed = _load(conn, target, import_id, source_uri, staged, result)
    return staged


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
            cols=cols(target.ref_columns)
        )
    )
    for check in _failing_checks(conn, target):
        moved += move_to_quarantine(
            conn,
            sql.SQL(check.condition),
            check.column,
            check.reason,
            import_id,
            source_uri,
            result,
            detail=check.detail,
        )
    return moved


def _failing_checks(conn: psycopg.Connection, target: Target) -> list[RefCheck]:
    """The target's referential checks that some row of ``import_refs`` (the source's distinct
    reference values) fails; drops ``import_refs``."""
    failing = [
        check
        for check in target.checks
        if conn.execute(
            sql.SQL("SELECT EXISTS (SELECT 1 FROM import_refs s WHERE {cond})").format(cond=sql.SQL(check.condition))
        ).fetchone()[0]
    ]
    conn.execute("DROP TABLE import_refs")
    return failing


_RANGE_HAS_ROWS = "SELECT EXISTS (SELECT 1 FROM {table} WHERE tenant_id = %s AND {col} BETWEEN %s AND %s)"


def _range_has_rows(conn: psycopg.Connection, target: Target, staged: Staged) -> bool:
    """True when the target holds a row of any tenant within that tenant's range in ``staged``."""
    statement = sql.SQL(_RANGE_HAS_ROWS).format(
        table=sql.Identifier(target.table), col=sql.Identifier(target.range_column)
    )
    return any(
        conn.execute(statement, (tenant, low, high)).fetchone()[0] for tenant, (low, high) in staged.ranges.items()
    )


def _load(
    conn: psycopg.Connection,
    target: Target,
    import_id: int,
    source_uri: str,
    staged: Staged,
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
            staged.remove(quarantine_duplicates(conn, target, import_id, source_uri, result))
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
    values = cols(target.columns, "s") + (
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
                old=cols(updatable, target.table),
                new=sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(sql.Identifier(c)) for c in updatable),
            )
        else:
            action = sql.SQL("DO NOTHING")
        conflict = sql.SQL(" ON CONFLICT {target} {action}").format(target=sql.SQL(target.conflict), action=action)
    return conn.execute(
        sql.SQL("INSERT INTO {table} AS {table} ({cols}) SELECT {vals} FROM import_stage s{conflict}").format(
            table=sql.Identifier(target.table), cols=cols(columns), vals=values, conflict=conflict
        )
    ).rowcount
