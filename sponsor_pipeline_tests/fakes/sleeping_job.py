"""Owns a one-op job that sleeps for minutes: a run that stays STARTED long enough to be watched and
killed (test_local_operations.py serves it from a gRPC code server)."""

from __future__ import annotations

import time

import dagster as dg

SLEEP_SECONDS = 600


@dg.op
def sleep_for_minutes() -> None:
    time.sleep(SLEEP_SECONDS)


@dg.job(executor_def=dg.in_process_executor)
def sleeping_job() -> None:
    sleep_for_minutes()


defs = dg.Definitions(jobs=[sleeping_job])
