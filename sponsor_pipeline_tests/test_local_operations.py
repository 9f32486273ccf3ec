"""Local operations: ``sponsor-pipeline dev`` listens on 127.0.0.1 unless told otherwise and leaves no
process behind after SIGTERM; the local dagster.yaml enables run monitoring, so a dead run never
blocks the run queue for long."""

from __future__ import annotations

import copy
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil
import pytest
import yaml
from dagster._config import validate_config
from dagster._core.instance.config import dagster_instance_config_schema
from dagster._core.run_coordinator import QueuedRunCoordinator

from sponsor_pipeline import cli
from sponsor_pipeline.db import server
from sponsor_pipeline.instance import DAGSTER_YAML


@pytest.fixture
def local_yaml() -> dict:
    return yaml.safe_load(DAGSTER_YAML.read_text())


def test_local_instance_file_matches_dagsters_instance_schema(local_yaml):
    result = validate_config(dagster_instance_config_schema(), local_yaml)
    assert result.success, [e.message for e in result.errors or []]
    coordinator = local_yaml["run_coordinator"]
    assert coordinator["class"] == "QueuedRunCoordinator"
    assert validate_config(QueuedRunCoordinator.config_type(), coordinator["config"]).success


def test_run_monitoring_is_on_and_bounds_a_dead_run(local_yaml, tmp_path, monkeypatch):
    monitoring = local_yaml["run_monitoring"]
    assert monitoring["enabled"] is True
    assert 0 < monitoring["max_runtime_seconds"] <= 4 * 3600  # a dead STARTED run frees its slot within hours
    assert 0 < monitoring["start_timeout_seconds"] <= 600
    assert 0 < monitoring["poll_interval_seconds"] <= 120
    assert monitoring["max_resume_run_attempts"] == 0  # DefaultRunLauncher cannot resume a run

    # the instance Dagster builds from the file (storage swapped for the default sqlite) reads them
    from dagster import DagsterInstance

    config = {key: value for key, value in local_yaml.items() if key != "storage"}
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(config))
    monkeypatch.setenv("DAGSTER_ARTIFACTS_DIR", str(tmp_path / "storage"))
    monkeypatch.setenv("DAGSTER_COMPUTE_LOGS_DIR", str(tmp_path / "logs"))
    with DagsterInstance.from_config(str(tmp_path)) as instance:
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_max_runtime_seconds == monitoring["max_runtime_seconds"]
        assert instance.run_monitoring_start_timeout_seconds == monitoring["start_timeout_seconds"]


def test_a_misspelled_run_monitoring_key_fails_validation(local_yaml):
    broken = copy.deepcopy(local_yaml)
    broken["run_monitoring"]["max_run_time_seconds"] = broken["run_monitoring"].pop("max_runtime_seconds")
    assert not validate_config(dagster_instance_config_schema(), broken).success


def test_dev_listens_on_loopback_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("SPONSOR_DEV_HOST", raising=False)
    assert cli.dev.make_context("dev", []).params["host"] == "127.0.0.1"
    monkeypatch.setenv("SPONSOR_DEV_HOST", "0.0.0.0")
    assert cli.dev.make_context("dev", []).params["host"] == "0.0.0.0"
    assert cli.dev.make_context("dev", ["--host", "::1"]).params["host"] == "::1"
    command = cli.dagster_dev_command("workspace.yaml", "127.0.0.1", 3001)
    assert command[command.index("-h") + 1] == "127.0.0.1" and command[command.index("-p") + 1] == "3001"


# --- the real thing: sponsor-pipeline dev in a subprocess --------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _listening(port: int) -> list[str]:
    return [
        c.laddr.ip
        for c in psutil.net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port
    ]


def _alive(pids: set[int]) -> list[psutil.Process]:
    alive = []
    for pid in pids:
        try:
            process = psutil.Process(pid)
            if process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
        except psutil.NoSuchProcess:
            continue
    return alive


def _in_group(pgid: int) -> list[int]:
    found = []
    for process in psutil.process_iter(["pid", "status"]):
        try:
            if os.getpgid(process.pid) == pgid and process.info["status"] != psutil.STATUS_ZOMBIE:
                found.append(process.pid)
        except (ProcessLookupError, psutil.NoSuchProcess):
            continue
    return found


@pytest.fixture
def dagster_db(server_url):
    url = server_url.set(database=f"dagster_dev_{uuid.uuid4().hex[:8]}")
    server.ensure_database(url)
    yield url
    server.drop_database(url)


@pytest.mark.slow
def test_dev_binds_loopback_only_and_sigterm_leaves_no_process_behind(db_url, dagster_db, tmp_path):
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if key != "SPONSOR_DEV_HOST"}
    env.update(
        DATABASE_URL=db_url.render_as_string(hide_password=False),
        DAGSTER_PG_URL=dagster_db.set(drivername="postgresql+psycopg2").render_as_string(hide_password=False),
        DAGSTER_HOME=str(tmp_path / "dagster_home"),
        SPONSOR_STATE_DIR=str(tmp_path / "state"),
        SPONSOR_PARTITION_LISTENER_METRICS="false",
    )
    log = (tmp_path / "dev.log").open("w")
    started = time.monotonic()
    dev = subprocess.Popen(
        [str(Path(sys.executable).parent / "sponsor-pipeline"), "dev", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # the test's own group stays out of reach of any group signal
    )
    try:
        while not _listening(port):
            assert dev.poll() is None, (tmp_path / "dev.log").read_text()
            assert time.monotonic() - started < 180, "the UI did not come up: " + (tmp_path / "dev.log").read_text()
            time.sleep(0.5)
        assert set(_listening(port)) == {"127.0.0.1"}
        pids = {child.pid for child in psutil.Process(dev.pid).children(recursive=True)}
        assert pids, "dagster dev started no process"
        groups = {os.getpgid(pid) for pid in pids if _alive({pid})}
        # nothing any child listens on is reachable from another machine
        for child in _alive(pids):
            for conn in child.net_connections(kind="inet"):
                if conn.status == psutil.CONN_LISTEN:
                    assert conn.laddr.ip in {"127.0.0.1", "::1", "localhost"}, (child.cmdline(), conn)

        stopping = time.monotonic()
        dev.send_signal(signal.SIGTERM)
        assert dev.wait(timeout=60) == 0
        print(f"up in {stopping - started:.1f} s, stopped in {time.monotonic() - stopping:.1f} s")
        assert not _alive(pids), [p.cmdline() for p in _alive(pids)]
        for pgid in groups:
            assert not _in_group(pgid), pgid
        assert not _listening(port)
    finally:
        if dev.poll() is None:
            os.killpg(dev.pid, signal.SIGKILL)
        log.close()
