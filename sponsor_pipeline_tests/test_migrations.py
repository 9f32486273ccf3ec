"""Schema: migrations up → rollback → up, verify accepts the result and catches what is missing."""

import psycopg
import pytest

from sponsor_pipeline.db import migrate, server


@pytest.fixture
def scratch_url(server_url):
    url = server_url.set(database="sponsor_test_migrations")
    server.drop_database(url)
    server.ensure_database(url)
    yield url
    server.drop_database(url)


def test_up_rollback_up_leaves_a_verified_schema(scratch_url):
    applied = migrate.migrate(scratch_url)
    assert applied[:2] == ["0001_core_schema", "0002_audience_profiles"]
    assert migrate.verify(scratch_url) == []
    assert migrate.migrate(scratch_url) == []  # nothing pending the second time

    undone = migrate.rollback(scratch_url, steps=None)
    assert undone == list(reversed(applied))
    missing = migrate.verify(scratch_url)
    assert ("table", "metrics_daily", None) in missing
    assert ("table", "listener_metrics", None) in missing

    assert migrate.migrate(scratch_url) == applied
    assert migrate.verify(scratch_url) == []
    assert migrate.status(scratch_url).pending == []


def test_migrations_are_idempotent_sql(scratch_url):
    """Each migration's SQL runs again on a schema that already has its objects."""
    migrate.migrate(scratch_url)
    with psycopg.connect(server.libpq_dsn(scratch_url)) as conn:
        for path in sorted(migrate.MIGRATIONS_DIR.glob("*.sql")):
            if not path.name.endswith(".rollback.sql"):
                conn.execute(path.read_text())
        conn.commit()
    assert migrate.verify(scratch_url) == []


def _relations(conn: psycopg.Connection) -> set[str]:
    """Tables, views and materialized views in ``public``, less yoyo's own bookkeeping tables."""
    rows = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') AND c.relname NOT LIKE %s",
        ("%yoyo%",),
    ).fetchall()
    return {name for (name,) in rows}


def test_rollbacks_are_idempotent_sql(scratch_url):
    """A full rollback removes every relation the migrations made and marks them all pending;
    each rollback script then runs again as a no-op, and the migrations re-apply the same schema."""
    applied = migrate.migrate(scratch_url)
    with psycopg.connect(server.libpq_dsn(scratch_url)) as conn:
        created = _relations(conn)
    assert {"listener_metrics", "io_bookings", "change_log", "metrics_daily"} <= created

    assert migrate.rollback(scratch_url, steps=None) == list(reversed(applied))
    assert migrate.status(scratch_url).applied == []
    assert migrate.status(scratch_url).pending == applied
    with psycopg.connect(server.libpq_dsn(scratch_url)) as conn:
        assert _relations(conn) == set()
        for path in sorted(migrate.MIGRATIONS_DIR.glob("*.rollback.sql"), reverse=True):
            conn.execute(path.read_text())
        conn.commit()
        assert _relations(conn) == set()
    assert ("table", "listener_metrics", None) in migrate.verify(scratch_url)

    assert migrate.migrate(scratch_url) == applied
    assert migrate.verify(scratch_url) == []
    assert migrate.status(scratch_url).pending == []
    with psycopg.connect(server.libpq_dsn(scratch_url)) as conn:
        assert _relations(conn) == created


def test_verify_names_a_dropped_unique_index_and_policy(scratch_url):
    migrate.migrate(scratch_url)
    with psycopg.connect(server.libpq_dsn(scratch_url)) as conn:
        conn.execute("DROP INDEX ux_metrics_daily_day_ep_source")
        conn.execute("DROP POLICY tenant_isolation ON io_bookings")
        conn.commit()
    missing = migrate.verify(scratch_url)
    assert ("unique_index", "ux_metrics_daily_day_ep_source", "metrics_daily") in missing
    assert ("rls", "io_bookings", None) in missing
    with pytest.raises(migrate.SchemaVerificationError, match="ux_metrics_daily_day_ep_source"):
        migrate.verify_or_raise(scratch_url)
