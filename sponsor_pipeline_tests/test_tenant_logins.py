"""Tenant logins (0008_tenant_logins): every attack of issue 11 run as a real tenant login, connected
with its password over the embedded server's socket, is refused or sees nothing of another tenant.

The attack table of the issue, one parametrized case each:

* the tenant picks its own tenant: ``SET app.tenant_id``, ``SET LOCAL``, ``set_config`` → reads,
  updates and deletes of another tenant's io_bookings, listener_metrics, tenant_metrics_daily, ...
* it becomes another role: ``SET ROLE``, ``SET SESSION AUTHORIZATION``;
* it writes the pipeline's bookkeeping: change_log with ``OVERRIDING SYSTEM VALUE``, events with
  ``dedupe_key 'change_log:<n>'``, a ``completed`` etl_imports row with another tenant's checksum,
  any write to a bookkeeping or computed table, sequences;
* it reaches Dagster's database, creates objects in ``public``, reads ``tenant_roles``.
"""

from __future__ import annotations

import uuid

import psycopg
import pytest
from click.testing import CliRunner
from psycopg import errors, sql

from sponsor_pipeline import cli
from sponsor_pipeline.db import migrate, server
from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.warehouse import tenant_logins
from sponsor_pipeline.warehouse.metrics import refresh_metrics_daily

from .conftest import BUSINESS_TABLES, load_reference, truncate_all
from .test_row_level_security import TENANT_A, TENANT_B, load_two_tenants

# What a tenant login may write: its own deal and reference inputs. Everything else is read-only,
# io_responses too: the pipeline derives it from the attributed redemptions and visits (0020).
EDITABLE = {
    "shows",
    "episodes",
    "advertisers",
    "campaigns",
    "ad_units",
    "io_bookings",
    "audience_profiles",
    "show_topics",
    "show_brand_safety",
    "campaign_brand_safety",
    "campaign_targets",
}
READ_ONLY = [t for t in BUSINESS_TABLES if t not in EDITABLE]
BOOKKEEPING = ("events", "etl_imports", "quarantined_rows", "change_log")


@pytest.fixture(scope="module")
def owner(db_url, tmp_path_factory):
    """The owner's connection to a database with rows of both tenants in every business table."""
    with psycopg.connect(server.libpq_dsn(db_url)) as conn:
        truncate_all(conn)
        load_reference(conn)
        postgres = PostgresResource(database_url=db_url.render_as_string(hide_password=False))
        load_two_tenants(conn, postgres, tmp_path_factory.mktemp("two_tenants"))
        yield conn
        conn.rollback()
        truncate_all(conn)


def _role(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def login_a(owner):
    """(role, password) of tenant A's login; dropped at the end."""
    role, password = _role("tenant_a"), uuid.uuid4().hex
    tenant_logins.grant_tenant_login(owner, TENANT_A, role, password)
    yield role, password
    tenant_logins.revoke_tenant_login(owner, role)


@pytest.fixture(scope="module")
def login_b(owner):
    role, password = _role("tenant_b"), uuid.uuid4().hex
    tenant_logins.grant_tenant_login(owner, TENANT_B, role, password)
    yield role, password
    tenant_logins.revoke_tenant_login(owner, role)


def _connect(db_url, role: str, password: str, database: str | None = None) -> psycopg.Connection:
    url = db_url.set(username=role, password=password)
    if database:
        url = url.set(database=database)
    return psycopg.connect(server.libpq_dsn(url))


@pytest.fixture
def as_a(db_url, login_a):
    """A session of tenant A's login (each test rolls back what it did)."""
    with _connect(db_url, *login_a) as conn:
        yield conn


def _others(conn: psycopg.Connection, table: str) -> int:
    query = sql.SQL("SELECT count(*) FROM {} WHERE tenant_id IS DISTINCT FROM %s").format(sql.Identifier(table))
    return conn.execute(query, (TENANT_A,)).fetchone()[0]


def _own(conn: psycopg.Connection, table: str) -> int:
    query = sql.SQL("SELECT count(*) FROM {} WHERE tenant_id = %s").format(sql.Identifier(table))
    return conn.execute(query, (TENANT_A,)).fetchone()[0]


# --- the login itself -------------------------------------------------------------------------------


def test_a_tenant_login_is_mapped_and_a_member_of_the_group_only(owner, login_a):
    role, _ = login_a
    assert (role, TENANT_A) in tenant_logins.tenant_logins(owner)
    memberships = owner.execute(
        "SELECT g.rolname, m.inherit_option, m.set_option, m.admin_option FROM pg_auth_members m "
        "JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = %s",
        (role,),
    ).fetchall()
    assert memberships == [("sponsor_tenant_login", True, False, False)]
    attributes = owner.execute(
        "SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls "
        "FROM pg_roles WHERE rolname = %s",
        (role,),
    ).fetchone()
    assert attributes == (True, False, False, False, False, False)
    # a SCRAM verifier was stored, never the clear-text password
    stored = owner.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (role,)).fetchone()[0]
    assert stored.startswith("SCRAM-SHA-256$")


