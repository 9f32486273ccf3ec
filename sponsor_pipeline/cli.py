"""Owns the ``sponsor-pipeline`` command: ``db migrate|rollback|verify|status|url``, ``tenant grant|revoke|list``
and ``dev``.

The demo runs from a source checkout (``make demo``, ``sponsor_pipeline_dev.demo``): it needs ``samples/``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import click
from dotenv import load_dotenv

from sponsor_pipeline.db import migrate as migrations
from sponsor_pipeline.db import server


def _warehouse(keep_running: bool = False):
    try:
        if not os.environ.get("DATABASE_URL"):
            server.embedded_server_url(keep_running=keep_running)
        return server.warehouse_url()
    except server.DatabaseUrlRequired as err:  # SPONSOR_ENV=production: one clear line, no traceback
        raise click.ClickException(str(err)) from err


@click.group()
def main() -> None:
    """Podcast sponsorship tracker: a Dagster asset graph over PostgreSQL.

    Without DATABASE_URL, an embedded PostgreSQL is started in the state folder (.state/).
    Variables in the project's .env file apply unless already set in the environment.
    """
    from sponsor_pipeline.settings import PROJECT_ROOT

    load_dotenv(PROJECT_ROOT / ".env", override=False)


@main.group()
def db() -> None:
    """Warehouse schema: migrations in sql/migrations, checks in sql/verify.sql."""


# Opt-in monthly partitioning of listener_metrics (sql/partitioning); unset: the environment's
# SPONSOR_PARTITION_LISTENER_METRICS (default false) decides.
_partitioned_option = click.option(
    "--partitioned/--not-partitioned",
    "partitioned",
    default=None,
    help="Include sql/partitioning (listener_metrics range-partitioned by month). "
    "Default: SPONSOR_PARTITION_LISTENER_METRICS (false).",
)


@db.command("migrate")
@_partitioned_option
def db_migrate(partitioned: bool | None) -> None:
    """Apply pending migrations, then verify the schema."""
    url = _warehouse()
    applied = migrations.migrate(url, partitioning=partitioned)
    click.echo(f"applied: {', '.join(applied) if applied else 'nothing (up to date)'}")
    migrations.verify_or_raise(url, partitioning=partitioned)
    click.echo("verify: ok")


@db.command("rollback")
@click.option("--steps", default=1, show_default=True, help="How many migrations to undo.")
@click.option("--all", "undo_all", is_flag=True, help="Undo every applied migration.")
@_partitioned_option
def db_rollback(steps: int, undo_all: bool, partitioned: bool | None) -> None:
    """Roll back the most recent migration(s) with their .rollback.sql."""
    try:
        undone = migrations.rollback(_warehouse(), None if undo_all else steps, partitioning=partitioned)
    except migrations.PartitioningApplied as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"rolled back: {', '.join(undone) if undone else 'nothing'}")


@db.command("verify")
@_partitioned_option
def db_verify(partitioned: bool | None) -> None:
    """Run sql/verify.sql (and sql/verify_partitioning.sql); exits 1 listing every missing object."""
    missing = migrations.verify(_warehouse(), partitioning=partitioned)
    if missing:
        for kind, name, detail in missing:
            click.echo(f"MISSING {kind} {name}" + (f" on {detail}" if detail else ""), err=True)
        sys.exit(1)
    click.echo("verify: ok (every required object present)")


@db.command("status")
@_partitioned_option
def db_status(partitioned: bool | None) -> None:
    """List applied and pending migrations."""
    state = migrations.status(_warehouse(), partitioning=partitioned)
    for name in state.applied:
        click.echo(f"applied  {name}")
    for name in state.pending:
        click.echo(f"pending  {name}")


@db.command("url")
def db_url() -> None:
    """Print the warehouse URL (password hidden)."""
    click.echo(_warehouse().render_as_string(hide_password=True))


@main.group()
def tenant() -> None:
    """Per-tenant database logins: each sees only its own tenant's rows, whatever it SETs.

    Run as the schema owner (a role with CREATEROLE). See README, "Tenant logins".
    """


@tenant.command("grant")
@click.argument("tenant_id")
@click.argument("role_name")
@click.option(
    "--password-env",
    default="SPONSOR_TENANT_PASSWORD",
    show_default=True,
    help="Environment variable holding the password; when unset, the password is prompted for (not echoed).",
)
def tenant_grant(tenant_id: str, role_name: str, password_env: str) -> None:
    """Create (or reuse) ROLE_NAME as the database login of TENANT_ID."""
    import psycopg

    from sponsor_pipeline.warehouse import tenant_logins

    password = os.environ.get(password_env) or click.prompt(
        f"Password for {role_name}", hide_input=True, confirmation_prompt=True
    )
    with psycopg.connect(server.libpq_dsn(_warehouse())) as conn:
        try:
            login = tenant_logins.grant_tenant_login(conn, tenant_id, role_name, password)
        except tenant_logins.TenantLoginError as err:
            raise click.ClickException(str(err)) from err
    verb = "created" if login.created else "reused (password replaced)"
    click.echo(f"tenant login {login.role_name} for {login.tenant_id}: {verb}")


@tenant.command("revoke")
@click.argument("role_name")
def tenant_revoke(role_name: str) -> None:
    """Drop the tenant login ROLE_NAME and end its open sessions."""
    import psycopg

    from sponsor_pipeline.warehouse import tenant_logins

    with psycopg.connect(server.libpq_dsn(_warehouse())) as conn:
        try:
            tenant_id = tenant_logins.revoke_tenant_login(conn, role_name)
        except tenant_logins.TenantLoginError as err:
            raise click.ClickException(str(err)) from err
    click.echo(f"tenant login {role_name} of {tenant_id}: dropped")


@tenant.command("list")
def tenant_list() -> None:
    """List tenant logins and their tenants."""
    import psycopg

    from sponsor_pipeline.warehouse import tenant_logins

    with psycopg.connect(server.libpq_dsn(_warehouse())) as conn:
        for role_name, tenant_id in tenant_logins.tenant_logins(conn):
            click.echo(f"{role_name}\t{tenant_id}")


DEFAULT_DEV_HOST = "127.0.0.1"
# After forwarding a stop signal, how long `dagster dev` and its children get before SIGKILL.
DEV_STOP_GRACE_SECONDS = 20


def dagster_dev_command(workspace: str, host: str, port: int) -> list[str]:
    """The ``dagster dev`` command line ``sponsor-pipeline dev`` runs."""
    return [sys.executable, "-m", "dagster", "dev", "-w", workspace, "-h", host, "-p", str(port)]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a member runs as another user: still alive
        return True
    return True


def _stop_group(proc: subprocess.Popen, signum: int) -> int:
    """Send ``signum`` to the process group of ``proc`` (``dagster dev``, its webserver, daemon and
    code servers), wait up to :data:`DEV_STOP_GRACE_SECONDS`, then SIGKILL whatever is left of the
    group; returns the exit code of ``proc``."""
    pgid = proc.pid  # started with start_new_session: the group id is its pid
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)
    deadline = time.monotonic() + DEV_STOP_GRACE_SECONDS
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=DEV_STOP_GRACE_SECONDS)
    while _group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if _group_alive(pgid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
    return proc.wait()


class _Stop(Exception):
    """A stop signal (SIGINT, SIGTERM, SIGHUP) received by ``sponsor-pipeline dev``."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_stop(signum, frame):  # noqa: ARG001
    raise _Stop(signum)


