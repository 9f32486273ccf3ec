"""Owns choosing the Dagster executor of the Definitions from ``SPONSOR_EXECUTOR`` (docs/deploy.md).

* unset or ``""``: no executor is set, so Dagster's default (``multiprocess_executor``, one process
  per step on the run's machine) applies.
* ``in_process``: ``in_process_executor``, every step in the run's own process (no process start-up
  per step: the fastest choice for this graph on a small machine).
* ``multiprocess``: ``multiprocess_executor``, named explicitly.
* ``k8s``: ``dagster_k8s.k8s_job_executor``, one Kubernetes Job per step, for an instance whose run
  launcher is ``K8sRunLauncher`` (``deploy/dagster.yaml``). Needs the ``[k8s]`` extra.

The name is read when the Definitions are built (``settings.executor_name``), never at import time.
"""

from __future__ import annotations

import dagster as dg

EXECUTOR_ENV = "SPONSOR_EXECUTOR"


def executor_named(name: str) -> dg.ExecutorDefinition | None:
    """The executor called ``name`` (None: Dagster's default).

    Raises:
        RuntimeError: ``k8s`` is asked for but dagster-k8s is not installed (``pip install -e '.[k8s]'``).
        ValueError: any other value, naming the variable and the accepted values.
    """
    value = name.strip().lower()
    if value in ("", "default"):
        return None
    if value == "in_process":
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
