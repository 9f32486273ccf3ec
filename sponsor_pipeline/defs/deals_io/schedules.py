"""Owns the daily schedule that materializes the whole graph (``all_assets_job``)."""

from __future__ import annotations

import os

import dagster as dg

DEFAULT_CRON = "0 6 * * *"
DEFAULT_TIMEZONE = "UTC"


def daily_cron() -> str:
    """``SPONSOR_DAILY_CRON`` (a five-field cron string) or 06:00 every day."""
    return os.environ.get("SPONSOR_DAILY_CRON") or DEFAULT_CRON


def daily_timezone() -> str:
    """``SPONSOR_DAILY_TIMEZONE`` (an IANA name such as ``America/New_York``) or UTC."""
    return os.environ.get("SPONSOR_DAILY_TIMEZONE") or DEFAULT_TIMEZONE


def build_daily_schedule(job: dg.UnresolvedAssetJobDefinition | dg.JobDefinition) -> dg.ScheduleDefinition:
    """The daily materialization of ``job`` (the whole graph), running from the start.

    Cron and timezone are read from the environment when the Definitions load.

    Raises:
        DagsterInvalidDefinitionError: an invalid cron string or timezone, naming the value.
    """
    return dg.ScheduleDefinition(
        name="daily_all_assets_schedule",
        job=job,
        cron_schedule=daily_cron(),
        execution_timezone=daily_timezone(),
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Materialize the whole graph once a day (SPONSOR_DAILY_CRON, SPONSOR_DAILY_TIMEZONE).",
    )
