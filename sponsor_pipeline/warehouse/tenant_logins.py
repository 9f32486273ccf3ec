"""Owns per-tenant database logins: creating, reusing and dropping a login role for one tenant.

No Dagster here: ``sponsor-pipeline tenant grant|revoke`` (``sponsor_pipeline/cli.py``) calls these with
a connection of the schema owner (a role with CREATEROLE, or a superuser).

A tenant login (migration ``0008_tenant_logins``) is a LOGIN role that

* is mapped to exactly one tenant in ``tenant_roles``; row-level security resolves the tenant from
  the session's authenticated role (``session_user``), so ``SET app.tenant_id``, ``set_config``,
  ``SET ROLE`` and ``SET SESSION AUTHORIZATION`` do not change what it sees;
* is a member of ``sponsor_tenant_login`` WITH INHERIT TRUE, SET FALSE (PostgreSQL 16+: it holds the
  group's privileges but cannot act as the group) and of no other role: :func:`grant_tenant_login` refuses to
  reuse a role that is a member of anything else, or that has any of SUPERUSER, CREATEDB,
  CREATEROLE, REPLICATION or BYPASSRLS;
* cannot connect to Dagster's database (:func:`restrict_dagster_database` revokes CONNECT from PUBLIC
  there).

Passwords are sent as a SCRAM-SHA-256 verifier computed on the client (libpq
``PQencryptPasswordConn``), so the clear text reaches neither the server nor its statement log.
Identifiers are composed with :class:`psycopg.sql.Identifier`; utility statements (CREATE/ALTER ROLE)
take no bind parameters, so the verifier is passed as a :class:`psycopg.sql.Literal`.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

GROUP_ROLE = "sponsor_tenant_login"

# Role attributes a tenant login must not carry (pg_roles column → attribute name).
_FORBIDDEN_ATTRIBUTES = {
    "rolsuper": "SUPERUSER",
    "rolcreatedb": "CREATEDB",
    "rolcreaterole": "CREATEROLE",
    "rolreplication": "REPLICATION",
    "rolbypassrls": "BYPASSRLS",
}


class TenantLoginError(RuntimeError):
    """The role cannot be made (or removed as) a tenant login; the message says why."""


@dataclass(frozen=True)
class TenantLogin:
    role_name: str
    tenant_id: str
    created: bool  # False: an existing role was reused (its password replaced)


def grant_tenant_login(conn: psycopg.Connection, tenant_id: str, role_name: str, password: str) -> TenantLogin:
    """Create (or reuse) ``role_name`` as the login of ``tenant_id`` with ``password``; commits.

    Raises:
        TenantLoginError: unknown tenant; empty password; the role is already the login of another
            tenant; an existing role has a forbidden attribute or other role memberships, or is the
            connection's own role.
    """
    if not password:
        raise TenantLoginError("an empty password is not allowed")
    if not conn.execute("SELECT 1 FROM tenants WHERE tenant_id = %s", (tenant_id,)).fetchone():
        raise TenantLoginError(f"unknown tenant {tenant_id!r}")
    mapped = conn.execute("SELECT tenant_id FROM tenant_roles WHERE role_name = %s", (role_name,)).fetchone()
    if mapped and mapped[0] != tenant_id:
        raise TenantLoginError(f"role {role_name!r} is already the login of tenant {mapped[0]!r}")
    if role_name == conn.execute("SELECT session_user::text").fetchone()[0]:
        raise TenantLoginError(f"role {role_name!r} is the role this command connects as")

    existing = conn.execute(
        "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = %s",
        (role_name,),
    ).fetchone()
    role = sql.Identifier(role_name)
    verifier = conn.pgconn.encrypt_password(password.encode(), role_name.encode(), b"scram-sha-256").decode()
    if existing:
        attributes = [name for name, flag in zip(_FORBIDDEN_ATTRIBUTES.values(), existing, strict=True) if flag]
        if attributes:
            raise TenantLoginError(f"role {role_name!r} has {', '.join(attributes)}; a tenant login may have none")
        others = _memberships(conn, role_name) - {GROUP_ROLE}
        if others:
            raise TenantLoginError(
                f"role {role_name!r} is a member of {', '.join(sorted(others))}; a tenant login may be a "
                f"member of {GROUP_ROLE} only (REVOKE those first)"
            )
        conn.execute(sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(role, sql.Literal(verifier)))
    else:
        conn.execute(
            sql.SQL(
                "CREATE ROLE {} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS "
                "INHERIT PASSWORD {}"
            ).format(role, sql.Literal(verifier))
        )
    group = sql.Identifier(GROUP_ROLE)
    if conn.info.server_version >= 160000:
        # Re-granting replaces the options of an existing membership.
        conn.execute(sql.SQL("GRANT {} TO {} WITH INHERIT TRUE, SET FALSE, ADMIN FALSE").format(group, role))
    else:  # PostgreSQL 15: no per-grant SET option; SET ROLE to the group gains nothing (policies key on session_user)
        conn.execute(sql.SQL("GRANT {} TO {}").format(group, role))
    conn.execute(
        "INSERT INTO tenant_roles (role_name, tenant_id) VALUES (%s, %s) ON CONFLICT (role_name) DO NOTHING",
        (role_name, tenant_id),
    )
    restrict_dagster_database(conn)
    conn.commit()
    return TenantLogin(role_name=role_name, tenant_id=tenant_id, created=existing is None)


def revoke_tenant_login(conn: psycopg.Connection, role_name: str) -> str:
    """Drop the tenant login ``role_name`` and end its open sessions; returns its tenant; commits.

    Raises:
        TenantLoginError: ``role_name`` is not a tenant login of this database (nothing is dropped:
            the command never drops a role it did not make a tenant login).
    """
    mapped = conn.execute("DELETE FROM tenant_roles WHERE role_name = %s RETURNING tenant_id", (role_name,)).fetchone()
    if not mapped:
        conn.rollback()
        raise TenantLoginError(f"role {role_name!r} is not a tenant login of this database")
    role = sql.Identifier(role_name)
    if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role_name,)).fetchone():
        conn.execute(sql.SQL("ALTER ROLE {} WITH NOLOGIN").format(role))
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s AND pid <> pg_backend_pid()",
            (role_name,),
        )
        conn.execute(sql.SQL("DROP ROLE {}").format(role))
    conn.commit()
    return mapped[0]


def restrict_dagster_database(conn: psycopg.Connection, database: str = "dagster") -> bool:
    """``REVOKE CONNECT ON DATABASE <database> FROM PUBLIC`` when it exists on this server (its
    owner and superusers still connect). Returns whether the database exists. Does not commit."""
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone():
        return False
    conn.execute(sql.SQL("REVOKE CONNECT ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database)))
    return True


def tenant_logins(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """``(role_name, tenant_id)`` of every tenant login, by role name."""
    return [tuple(row) for row in conn.execute("SELECT role_name, tenant_id FROM tenant_roles ORDER BY role_name")]


def _memberships(conn: psycopg.Connection, role_name: str) -> set[str]:
    """Roles ``role_name`` is a direct member of."""
    rows = conn.execute(
        "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
        "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = %s",
        (role_name,),
    ).fetchall()
    return {row[0] for row in rows}
