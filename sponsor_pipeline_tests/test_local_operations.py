"""Local operations: ``sponsor-pipeline dev`` listens on 127.0.0.1 unless told otherwise and leaves no
process behind after SIGTERM; the local dagster.yaml enables run monitoring with a run launcher that
checks each run's worker process, so a dead run is marked failed and never blocks the run queue."""

from __future__ import annotations

import contextlib
import copy
import json
import logging
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
from dagster._core.events import DagsterEventType
from dagster._core.instance.config import dagster_instance_config_schema
from dagster._core.launcher import WorkerStatus
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster._core.storage.dagster_run import DagsterRun, DagsterRunStatus
from dagster._core.storage.tags import GRPC_INFO_TAG
from dagster._serdes.config_class import class_from_code_pointer

from sponsor_pipeline import cli
from sponsor_pipeline.db import server
from sponsor_pipeline.instance import DAGSTER_YAML
from sponsor_pipeline.launcher import LocalRunLauncher, RunWorker, worker_status
from sponsor_pipeline.settings import PROJECT_ROOT


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
    assert monitoring["max_resume_run_attempts"] == 0  # the launcher cannot resume a run

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
        # the launcher can say whether a run's worker is alive, so the daemon asks it on every poll
        assert isinstance(instance.run_launcher, LocalRunLauncher)
        assert instance.run_launcher.supports_check_run_worker_health


def test_run_launcher_section_names_the_local_launcher_and_validates(local_yaml):
    section = local_yaml["run_launcher"]
    cls = class_from_code_pointer(section["module"], section["class"])
    assert cls is LocalRunLauncher
    assert validate_config(cls.config_type(), section.get("config", {})).success
    assert not validate_config(cls.config_type(), {"max_runs": 2}).success  # it takes no configuration


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


# --- the run worker health check ---------------------------------------------------------------------


def _wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def test_worker_status_is_running_for_a_live_process_that_predates_the_run():
    me = psutil.Process()
    result = worker_status(RunWorker(pid=me.pid, started_at=me.create_time() + 5))
    assert result.status == WorkerStatus.RUNNING and result.run_worker_id == str(me.pid)


def test_worker_status_is_failed_for_a_killed_process_reaped_or_not():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        worker = RunWorker(pid=child.pid, started_at=time.time() + 1)
        assert worker_status(worker).status == WorkerStatus.RUNNING
        child.kill()  # not waited for yet: a zombie until reaped
        _wait_until(lambda: psutil.Process(child.pid).status() == psutil.STATUS_ZOMBIE, 10, "no zombie")
        zombie = worker_status(worker)
        assert zombie.status == WorkerStatus.FAILED and "died" in (zombie.msg or "")
        child.wait()
        gone = worker_status(worker)
        assert gone.status == WorkerStatus.FAILED and "died" in (gone.msg or ""), gone
    finally:
        child.kill()
        child.wait()


def test_worker_status_is_failed_when_the_pid_now_belongs_to_a_newer_process():
    me = psutil.Process()
    result = worker_status(RunWorker(pid=me.pid, started_at=me.create_time() - 60))  # run began a minute before
    assert result.status == WorkerStatus.FAILED and "now belongs to a process started 60 s after" in (result.msg or "")


def test_a_run_on_a_code_server_of_another_host_is_left_to_the_time_bound():
    run = DagsterRun(job_name="sleeping_job", tags={GRPC_INFO_TAG: json.dumps({"host": "code.example", "port": 4000})})
    result = LocalRunLauncher().check_run_worker_health(run)
    assert result.status == WorkerStatus.RUNNING and "not checked" in (result.msg or "")


