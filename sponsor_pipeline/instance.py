"""Owns the Dagster instance home: ``<state>/dagster_home`` with the project's dagster.yaml.

The instance config ships as package data, ``sponsor_pipeline/data/dagster.yaml``, so an installed
wheel's ``sponsor-pipeline dev`` finds it without the source tree.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from sqlalchemy.engine import URL

from sponsor_pipeline.db import server
from sponsor_pipeline.settings import state_dir

DAGSTER_YAML = resources.files("sponsor_pipeline.data").joinpath("dagster.yaml")


def prepare_dagster_home(warehouse: URL) -> Path:
    """Point this process (and its children) at the Dagster instance on the warehouse's server.

    Sets ``DAGSTER_HOME``, ``DAGSTER_PG_URL`` (psycopg2 URL of the ``dagster`` database, created if
    missing), ``DAGSTER_ARTIFACTS_DIR`` and ``DAGSTER_COMPUTE_LOGS_DIR``; writes :data:`DAGSTER_YAML` to
    ``$DAGSTER_HOME/dagster.yaml`` (replacing what is there); returns DAGSTER_HOME.
    """
    home = Path(os.environ.get("DAGSTER_HOME") or state_dir() / "dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_bytes(DAGSTER_YAML.read_bytes())
    os.environ["DAGSTER_HOME"] = str(home)
    os.environ["DAGSTER_PG_URL"] = server.dagster_storage_url(warehouse)
    os.environ.setdefault("DAGSTER_ARTIFACTS_DIR", str(home / "storage"))
    os.environ.setdefault("DAGSTER_COMPUTE_LOGS_DIR", str(home / "logs"))
    return home
