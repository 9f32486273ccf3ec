"""Owns the run launcher of the single-machine deployment: Dagster's ``DefaultRunLauncher`` plus a
health check of each run's worker process, so run monitoring marks a run whose process died as failed.

``DefaultRunLauncher`` asks a gRPC code server to start each run; the code server spawns one run
worker process per run, and that process writes the run's events. When the worker dies but the code
server lives, the code server notices within half a second and fails the run itself. When both die
(``make dev`` killed, the out-of-memory killer, a reboot), nobody is left to report: the run stays
STARTED and holds a slot of the run queue until ``max_runtime_seconds``. ``DefaultRunLauncher`` cannot
say whether a worker is alive (``supports_check_run_worker_health`` is False); :class:`LocalRunLauncher`
can, because everything runs on this host:

* The worker is the process that wrote the run's ``RUN_START`` event: Dagster records the writing
  process in every event (``DagsterEvent.pid``), and ``RUN_START`` is what moves a run to STARTED, so a
  STARTED run has one (``dagster/_core/execution/api.py``, ``DagsterEvent.job_start``).
* That pid is alive when a process with it exists, is not a zombie, and was created no later than the
  ``RUN_START`` event (a process created after it merely reuses the number).

Run monitoring (``dagster/_daemon/monitoring/run_monitoring.py``, ``monitor_started_run``) fails a
STARTED run on every status but RUNNING and SUCCESS, UNKNOWN included. So when the worker cannot be
checked here (no pid recorded, a code server on another host), the answer is RUNNING with a message
saying so, and the time bound ``max_runtime_seconds`` still applies.

Configured in ``sponsor_pipeline/data/dagster.yaml``; Kubernetes uses ``K8sRunLauncher``'s own check
(``deploy/dagster.yaml``).
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass

import psutil
from dagster._core.events import DagsterEventType
from dagster._core.launcher import CheckRunHealthResult, DefaultRunLauncher, WorkerStatus
from dagster._core.storage.dagster_run import DagsterRun
from dagster._core.storage.tags import GRPC_INFO_TAG
from typing_extensions import override

# psutil's create_time comes from the boot time plus clock ticks; the boot time is rounded to the
# second, so a legitimate worker may appear created up to about a second after its RUN_START event.
CREATE_TIME_TOLERANCE_SECONDS = 1.0

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", "::"})


@dataclass(frozen=True)
class RunWorker:
    """The process that runs a run: ``pid`` on this host, ``started_at`` the Unix time (seconds) of
    the run's ``RUN_START`` event, which that process wrote."""

    pid: int
    started_at: float


def worker_status(worker: RunWorker) -> CheckRunHealthResult:
    """RUNNING when ``worker.pid`` is a live process created no later than ``worker.started_at``
    (+ :data:`CREATE_TIME_TOLERANCE_SECONDS`); FAILED when no such process exists, it is a zombie, or
    the pid now belongs to a process created after the run started (pid reuse)."""
    try:
        process = psutil.Process(worker.pid)
        created = process.create_time()
        zombie = process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return CheckRunHealthResult(
            WorkerStatus.FAILED,
            f"Run worker process (pid {worker.pid}) died without reporting the end of the run "
            "(killed, out of memory, or its machine restarted).",
            run_worker_id=str(worker.pid),
        )
    except psutil.AccessDenied:
        # another user's process: it exists, so the pid is taken; its start time says by whom
        return CheckRunHealthResult(
            WorkerStatus.RUNNING, f"Run worker process (pid {worker.pid}) exists but cannot be inspected."
        )
    if zombie:
        return CheckRunHealthResult(
            WorkerStatus.FAILED,
            f"Run worker process (pid {worker.pid}) died without reporting the end of the run "
            "(it exited and was not reaped).",
            run_worker_id=str(worker.pid),
        )
    if created > worker.started_at + CREATE_TIME_TOLERANCE_SECONDS:
        return CheckRunHealthResult(
            WorkerStatus.FAILED,
            f"Run worker process (pid {worker.pid}) died without reporting the end of the run: "
            f"the pid now belongs to a process started {created - worker.started_at:.0f} s after the run.",
            run_worker_id=str(worker.pid),
        )
    return CheckRunHealthResult(WorkerStatus.RUNNING, run_worker_id=str(worker.pid))


def code_server_host(run: DagsterRun) -> str | None:
    """The host of the gRPC code server that started ``run`` (``DefaultRunLauncher`` tags the run with
    it), or None when the run has no such tag or the server listens on a local socket."""
    tag = run.tags.get(GRPC_INFO_TAG)
    if not tag:
        return None
    info = json.loads(tag)
    return None if info.get("socket") else info.get("host")


class LocalRunLauncher(DefaultRunLauncher):
    """``DefaultRunLauncher`` whose runs run monitoring can check: a run whose worker process is gone
    is reported FAILED, so the monitoring daemon marks it failed on its next poll
    (``run_monitoring.poll_interval_seconds``) and its slot of the run queue frees up.

    Same configuration as ``DefaultRunLauncher`` (none, inherited with ``config_type`` and
    ``from_config_value``); assumes the daemon and the code servers run
    on one machine.
    """

    @property
    @override
    def supports_check_run_worker_health(self) -> bool:
        return True

    def run_worker(self, run: DagsterRun) -> RunWorker | None:
        """The process that wrote ``run``'s latest ``RUN_START`` event, or None before it is written
        (or when the event carries no pid)."""
        entries = self._instance.event_log_storage.get_logs_for_run(
            run.run_id, of_type={DagsterEventType.RUN_START}, limit=1, ascending=False
        )
        if not entries or entries[0].dagster_event is None or entries[0].dagster_event.pid is None:
            return None
        return RunWorker(pid=entries[0].dagster_event.pid, started_at=entries[0].timestamp)

    @override
    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        """FAILED when ``run``'s worker process is gone (see :func:`worker_status`); RUNNING while it
        lives, and also when it cannot be checked from here (no pid recorded yet, or a code server on
        another host), leaving such a run to the ``max_runtime_seconds`` bound."""
        host = code_server_host(run)
        if host is not None and host not in LOCAL_HOSTS | {socket.gethostname()}:
            return CheckRunHealthResult(
                WorkerStatus.RUNNING, f"Run worker on code server host {host!r}; not checked from this host."
            )
        worker = self.run_worker(run)
        if worker is None:
            return CheckRunHealthResult(WorkerStatus.RUNNING, "No run worker pid recorded yet; not checked.")
        return worker_status(worker)

    @override
    def get_run_worker_debug_info(self, run: DagsterRun, include_container_logs: bool | None = True) -> str | None:
        worker = self.run_worker(run)
        if worker is None:
            return None
        return (
            f"Run worker: pid {worker.pid} on {socket.gethostname()}, RUN_START at Unix time {worker.started_at:.3f}."
        )