@main.command()
@click.option("--port", default=3000, show_default=True)
@click.option(
    "--host",
    default=DEFAULT_DEV_HOST,
    envvar="SPONSOR_DEV_HOST",
    show_default=True,
    help="Address the UI listens on (env SPONSOR_DEV_HOST). The UI has no login: only set 0.0.0.0 "
    "(every interface) deliberately, on a trusted network.",
)
def dev(port: int, host: str) -> None:
    """The Dagster UI and daemon (dagster dev -w workspace.yaml) on the same PostgreSQL.

    Ctrl-C (SIGINT) or SIGTERM stops dagster dev with its webserver, daemon and code servers (the
    whole process group), then the embedded PostgreSQL this command started.
    """
    from sponsor_pipeline.instance import prepare_dagster_home
    from sponsor_pipeline.settings import PROJECT_ROOT

    url = _warehouse(keep_running=False)
    migrations.migrate(url)
    migrations.verify_or_raise(url)
    prepare_dagster_home(url)
    env = dict(os.environ, DATABASE_URL=url.render_as_string(hide_password=False))
    click.echo(f"warehouse: {url.render_as_string(hide_password=True)}")
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"Dagster UI on http://{shown}:{port}  (Ctrl-C stops it and the embedded PostgreSQL)")
    if host != DEFAULT_DEV_HOST:
        click.echo(f"warning: the UI (no login) listens on {host}, not only on {DEFAULT_DEV_HOST}", err=True)
    cmd = dagster_dev_command(str(PROJECT_ROOT / "workspace.yaml"), host, port)
    # Run from DAGSTER_HOME so only its dagster.yaml is in sight. dagster dev gets a process group of
    # its own, so a stop signal reaches every process it started (webserver, daemon, code servers,
    # runs) and nothing is left orphaned; the embedded PostgreSQL is stopped when this process exits.
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    signal.signal(signal.SIGHUP, _raise_stop)
    proc = subprocess.Popen(cmd, env=env, cwd=os.environ["DAGSTER_HOME"], start_new_session=True)
    try:
        code = proc.wait()
    except _Stop as stop:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):  # one stop at a time
            signal.signal(signum, signal.SIG_IGN)
        code = _stop_group(proc, stop.signum)
        code = 0 if code in (0, -stop.signum, 128 + stop.signum) else code
    finally:
        if _group_alive(proc.pid):  # dagster dev exited on its own but left children behind
            _stop_group(proc, signal.SIGTERM)
    sys.exit(code)


if __name__ == "__main__":
    main()