@pytest.fixture
def sleeping_code_server(dagster_db, tmp_path, monkeypatch):
    """A gRPC code server serving ``sleeping_job`` (its own session), on an instance built from the
    local dagster.yaml with storage in a fresh database; yields (instance home, port, process)."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_bytes(DAGSTER_YAML.read_bytes())
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv(
        "DAGSTER_PG_URL", dagster_db.set(drivername="postgresql+psycopg2").render_as_string(hide_password=False)
    )
    monkeypatch.setenv("DAGSTER_ARTIFACTS_DIR", str(home / "storage"))
    monkeypatch.setenv("DAGSTER_COMPUTE_LOGS_DIR", str(home / "logs"))
    port = _free_port()
    log = (tmp_path / "grpc.log").open("w")
    command = [str(Path(sys.executable).parent / "dagster"), "api", "grpc", "-h", "127.0.0.1", "-p", str(port)]
    process = subprocess.Popen(
        [*command, "-m", "sponsor_pipeline_tests.fakes.sleeping_job"],
        cwd=PROJECT_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # the run workers it spawns share its process group
    )
    try:
        _wait_until(lambda: _listening(port) or process.poll() is not None, 120, "the code server did not start")
        assert process.poll() is None, (tmp_path / "grpc.log").read_text()
        yield home, port, process
    finally:
        with contextlib.suppress(ProcessLookupError):  # the server and every run worker still alive
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        log.close()


def _worker_pid(instance, run_id: str) -> int:
    """The run worker's pid as the code server announced it ("Started process for run (pid: N)")."""
    for entry in instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT):
        if entry.message.startswith("Started process for run"):
            return int(entry.dagster_event.engine_event_data.metadata["pid"].value)
    raise AssertionError(f"no worker announced for run {run_id}")


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.mark.slow
def test_run_monitoring_fails_a_run_whose_worker_died_and_leaves_a_live_run_alone(sleeping_code_server):
    from dagster import DagsterInstance
    from dagster._core.workspace.context import WorkspaceProcessContext
    from dagster._core.workspace.load_target import GrpcServerTarget
    from dagster._daemon.monitoring.run_monitoring import execute_run_monitoring_iteration

    from sponsor_pipeline_tests.fakes.sleeping_job import sleeping_job

    home, port, code_server = sleeping_code_server
    started = time.monotonic()
    target = GrpcServerTarget(host="127.0.0.1", port=port, socket=None, location_name="sleeping")
    with (
        DagsterInstance.from_config(str(home)) as instance,
        WorkspaceProcessContext(instance, target) as context,
    ):
        assert isinstance(instance.run_launcher, LocalRunLauncher)
        workspace = context.create_request_context()
        remote_job = (
            workspace.get_code_location("sleeping").get_repository("__repository__").get_full_job("sleeping_job")
        )
        run_ids = []
        for _ in range(2):  # both slots of the local queue
            run = instance.create_run_for_job(
                sleeping_job,
                remote_job_origin=remote_job.get_remote_origin(),
                job_code_origin=remote_job.get_python_origin(),
            )
            instance.launch_run(run.run_id, workspace)
            run_ids.append(run.run_id)

        def status(run_id: str) -> DagsterRunStatus:
            return instance.get_run_by_id(run_id).status

        _wait_until(lambda: all(status(r) == DagsterRunStatus.STARTED for r in run_ids), 120, "runs did not start")
        dead_run, live_run = run_ids
        workers = {run_id: _worker_pid(instance, run_id) for run_id in run_ids}
        assert set(workers.values()) <= {child.pid for child in psutil.Process(code_server.pid).children()}
        for run_id in run_ids:
            assert instance.run_launcher.check_run_worker_health(instance.get_run_by_id(run_id)).status == (
                WorkerStatus.RUNNING
            )
        launched = time.monotonic()

        # The code server and one run worker die together, as when `make dev` is killed: nobody is
        # left to report the run's end (a code server that lives fails its dead worker's run itself).
        code_server.kill()
        code_server.wait(timeout=10)
        os.kill(workers[dead_run], signal.SIGKILL)
        _wait_until(lambda: _gone(workers[dead_run]), 10, "the worker did not die")
        assert status(dead_run) == DagsterRunStatus.STARTED  # what DefaultRunLauncher leaves for an hour

        errors = [e for e in execute_run_monitoring_iteration(context, logging.getLogger(__name__)) if e]
        assert not errors, errors

        assert status(dead_run) == DagsterRunStatus.FAILURE
        (failure,) = instance.all_logs(dead_run, of_type=DagsterEventType.RUN_FAILURE)
        assert f"Run worker process (pid {workers[dead_run]}) died" in failure.message, failure.message
        # the run whose worker lives on is left alone
        assert status(live_run) == DagsterRunStatus.STARTED
        assert not instance.all_logs(live_run, of_type=DagsterEventType.RUN_FAILURE)
        health = instance.run_launcher.check_run_worker_health(instance.get_run_by_id(live_run))
        assert health.status == WorkerStatus.RUNNING
        print(f"runs started in {launched - started:.1f} s, monitored in {time.monotonic() - launched:.1f} s")
        print(failure.message)


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
