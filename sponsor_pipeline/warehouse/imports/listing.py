"""Owns the lookups assets report beside an import: source files in a landing folder, rows in a table."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path, PurePath, PureWindowsPath

import psycopg
from psycopg import sql


def iter_files(folder: Path, pattern: str) -> Iterator[Path]:
    """Files in ``folder`` matching the glob ``pattern``, sorted by name.

    The pattern may descend into sub-folders (``2026/*metrics*.csv``) but never leave ``folder``.

    Raises:
        ValueError: ``pattern`` is absolute or has a ``..`` part, or a match resolves (through a
            symbolic link) outside ``folder``; the message names the pattern and the folder.
    """
    parts = PurePath(pattern).parts
    if not pattern or PurePath(pattern).is_absolute() or PureWindowsPath(pattern).is_absolute() or ".." in parts:
        raise ValueError(f"pattern {pattern!r} must stay inside the folder {folder} (no absolute path, no '..')")
    root = folder.resolve()
    files = sorted(p for p in folder.glob(pattern) if p.is_file())
    outside = [p for p in files if not p.resolve().is_relative_to(root)]
    if outside:
        raise ValueError(f"pattern {pattern!r} matches {outside[0]}, which resolves outside the folder {folder}")
    return iter(files)


def table_rows(conn: psycopg.Connection, table: str) -> int:
    """``count(*)`` of a table or materialized view named by the caller's code (not by input)."""
    return conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
