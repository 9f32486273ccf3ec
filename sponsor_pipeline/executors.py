"""Owns choosing the Dagster executor of the Definitions from ``SPONSOR_EXECUTOR`` (docs/deploy.md).

* unset, ``""``, ``in_process`` or ``multiprocess``: no executor is set, so Dagster's default
  (``multiprocess_executor``, one process per step on the run's machine) applies.
* ``k8s``: ``dagster_k8s.k8s_job_executor``, one Kubernetes Job per step, for an instance whose run
  launcher is ``K8sRunLauncher`` (``deploy/dagster.yaml``). Needs the ``[k8s]`` extra.

Read when the Definitions are built, never at import time.
"""

from __future__ import annotations

import os

import dagster as dg

EXECUTOR_ENV = "SPONSOR_EXECUTOR"
_DEFAULT = {"", "in_process", "multiprocess", "default"}


def executor_from_env() -> dg.ExecutorDefinition | None:
    """The executor named by ``SPONSOR_EXECUTOR`` (None: Dagster's default).

    Raises:
        RuntimeError: ``k8s`` is asked for but dagster-k8s is not installed (``pip install -e '.[k8s]'``).
        ValueError: any other value, naming the variable and the accepted values.
    """
    raw = os.environ.get(EXECUTOR_ENV, "")
    value = raw.strip().lower()
    if value in _DEFAULT:
        return None
    if value == "k8s":
        try:
            from dagster_k8s import k8s_job_executor
        except ImportError as err:
            raise RuntimeError(
                f"{EXECUTOR_ENV}=k8s needs dagster-k8s: pip install -e '.[k8s]'"
            ) from err
        return k8s_job_executor
    raise ValueError(f"{EXECUTOR_ENV}={raw!r} is not an executor; use k8s or leave it unset")
