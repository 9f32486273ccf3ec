"""Owns choosing the Dagster executor of the Definitions from ``SPONSOR_EXECUTOR`` (docs/deploy.md).

* unset, ``""`` or ``in_process``: ``in_process_executor``, every step in the run's own process. The
  local default: this graph's steps are short database statements, so a process start-up per step
  (Dagster's own default, ``multiprocess_executor``) cost 82 s against 8 s of step work on 2 cores.
* ``multiprocess``: ``multiprocess_executor``, one process per step on the run's machine.
* ``k8s``: ``dagster_k8s.k8s_job_executor``, one Kubernetes Job per step, for an instance whose run
  launcher is ``K8sRunLauncher`` (``deploy/dagster.yaml``). Needs the ``[k8s]`` extra.

The name is read when the Definitions are built (``settings.executor_name``), never at import time.
"""

from __future__ import annotations

import dagster as dg

EXECUTOR_ENV = "SPONSOR_EXECUTOR"


def executor_named(name: str) -> dg.ExecutorDefinition:
    """The executor called ``name`` (``in_process_executor`` when empty).

    Raises:
        RuntimeError: ``k8s`` is asked for but dagster-k8s is not installed (``pip install -e '.[k8s]'``).
        ValueError: any other value, naming the variable and the accepted values.
    """
    value = name.strip().lower()
    if value in ("", "default", "in_process"):
        return dg.in_process_executor
    if value == "multiprocess":
        return dg.multiprocess_executor
    if value == "k8s":
        try:
            from dagster_k8s import k8s_job_executor
        except ImportError as err:
            raise RuntimeError(f"{EXECUTOR_ENV}=k8s needs dagster-k8s: pip install -e '.[k8s]'") from err
        return k8s_job_executor
    raise ValueError(f"{EXECUTOR_ENV}={name!r} is not an executor; use in_process, multiprocess, k8s or leave it unset")