def test_a_wrong_password_is_refused(db_url, login_a):
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        _connect(db_url, login_a[0], "not-the-password")


def test_the_login_reads_its_own_rows_in_every_table_and_none_of_another_tenant(as_a):
    for table in BUSINESS_TABLES:
        assert _others(as_a, table) == 0, table
        assert _own(as_a, table) > 0, table
    assert as_a.execute("SELECT count(DISTINCT tenant_id), min(tenant_id) FROM tenant_metrics_daily").fetchone() == (
        1,
        TENANT_A,
    )


# --- attack 1: the tenant picks its own tenant ----------------------------------------------------------

PICK_TENANT = {
    "SET app.tenant_id": "SET app.tenant_id = '{b}'",
    "SET LOCAL app.tenant_id": "SET LOCAL app.tenant_id = '{b}'",
    "set_config(app.tenant_id)": "SELECT set_config('app.tenant_id', '{b}', false)",
}


@pytest.mark.parametrize("statement", PICK_TENANT.values(), ids=PICK_TENANT.keys())
def test_setting_app_tenant_id_reads_nothing_of_the_other_tenant(as_a, statement):
    as_a.execute(statement.format(b=TENANT_B))
    for table in BUSINESS_TABLES:
        assert _others(as_a, table) == 0, table
    view = as_a.execute(
        "SELECT count(*) FILTER (WHERE tenant_id <> %s), count(*) FROM tenant_metrics_daily", (TENANT_A,)
    )
    assert view.fetchone()[0] == 0


@pytest.mark.parametrize("statement", PICK_TENANT.values(), ids=PICK_TENANT.keys())
def test_setting_app_tenant_id_updates_and_deletes_nothing_of_the_other_tenant(owner, as_a, statement):
    as_a.execute(statement.format(b=TENANT_B))
    assert as_a.execute("UPDATE io_bookings SET cpm = 0.01 WHERE tenant_id = %s", (TENANT_B,)).rowcount == 0
    assert as_a.execute("DELETE FROM io_bookings WHERE tenant_id = %s", (TENANT_B,)).rowcount == 0
    assert as_a.execute("UPDATE shows SET title = 'x' WHERE tenant_id = %s", (TENANT_B,)).rowcount == 0
    as_a.rollback()
    # no UPDATE privilege on listener_metrics; tenant_metrics_daily is not updatable at all
    refusals = {
        "listener_metrics": errors.InsufficientPrivilege,
        "tenant_metrics_daily": (errors.InsufficientPrivilege, errors.ObjectNotInPrerequisiteState),
    }
    for table, refused in refusals.items():
        as_a.execute(statement.format(b=TENANT_B))
        with pytest.raises(refused):
            as_a.execute(sql.SQL("UPDATE {} SET downloads = 0").format(sql.Identifier(table)))
        as_a.rollback()
    b_cpm = owner.execute("SELECT sum(cpm) FROM io_bookings WHERE tenant_id = %s", (TENANT_B,)).fetchone()[0]
    assert b_cpm > 1


def test_moving_or_inserting_a_row_into_the_other_tenant_is_refused(as_a):
    as_a.execute(PICK_TENANT["SET app.tenant_id"].format(b=TENANT_B))
    with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
        as_a.execute("UPDATE shows SET tenant_id = %s", (TENANT_B,))
    as_a.rollback()
    with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
        as_a.execute("INSERT INTO advertisers (tenant_id, advertiser_id, name) VALUES (%s, 'adv-x', 'X')", (TENANT_B,))


# --- attack 2: it becomes another role -----------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["sponsor_tenant", "sponsor_tenant_login", "postgres", "login_b"],
)
def test_set_role_to_any_other_role_is_refused(as_a, login_b, target):
    role = login_b[0] if target == "login_b" else target
    with pytest.raises(errors.InsufficientPrivilege, match="permission denied to set role"):
        as_a.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))


