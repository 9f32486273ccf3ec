"""Owns what is read from the environment outside a run: feature flags, the state folder, the schedule.

Everything here is read when called, never at import time, so tests and the CLI can change the
environment before the Definitions are built. Folders and tunables that assets, checks and sensors use
at run time come from the ``settings`` resource (``sponsor_pipeline.resources.settings``) instead.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

FEATURE_FLAGS = (
    "ENABLE_ETL_CSV_UPLOAD",
    "ENABLE_MATCHMAKING",
    "ENABLE_IO_BOOKINGS",
    "ENABLE_DEAL_PIPELINE",
    "ENABLE_NEW_DASHBOARD_CARDS",
)

_FALSE = {"0", "false", "no", "off", ""}
_TRUE = {"1", "true", "yes", "on"}


def flag(name: str, default: bool = True) -> bool:
    """Return the boolean value of feature flag ``name`` (default true when unset).

    Accepts 1/0, true/false, yes/no, on/off in any case.

    Raises:
        ValueError: the variable is set to anything else, naming the variable.
    """
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name}={raw!r} is not a boolean; use true or false")


@dataclass(frozen=True)
class Flags:
    """Snapshot of the five feature flags (each removes its domain's assets and sensors when false) and
    whether listener_metrics is partitioned (adds the partition maintenance job and schedule)."""

    etl_csv_upload: bool = True
    matchmaking: bool = True
    io_bookings: bool = True
    deal_pipeline: bool = True
    new_dashboard_cards: bool = True
    # Not a feature flag but a deployment choice: the monthly partition maintenance job and schedule.
    partition_listener_metrics: bool = False

    @classmethod
    def from_env(cls) -> Flags:
        return cls(
            etl_csv_upload=flag("ENABLE_ETL_CSV_UPLOAD"),
            matchmaking=flag("ENABLE_MATCHMAKING"),
            io_bookings=flag("ENABLE_IO_BOOKINGS"),
            deal_pipeline=flag("ENABLE_DEAL_PIPELINE"),
            new_dashboard_cards=flag("ENABLE_NEW_DASHBOARD_CARDS"),
            partition_listener_metrics=partition_listener_metrics(),
        )


def state_dir() -> Path:
    """The git-ignored folder for the embedded PostgreSQL and Dagster's local files.

    ``SPONSOR_STATE_DIR`` when set, else ``.state/`` in the project checkout.
    """
    return Path(os.environ.get("SPONSOR_STATE_DIR") or PROJECT_ROOT / ".state").resolve()


ENVIRONMENTS = ("development", "production")


def environment() -> str:
    """``SPONSOR_ENV``: ``development`` (default) or ``production``.

    In production a missing ``DATABASE_URL`` is an error instead of an embedded PostgreSQL
    (``sponsor_pipeline.db.server``).

    Raises:
        ValueError: any other value, naming the variable.
    """
    raw = os.environ.get("SPONSOR_ENV", "")
    value = raw.strip().lower() or "development"
    if value not in ENVIRONMENTS:
        raise ValueError(f"SPONSOR_ENV={raw!r} is not one of {', '.join(ENVIRONMENTS)}")
    return value


def is_production() -> bool:
    """True when ``SPONSOR_ENV=production``."""
    return environment() == "production"


def partition_listener_metrics() -> bool:
    """``SPONSOR_PARTITION_LISTENER_METRICS`` (default false): apply ``sql/partitioning`` after the
    core migrations, so listener_metrics is range-partitioned by month."""
    return flag("SPONSOR_PARTITION_LISTENER_METRICS", default=False)


# --- Read when the Definitions load: a schedule's cron and an executor are part of the definition ---
DEFAULT_DAILY_CRON = "0 6 * * *"
DEFAULT_DAILY_TIMEZONE = "UTC"


def daily_cron() -> str:
    """``SPONSOR_DAILY_CRON`` (a five-field cron string) or 06:00 every day."""
    return os.environ.get("SPONSOR_DAILY_CRON") or DEFAULT_DAILY_CRON


DEFAULT_FULL_RECONCILIATION_CRON = "0 5 * * 0"


def full_reconciliation_cron() -> str:
    """``SPONSOR_FULL_RECONCILIATION_CRON`` (a five-field cron string) or 05:00 every Sunday: when the
    metrics_daily reconciliation compares every key, not only the days of the last refresh."""
    return os.environ.get("SPONSOR_FULL_RECONCILIATION_CRON") or DEFAULT_FULL_RECONCILIATION_CRON


def daily_timezone() -> str:
    """``SPONSOR_DAILY_TIMEZONE`` (an IANA name such as ``America/New_York``) or UTC."""
    return os.environ.get("SPONSOR_DAILY_TIMEZONE") or DEFAULT_DAILY_TIMEZONE


def executor_name() -> str:
    """``SPONSOR_EXECUTOR``, lower-cased (empty when unset); see ``sponsor_pipeline.executors``."""
    return os.environ.get("SPONSOR_EXECUTOR", "").strip().lower()


def code_reference_git() -> tuple[str, str] | None:
    """``(SPONSOR_GIT_URL, SPONSOR_GIT_BRANCH or "main")`` when ``SPONSOR_GIT_URL`` is set (the
    repository's web URL, e.g. ``https://github.com/<owner>/sponsor_pipeline``): the catalogue's code
    references then open the source there instead of naming a local file. ``None`` when unset."""
    url = os.environ.get("SPONSOR_GIT_URL", "").strip()
    return (url, os.environ.get("SPONSOR_GIT_BRANCH", "").strip() or "main") if url else None
