"""Owns the lookups assets report beside an import: source files in a landing folder, rows in a table."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
from psycopg import sql


def iter_files(folder: Path, pattern: str) -> Iterator[Path]:
    """Files in ``folder`` matching the glob ``pattern``, sorted by name."""
    return iter(sorted(p for p in folder.glob(pattern) if p.is_file()))


def table_rows(conn: psycopg.Connection, table: str) -> int:
    """``count(*)`` of a table or materialized view named by the caller's code (not by input)."""
    return conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
