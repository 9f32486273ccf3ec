"""Owns applying, rolling back and verifying the warehouse schema in ``sql/``.

Migrations are ``sql/migrations/NNNN_name.sql`` with their rollback in ``NNNN_name.rollback.sql``, run by
yoyo-migrations, which applies each in its own transaction and records it in ``_yoyo_migration``.
``sql/verify.sql`` lists every object the code needs; :func:`verify` returns what is missing.

Opt-in monthly range partitioning of ``listener_metrics`` lives in its own folder,
``sql/partitioning/`` (checked by ``sql/verify_partitioning.sql``). With ``partitioning`` true (default:
``SPONSOR_PARTITION_LISTENER_METRICS``), it is applied after ``sql/migrations/`` and rolled back before
it: the partitioning migrations always sit on top of the core ones.

The repository's top-level ``sql/`` is installed as the package ``sponsor_pipeline.sql`` (package data,
see setup.py), so a wheel migrates without the source tree; an editable install maps the package to
``sql/`` itself. yoyo reads migrations from a directory path, so the package must be installed as
files (pip, uv, an unpacked wheel), not imported from a zip archive.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import psycopg
from sqlalchemy.engine import URL
from yoyo import get_backend, read_migrations

from sponsor_pipeline.db.server import libpq_dsn
from sponsor_pipeline.settings import partition_listener_metrics


def _package_dir(package: str) -> Path:
    """The directory holding ``package``'s files (``sponsor_pipeline.sql``: the schema).

    Raises:
        RuntimeError: the package is not installed as files on disk (e.g. imported from a zip
            archive); yoyo needs a directory path, and ``importlib.resources.as_file`` extracts
            directories only from Python 3.12 on.
    """
    root = resources.files(package)
    if isinstance(root, Path):
        return root
    raise RuntimeError(f"{package} is not installed as files on disk ({root!r}); install it with pip or uv")


SQL_DIR = _package_dir("sponsor_pipeline.sql")
MIGRATIONS_DIR = SQL_DIR / "migrations"
PARTITIONING_DIR = SQL_DIR / "partitioning"


class SchemaVerificationError(RuntimeError):
    """Raised by :func:`verify` callers when required database objects are missing."""


class PartitioningApplied(RuntimeError):
    """A core migration cannot be rolled back while ``sql/partitioning`` migrations are applied."""


@dataclass(frozen=True)
class MigrationStatus:
    applied: list[str]
    pending: list[str]


def _backend(url: URL):
    # yoyo's psycopg 3 backend; the URL carries the socket directory as ?host=...
    return get_backend(url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False))


def _migrations(sql_dir: Path = SQL_DIR):
    return read_migrations(str(sql_dir / "migrations"))


def _partitioning_migrations(sql_dir: Path = SQL_DIR):
    return read_migrations(str(sql_dir / "partitioning"))


def _partitioning(partitioning: bool | None) -> bool:
    return partition_listener_metrics() if partitioning is None else partitioning


def migrate(url: URL, sql_dir: Path = SQL_DIR, *, partitioning: bool | None = None) -> list[str]:
    """Apply every pending migration; returns the ids applied (empty when up to date).

    With ``partitioning`` (None: ``SPONSOR_PARTITION_LISTENER_METRICS``, default false), the
    ``sql/partitioning`` migrations follow the core ones.
    """
    backend = _backend(url)
    lists = [_migrations(sql_dir)]
    if _partitioning(partitioning):
        lists.append(_partitioning_migrations(sql_dir))
    applied: list[str] = []
    with backend.lock():
        for migrations in lists:
            pending = backend.to_apply(migrations)
            backend.apply_migrations(pending)
            applied += [m.id for m in pending]
    return applied


def rollback(
    url: URL, steps: int | None = 1, sql_dir: Path = SQL_DIR, *, partitioning: bool | None = None
) -> list[str]:
    """Roll back the last ``steps`` applied migrations (all of them when ``steps`` is None).

    Applied ``sql/partitioning`` migrations are the newest and go first. Returns the ids rolled back,
    newest first.

    Raises:
        PartitioningApplied: ``partitioning`` is false (None: the environment) but partitioning
            migrations are applied; undoing a core migration under them would leave their record
            behind. Roll back with ``partitioning=True`` (``--partitioned``).
    """
    backend = _backend(url)
    core = _migrations(sql_dir)
    with backend.lock():
        partitioned = list(backend.to_rollback(_partitioning_migrations(sql_dir)))
        if partitioned and not _partitioning(partitioning):
            raise PartitioningApplied(
                "listener_metrics is partitioned (applied: "
                + ", ".join(m.id for m in partitioned)
                + "); roll back with partitioning on (sponsor-pipeline db rollback --partitioned)"
            )
        applied = partitioned + list(backend.to_rollback(core))
        chosen = applied if steps is None else applied[:steps]
        backend.rollback_migrations(chosen)
    return [m.id for m in chosen]


def status(url: URL, sql_dir: Path = SQL_DIR, *, partitioning: bool | None = None) -> MigrationStatus:
    """Applied and pending migration ids in order (partitioning ones last when ``partitioning``)."""
    backend = _backend(url)
    migrations = list(_migrations(sql_dir))
    if _partitioning(partitioning):
        migrations += list(_partitioning_migrations(sql_dir))
    applied = backend.get_applied_migration_hashes()
    return MigrationStatus(
        applied=[m.id for m in migrations if m.hash in applied],
        pending=[m.id for m in migrations if m.hash not in applied],
    )


def verify(url: URL, sql_dir: Path = SQL_DIR, *, partitioning: bool | None = None) -> list[tuple[str, str, str | None]]:
    """Run ``verify.sql`` (and ``verify_partitioning.sql`` when ``partitioning``); returns
    ``(kind, name, detail)`` for every missing object (empty: all good)."""
    queries = [(sql_dir / "verify.sql").read_text()]
    if _partitioning(partitioning):
        queries.append((sql_dir / "verify_partitioning.sql").read_text())
    with psycopg.connect(libpq_dsn(url)) as conn:
        return [tuple(row) for query in queries for row in conn.execute(query).fetchall()]


def verify_or_raise(url: URL, sql_dir: Path = SQL_DIR, *, partitioning: bool | None = None) -> None:
    """Raise :class:`SchemaVerificationError` listing every missing object."""
    missing = verify(url, sql_dir, partitioning=partitioning)
    if missing:
        listed = ", ".join(f"{kind} {name}" + (f" on {detail}" if detail else "") for kind, name, detail in missing)
        raise SchemaVerificationError(f"schema verification failed; missing: {listed}")
