"""Owns the Dagster instance home: ``<state>/dagster_home`` with the project's dagster.yaml."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sqlalchemy.engine import URL

from sponsor_pipeline.db import server
from sponsor_pipeline.settings import PROJECT_ROOT, state_dir


def prepare_dagster_home(warehouse: URL) -> Path:
    """Point this process (and its children) at the Dagster instance on the warehouse's server.

    Sets ``DAGSTER_HOME``, ``DAGSTER_PG_URL`` (psycopg2 URL of the ``dagster`` database, created if
    missing), ``DAGSTER_ARTIFACTS_DIR`` and ``DAGSTER_COMPUTE_LOGS_DIR``; returns DAGSTER_HOME.
    """
    home = Path(os.environ.get("DAGSTER_HOME") or state_dir() / "dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    source = PROJECT_ROOT / "dagster.yaml"
    if source.resolve() != (home / "dagster.yaml").resolve():
        shutil.copyfile(source, home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    os.environ["DAGSTER_PG_URL"] = server.dagster_storage_url(warehouse)
    os.environ.setdefault("DAGSTER_ARTIFACTS_DIR", str(home / "storage"))
    os.environ.setdefault("DAGSTER_COMPUTE_LOGS_DIR", str(home / "logs"))
    return home
