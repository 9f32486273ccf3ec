"""Owns reading a table's description from PostgreSQL's catalogue: columns, types, comments, keys, rows.

The column descriptions are the ``COMMENT ON COLUMN`` texts of the migrations
(``sql/migrations/0013_column_comments.sql``). The catalogue is read from ``pg_catalog`` rather than
``information_schema``: ``information_schema.columns`` leaves out materialized views (``metrics_daily``)
and has no column comments; ``format_type`` spells types as ``\\d`` does (``numeric(12,2)``,
``timestamp with time zone``).
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

# Tables, partitioned tables, views and materialized views of ``schema``, in column order.
_COLUMNS = """
SELECT a.attname,
       format_type(a.atttypid, a.atttypmod),
       NOT a.attnotnull,
       EXISTS (
           SELECT 1 FROM pg_index i
           WHERE i.indrelid = c.oid AND i.indisunique AND i.indnkeyatts = 1 AND i.indkey[0] = a.attnum
       ),
       col_description(c.oid, a.attnum)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE n.nspname = %(schema)s AND c.relname = %(table)s AND c.relkind IN ('r', 'p', 'v', 'm')
ORDER BY a.attnum
"""


@dataclass(frozen=True)
class Column:
    """One column as the catalogue describes it.

    ``type`` is PostgreSQL's spelling (``bigint``, ``numeric(14,2)``); ``unique`` is true when the
    column alone carries a unique index or the primary key; ``description`` is its comment, if any.
    """

    name: str
    type: str
    nullable: bool
    unique: bool
    description: str | None


@dataclass(frozen=True)
class TableDescription:
    """A table (or view) of the warehouse: ``schema.name``, its columns in order and its row count."""

    schema: str
    name: str
    columns: tuple[Column, ...]
    row_count: int


def columns(conn: psycopg.Connection, table: str, schema: str = "public") -> tuple[Column, ...]:
    """The columns of ``schema.table`` in their table order.

    Raises:
        LookupError: no table, view or materialized view of that name in ``schema``.
    """
    rows = conn.execute(_COLUMNS, {"schema": schema, "table": table}).fetchall()
    if not rows:
        raise LookupError(f"no table {schema}.{table} in the warehouse")
    return tuple(Column(*row) for row in rows)


def row_count(conn: psycopg.Connection, table: str, schema: str = "public") -> int:
    """``SELECT count(*)`` of ``schema.table`` (an exact count, one scan; the identifiers are quoted)."""
    query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, table))
    row = conn.execute(query).fetchone()
    assert row is not None  # count(*) always returns one row
    return int(row[0])


def describe(conn: psycopg.Connection, table: str, schema: str = "public") -> TableDescription:
    """Columns (types, nullability, single-column uniqueness, comments) and row count of ``schema.table``.

    Raises:
        LookupError: no table, view or materialized view of that name in ``schema``.
    """
    return TableDescription(schema, table, columns(conn, table, schema), row_count(conn, table, schema))