@pytest.mark.parametrize("target", ["postgres", "login_b"])
def test_set_session_authorization_is_refused(as_a, login_b, target):
    role = login_b[0] if target == "login_b" else target
    with pytest.raises(errors.InsufficientPrivilege, match="permission denied to set session authorization"):
        as_a.execute(sql.SQL("SET SESSION AUTHORIZATION {}").format(sql.Identifier(role)))


def test_a_login_mistakenly_granted_the_backend_role_stays_inside_its_tenant(owner, db_url, login_a):
    """Defence in depth: were a tenant login ever granted sponsor_tenant (whose policies trust
    app.tenant_id), the restrictive policy keyed on session_user still bounds it to its tenant."""
    role = sql.Identifier(login_a[0])
    owner.execute(sql.SQL("GRANT sponsor_tenant TO {}").format(role))
    owner.commit()
    try:
        with _connect(db_url, *login_a) as conn:
            conn.execute("SET ROLE sponsor_tenant")
            conn.execute("SET app.tenant_id = 'harbor-pods'")
            for table in BUSINESS_TABLES:
                assert _others(conn, table) == 0, table
            assert _others(conn, "tenant_metrics_daily") == 0
            assert conn.execute("UPDATE io_bookings SET cpm = 0.01").rowcount == 0
    finally:
        owner.execute(sql.SQL("REVOKE sponsor_tenant FROM {}").format(role))
        owner.commit()


def test_the_trusted_backend_path_still_selects_a_tenant_per_transaction(owner, db_url):
    role, password = _role("backend"), uuid.uuid4().hex
    verifier = owner.pgconn.encrypt_password(password.encode(), role.encode(), b"scram-sha-256").decode()
    owner.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(verifier)))
    owner.execute(sql.SQL("GRANT sponsor_tenant TO {}").format(sql.Identifier(role)))
    owner.commit()
    try:
        with _connect(db_url, role, password) as conn:
            for tenant in (TENANT_A, TENANT_B):
                with conn.transaction():
                    conn.execute("SELECT set_config('app.tenant_id', %s, true)", (tenant,))  # SET LOCAL
                    seen = conn.execute("SELECT DISTINCT tenant_id FROM io_bookings").fetchall()
                    assert seen == [(tenant,)]
                    assert conn.execute("SELECT count(DISTINCT tenant_id) FROM tenant_metrics_daily").fetchone() == (1,)
            assert conn.execute("SELECT count(*) FROM io_bookings").fetchone() == (0,)  # outside: nothing
    finally:
        owner.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
        owner.commit()


# --- attack 3: it writes the pipeline's bookkeeping ---------------------------------------------------


def test_change_log_row_with_overriding_system_value_is_refused(as_a):
    with pytest.raises(errors.InsufficientPrivilege, match="permission denied for table change_log"):
        as_a.execute(
            "INSERT INTO change_log (change_id, tenant_id, entity_type, entity_id, to_value) "
            "OVERRIDING SYSTEM VALUE VALUES (9223372036854775000, %s, 'io_booking', 'x', 'live')",
            (TENANT_A,),
        )


def test_stealing_change_log_events_is_refused(as_a):
    with pytest.raises(errors.InsufficientPrivilege, match="permission denied for table events"):
        as_a.execute(
            "INSERT INTO events (tenant_id, event_type, dedupe_key) VALUES (%s, 'io.status_changed', 'change_log:1000')",
            (TENANT_A,),
        )


def test_a_completed_import_with_another_tenants_checksum_is_refused(owner, as_a):
    checksum = owner.execute("SELECT checksum FROM etl_imports WHERE tenant_id = %s LIMIT 1", (TENANT_B,)).fetchone()[0]
    with pytest.raises(errors.InsufficientPrivilege, match="permission denied for table etl_imports"):
        as_a.execute(
            "INSERT INTO etl_imports (tenant_id, source_kind, source_uri, checksum, status) "
            "VALUES (%s, 'csv', 'x.csv', %s, 'completed')",
            (TENANT_A, checksum),
        )


WRITES = {
    "INSERT": "INSERT INTO {} DEFAULT VALUES",
    "UPDATE": "UPDATE {} SET tenant_id = tenant_id",
    "DELETE": "DELETE FROM {}",
    "TRUNCATE": "TRUNCATE {}",
}


