"""Owns applying, rolling back and verifying the warehouse schema in ``sql/``.

Migrations are ``sql/migrations/NNNN_name.sql`` with their rollback in ``NNNN_name.rollback.sql``, run by
yoyo-migrations, which applies each in its own transaction and records it in ``_yoyo_migration``.
``sql/verify.sql`` lists every object the code needs; :func:`verify` returns what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy.engine import URL
from yoyo import get_backend, read_migrations

from sponsor_pipeline.db.server import libpq_dsn
from sponsor_pipeline.settings import PROJECT_ROOT

SQL_DIR = PROJECT_ROOT / "sql"
MIGRATIONS_DIR = SQL_DIR / "migrations"


class SchemaVerificationError(RuntimeError):
    """Raised by :func:`verify` callers when required database objects are missing."""


@dataclass(frozen=True)
class MigrationStatus:
    applied: list[str]
    pending: list[str]


def _backend(url: URL):
    # yoyo's psycopg 3 backend; the URL carries the socket directory as ?host=...
    return get_backend(url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False))


def _migrations(sql_dir: Path = SQL_DIR):
    return read_migrations(str(sql_dir / "migrations"))


def migrate(url: URL, sql_dir: Path = SQL_DIR) -> list[str]:
    """Apply every pending migration; returns the ids applied (empty when up to date)."""
    backend = _backend(url)
    migrations = _migrations(sql_dir)
    with backend.lock():
        pending = backend.to_apply(migrations)
        backend.apply_migrations(pending)
    return [m.id for m in pending]


def rollback(url: URL, steps: int | None = 1, sql_dir: Path = SQL_DIR) -> list[str]:
    """Roll back the last ``steps`` applied migrations (all of them when ``steps`` is None).

    Returns the ids rolled back, newest first.
    """
    backend = _backend(url)
    migrations = _migrations(sql_dir)
    with backend.lock():
        applied = backend.to_rollback(migrations)
        chosen = applied if steps is None else applied[:steps]
        backend.rollback_migrations(chosen)
    return [m.id for m in chosen]


def status(url: URL, sql_dir: Path = SQL_DIR) -> MigrationStatus:
    backend = _backend(url)
    migrations = _migrations(sql_dir)
    pending = {m.id for m in backend.to_apply(migrations)}
    return MigrationStatus(
        applied=[m.id for m in migrations if m.id not in pending],
        pending=[m.id for m in migrations if m.id in pending],
    )


def verify(url: URL, sql_dir: Path = SQL_DIR) -> list[tuple[str, str, str | None]]:
    """Run ``verify.sql``; returns ``(kind, name, detail)`` for every missing object (empty: all good)."""
    query = (sql_dir / "verify.sql").read_text()
    with psycopg.connect(libpq_dsn(url)) as conn:
        return [tuple(row) for row in conn.execute(query).fetchall()]


def verify_or_raise(url: URL, sql_dir: Path = SQL_DIR) -> None:
    """Raise :class:`SchemaVerificationError` listing every missing object."""
    missing = verify(url, sql_dir)
    if missing:
        listed = ", ".join(f"{kind} {name}" + (f" on {detail}" if detail else "") for kind, name, detail in missing)
        raise SchemaVerificationError(f"schema verification failed; missing: {listed}")
