"""Owns the project's settings read from the environment: state folder, sample folder, feature flags.

Everything here is read when called, never at import time, so tests and the CLI can change the
environment before the Definitions are built.
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
    """Snapshot of the five feature flags; each removes its assets and sensors when false."""

    etl_csv_upload: bool = True
    matchmaking: bool = True
    io_bookings: bool = True
    deal_pipeline: bool = True
    new_dashboard_cards: bool = True

    @classmethod
    def from_env(cls) -> "Flags":
        return cls(
            etl_csv_upload=flag("ENABLE_ETL_CSV_UPLOAD"),
            matchmaking=flag("ENABLE_MATCHMAKING"),
            io_bookings=flag("ENABLE_IO_BOOKINGS"),
            deal_pipeline=flag("ENABLE_DEAL_PIPELINE"),
            new_dashboard_cards=flag("ENABLE_NEW_DASHBOARD_CARDS"),
        )


def state_dir() -> Path:
    """The git-ignored folder for the embedded PostgreSQL and Dagster's local files.

    ``SPONSOR_STATE_DIR`` when set, else ``.state/`` in the project checkout.
    """
    return Path(os.environ.get("SPONSOR_STATE_DIR") or PROJECT_ROOT / ".state").resolve()


def samples_dir() -> Path:
    """Folder of reference CSVs (tenants, shows, ...): ``SPONSOR_SAMPLES_DIR`` or ``samples/``."""
    return Path(os.environ.get("SPONSOR_SAMPLES_DIR") or PROJECT_ROOT / "samples").resolve()


def landing_dir() -> Path:
    """Folder the metrics ingestion reads: ``SPONSOR_LANDING_DIR`` or ``samples/``."""
    return Path(os.environ.get("SPONSOR_LANDING_DIR") or samples_dir()).resolve()


def exports_dir() -> Path:
    """Folder of platform export payloads, one sub-folder per tenant: ``SPONSOR_EXPORTS_DIR`` or
    ``samples/exports``."""
    return Path(os.environ.get("SPONSOR_EXPORTS_DIR") or samples_dir() / "exports").resolve()


def vanity_domain() -> str:
    """Domain of generated IO vanity URLs: ``SPONSOR_VANITY_DOMAIN`` or ``listen.example.com``."""
    return (os.environ.get("SPONSOR_VANITY_DOMAIN") or "listen.example.com").strip().strip("/")
# --- dashboards and IO documents ---------------------------------------------------------------


def plots_dir() -> Path:
    """Folder of the dashboards' PNG plots: ``SPONSOR_PLOTS_DIR`` or ``<state>/plots``."""
    return Path(os.environ.get("SPONSOR_PLOTS_DIR") or state_dir() / "plots").resolve()


def io_documents_dir() -> Path:
    """Folder of the PDF insertion orders: ``SPONSOR_IO_DOCUMENTS_DIR`` or ``<state>/io_documents``."""
    return Path(os.environ.get("SPONSOR_IO_DOCUMENTS_DIR") or state_dir() / "io_documents").resolve()


# --- Opt-in monthly range partitioning of listener_metrics (sql/partitioning) ---
def partition_listener_metrics() -> bool:
    """``SPONSOR_PARTITION_LISTENER_METRICS`` (default false): apply ``sql/partitioning`` after the
    core migrations, so listener_metrics is range-partitioned by month."""
    return flag("SPONSOR_PARTITION_LISTENER_METRICS", default=False)
