"""Owns the one PostgreSQL resource: a SQLAlchemy engine over psycopg 3 for the warehouse."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import psycopg
import sqlalchemy as sa
from pydantic import PrivateAttr

from sponsor_pipeline.db import server


class PostgresResource(dg.ConfigurableResource):
    """The warehouse database.

    ``database_url`` is a SQLAlchemy/libpq URL (``postgresql://user:pass@host:5432/db``); when empty,
    ``DATABASE_URL`` is used, and without it the embedded PostgreSQL in the state folder is started,
    except with ``SPONSOR_ENV=production``: then a missing URL raises
    :class:`~sponsor_pipeline.db.server.DatabaseUrlRequired` when the resource is set up.
    Connections use psycopg 3 (``COPY`` for bulk loads); pandas reads go through :attr:`engine`.
    """

    database_url: str | None = None

    _engine: sa.Engine | None = PrivateAttr(default=None)

    def _url(self) -> sa.URL:
        if self.database_url:
            return server.normalise_url(self.database_url)
        if not os.environ.get("DATABASE_URL"):
            server.refuse_embedded_in_production()
        return server.warehouse_url()

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            self._engine = sa.create_engine(self._url(), pool_pre_ping=True, pool_size=2, max_overflow=2)
        return self._engine

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:  # noqa: ARG002
        self.engine  # noqa: B018 - resolve the URL (and start the embedded server) once per run

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:  # noqa: ARG002
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    @contextmanager
    def connect(self) -> Iterator[psycopg.Connection]:
        """A pooled psycopg 3 connection, outside any transaction; closed back to the pool on exit."""
        raw = self.engine.raw_connection()
        try:
            conn: psycopg.Connection = raw.driver_connection  # type: ignore[assignment]
            conn.rollback()
            yield conn
            conn.rollback()
        finally:
            raw.close()