@pytest.mark.parametrize("verb", WRITES)
@pytest.mark.parametrize("table", READ_ONLY)
def test_every_write_to_a_bookkeeping_or_computed_table_is_refused(as_a, table, verb):
    with pytest.raises(errors.InsufficientPrivilege, match="permission denied"):
        as_a.execute(sql.SQL(WRITES[verb]).format(sql.Identifier(table)))


@pytest.mark.parametrize("table", BOOKKEEPING)
def test_identity_sequences_are_out_of_reach(as_a, table):
    column = (
        "change_id"
        if table == "change_log"
        else {"events": "event_id", "etl_imports": "import_id"}.get(table, "quarantine_id")
    )
    sequence = as_a.execute("SELECT pg_get_serial_sequence(%s, %s)", (table, column)).fetchone()[0]
    with pytest.raises(errors.InsufficientPrivilege, match="permission denied for sequence"):
        as_a.execute("SELECT setval(%s, 9000000000)", (sequence,))
    as_a.rollback()
    with pytest.raises(errors.InsufficientPrivilege, match="permission denied for sequence"):
        as_a.execute("SELECT nextval(%s)", (sequence,))


# --- what a tenant login may write, and that it is still captured ------------------------------------


def test_the_login_changes_its_own_io_and_the_change_is_logged(owner, as_a):
    io_id = as_a.execute("SELECT io_id FROM io_bookings WHERE status <> 'cancelled' LIMIT 1").fetchone()[0]
    before = owner.execute("SELECT coalesce(max(change_id), 0) FROM change_log").fetchone()[0]
    assert as_a.execute("UPDATE io_bookings SET status = 'cancelled' WHERE io_id = %s", (io_id,)).rowcount == 1
    as_a.commit()
    try:
        logged = owner.execute(
            "SELECT tenant_id, entity_id, to_value FROM change_log WHERE change_id > %s", (before,)
        ).fetchall()
        assert logged == [(TENANT_A, io_id, "cancelled")]
    finally:
        owner.rollback()
        owner.execute(
            "UPDATE io_bookings SET status = (SELECT from_value FROM change_log WHERE change_id > %s LIMIT 1) "
            "WHERE tenant_id = %s AND io_id = %s",
            (before, TENANT_A, io_id),
        )
        owner.execute("DELETE FROM change_log WHERE change_id > %s", (before,))
        owner.commit()


# --- attack 4: beyond the warehouse's tables -----------------------------------------------------------


def test_dagsters_database_refuses_tenant_logins(db_url, login_a, monkeypatch):
    monkeypatch.delenv("DAGSTER_PG_URL", raising=False)
    server.dagster_storage_url(db_url)  # creates `dagster` on the test server (CONNECT revoked from PUBLIC)
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        _connect(db_url, *login_a, database=server.DAGSTER_DB)


def test_no_create_in_schema_public(as_a):
    with pytest.raises(errors.InsufficientPrivilege, match="permission denied for schema public"):
        as_a.execute("CREATE TABLE public.shadow_events (id int)")


def test_the_tenant_mapping_is_not_readable(as_a):
    with pytest.raises(errors.InsufficientPrivilege, match="permission denied for table tenant_roles"):
        as_a.execute("SELECT * FROM tenant_roles")


def test_the_materialized_view_is_not_readable_directly(as_a):
    # metrics_daily is a table since 0012; tenants still read it only through tenant_metrics_daily
    with pytest.raises(errors.InsufficientPrivilege, match="permission denied for table metrics_daily"):
        as_a.execute("SELECT count(*) FROM metrics_daily")


# --- grant and revoke ----------------------------------------------------------------------------------


def test_grant_refuses_a_role_with_other_memberships_or_powers(owner):
    role = _role("powerful")
    owner.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    owner.execute(sql.SQL("GRANT sponsor_tenant TO {}").format(sql.Identifier(role)))
    owner.commit()
    try:
        with pytest.raises(tenant_logins.TenantLoginError, match="member of sponsor_tenant"):
            tenant_logins.grant_tenant_login(owner, TENANT_A, role, "pw")
        owner.rollback()
        owner.execute(sql.SQL("REVOKE sponsor_tenant FROM {}").format(sql.Identifier(role)))
        owner.execute(sql.SQL("ALTER ROLE {} CREATEROLE").format(sql.Identifier(role)))
        owner.commit()
        with pytest.raises(tenant_logins.TenantLoginError, match="CREATEROLE"):
            tenant_logins.grant_tenant_login(owner, TENANT_A, role, "pw")
        owner.rollback()
        with pytest.raises(tenant_logins.TenantLoginError, match="connects as"):
            tenant_logins.grant_tenant_login(owner, TENANT_A, "postgres", "pw")
        owner.rollback()
    finally:
        owner.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
        owner.commit()


