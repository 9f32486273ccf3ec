"""Owns the maintenance of listener_metrics' monthly partitions (sql/partitioning), from Python."""

from __future__ import annotations

import datetime as dt

import psycopg

MONTHS_AHEAD = 12

_ENSURE = "SELECT partition_name, rows_moved FROM ensure_listener_metrics_partitions(%s, %s)"

_PARTITIONED = "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass('listener_metrics'))"


def is_partitioned(conn: psycopg.Connection) -> bool:
    """True when listener_metrics is the partitioned table of ``sql/partitioning``."""
    return bool(conn.execute(_PARTITIONED).fetchone()[0])


def months_ahead(today: dt.date, months: int = MONTHS_AHEAD) -> tuple[dt.date, dt.date]:
    """``(first day of today's month, first day of the month ``months`` later)``: the range the
    monthly maintenance keeps partitioned (both months included)."""
    start = today.replace(day=1)
    index = start.year * 12 + start.month - 1 + months
    return start, dt.date(index // 12, index % 12 + 1, 1)


def ensure_partitions(conn: psycopg.Connection, from_day: dt.date, to_day: dt.date) -> list[tuple[str, int]]:
    """Create the missing monthly partitions of ``[from_day, to_day]`` and commit (the caller's open
    transaction, if any, commits with them).

    Returns ``(partition name, rows moved from the DEFAULT partition)`` per partition created (empty
    when every month exists). Moving rows locks listener_metrics (ACCESS EXCLUSIVE) for the move.

    Raises:
        psycopg.errors.WrongObjectType: listener_metrics is not partitioned.
        psycopg.errors.InvalidParameterValue: ``from_day`` is after ``to_day``.
    """
    created = [(name, int(moved)) for name, moved in conn.execute(_ENSURE, (from_day, to_day)).fetchall()]
    conn.commit()
    return created