def test_one_login_serves_one_tenant(owner, login_a):
    with pytest.raises(tenant_logins.TenantLoginError, match="already the login of tenant"):
        tenant_logins.grant_tenant_login(owner, TENANT_B, login_a[0], "pw")
    owner.rollback()


def test_revoke_never_drops_a_role_that_is_not_a_tenant_login(owner):
    with pytest.raises(tenant_logins.TenantLoginError, match="not a tenant login"):
        tenant_logins.revoke_tenant_login(owner, "postgres")
    assert owner.execute("SELECT 1 FROM pg_roles WHERE rolname = 'postgres'").fetchone()


def test_cli_grant_takes_the_password_from_the_environment_or_a_hidden_prompt(owner, db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url.render_as_string(hide_password=False))
    runner = CliRunner()
    role, password = _role("cli"), "s3cret-" + uuid.uuid4().hex
    monkeypatch.setenv("SPONSOR_TENANT_PASSWORD", password)
    granted = runner.invoke(cli.main, ["tenant", "grant", TENANT_B, role])
    assert granted.exit_code == 0, granted.output
    assert password not in granted.output
    with _connect(db_url, role, password) as conn:
        assert conn.execute("SELECT DISTINCT tenant_id FROM campaigns").fetchall() == [(TENANT_B,)]

    monkeypatch.delenv("SPONSOR_TENANT_PASSWORD")
    other = "prompted-" + uuid.uuid4().hex
    reused = runner.invoke(cli.main, ["tenant", "grant", TENANT_B, role], input=f"{other}\n{other}\n")
    assert reused.exit_code == 0, reused.output
    assert other not in reused.output
    assert "reused" in reused.output
    with _connect(db_url, role, other) as conn:
        assert conn.execute("SELECT count(*) FROM campaigns WHERE tenant_id <> %s", (TENANT_B,)).fetchone() == (0,)

    revoked = runner.invoke(cli.main, ["tenant", "revoke", role])
    assert revoked.exit_code == 0, revoked.output
    assert not owner.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    refused = runner.invoke(cli.main, ["tenant", "revoke", role])
    assert refused.exit_code != 0 and "not a tenant login" in refused.output


def test_revoke_ends_the_logins_open_sessions(owner, db_url):
    role, password = _role("revoked"), uuid.uuid4().hex
    tenant_logins.grant_tenant_login(owner, TENANT_A, role, password)
    with _connect(db_url, role, password) as conn:
        conn.execute("SELECT 1")
        conn.commit()
        tenant_logins.revoke_tenant_login(owner, role)
        with pytest.raises(psycopg.OperationalError):
            conn.execute("SELECT count(*) FROM shows")


# --- sql/partitioning recreates listener_metrics and tenant_metrics_daily: the login policies follow ---


def _tenant_a_sees_only_its_metrics(db_url, login) -> None:
    with _connect(db_url, *login) as conn:
        conn.execute(PICK_TENANT["SET app.tenant_id"].format(b=TENANT_B))
        for table in ("listener_metrics", "tenant_metrics_daily"):
            assert _others(conn, table) == 0, table
            assert _own(conn, table) > 0, table


def test_partitioning_and_its_rollback_keep_the_login_policies(server_url):
    url = server_url.set(database=f"sponsor_tl_{uuid.uuid4().hex[:8]}")
    server.ensure_database(url)
    role, password = _role("tenant_a_part"), uuid.uuid4().hex
    try:
        migrate.migrate(url, partitioning=True)
        with psycopg.connect(server.libpq_dsn(url)) as conn:
            load_reference(conn)
            conn.execute(
                "INSERT INTO listener_metrics (tenant_id, day, show_id, source, downloads) "
                "SELECT tenant_id, current_date, show_id, 'acast', 10 FROM shows"
            )
            conn.commit()
            refresh_metrics_daily(conn)
            tenant_logins.grant_tenant_login(conn, TENANT_A, role, password)
            _tenant_a_sees_only_its_metrics(url, (role, password))
            assert migrate.verify(url, partitioning=True) == []

            migrate.rollback(url, 1, partitioning=True)  # back to the plain table
            _tenant_a_sees_only_its_metrics(url, (role, password))
            assert migrate.verify(url, partitioning=False) == []
            tenant_logins.revoke_tenant_login(conn, role)
    finally:
        server.drop_database(url)
