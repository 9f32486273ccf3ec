"""Fixtures: a real PostgreSQL (embedded unless DATABASE_URL is set) with a fresh, migrated database."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import URL

from sponsor_pipeline.db import migrate, server
from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.settings import PROJECT_ROOT, state_dir
from sponsor_pipeline.warehouse import imports
from sponsor_pipeline.warehouse.targets import REFERENCE_FILES

SAMPLES = PROJECT_ROOT / "samples"

BUSINESS_TABLES = (
    "tenants",
    "shows",
    "episodes",
    "advertisers",
    "campaigns",
    "ad_units",
    "io_bookings",
    "listener_metrics",
    "matches",
    "events",
    "etl_imports",
    "quarantined_rows",
    "audience_profiles",
    "io_delivery",
    "io_responses",
    "change_log",
    # matchmaking inputs (0006)
    "show_topics",
    "show_brand_safety",
    "campaign_brand_safety",
    "campaign_targets",
    # 0007_dashboards
    "creator_dashboard",
    "creator_source_split",
    "advertiser_dashboard",
    "advertiser_recommendations",
    "ops_alerts",
    "io_documents",
    # 0011_platform_identity
    "platform_episode_map",
    # 0015_performance_windows
    "episode_download_windows",
    "episode_performance",
    # 0016_verification_flags
    "io_verification_flags",
    # 0017_campaign_reports
    "campaign_reports",
    # 0018_audience_marginals_and_size
    "show_audience_size",
)


@pytest.fixture(scope="session")
def server_url(worker_id: str) -> URL:
    """The test server: DATABASE_URL's server, else an embedded one in <state>/pg-test.

    Under pytest-xdist each worker starts its own embedded server (``<state>/pg-test-gw0``, …): login
    roles are cluster-wide (the tenant-login tests create and drop them), and the process that starts
    an embedded server stops it when it exits, so workers never share one.
    """
    if os.environ.get("DATABASE_URL"):
        return server.normalise_url(os.environ["DATABASE_URL"])
    folder = "pg-test" if worker_id == "master" else f"pg-test-{worker_id}"
    return server.embedded_server_url(state_dir() / folder)


@pytest.fixture(scope="session")
def db_url(server_url: URL) -> URL:
    """A fresh database for this test session, migrated; dropped at the end."""
    url = server_url.set(database=f"sponsor_test_{uuid.uuid4().hex[:8]}")
    server.ensure_database(url)
    migrate.migrate(url)
    yield url
    server.drop_database(url)


# The tables listener_metrics feeds (0012_incremental_metrics_daily), emptied with it.
DERIVED_TABLES = ("metrics_daily", "metrics_daily_pending", "listener_metrics_history")


def truncate_all(conn: psycopg.Connection) -> None:
    """Empty every business table and metrics_daily with its bookkeeping (identity counters restart)."""
    conn.execute("TRUNCATE " + ", ".join(BUSINESS_TABLES + DERIVED_TABLES) + " RESTART IDENTITY CASCADE")
    conn.commit()


@pytest.fixture
def conn(db_url: URL):
    """A psycopg connection to an emptied test database."""
    with psycopg.connect(server.libpq_dsn(db_url)) as connection:
        truncate_all(connection)
        yield connection


@pytest.fixture
def postgres(db_url: URL) -> PostgresResource:
    return PostgresResource(database_url=db_url.render_as_string(hide_password=False))


def load_reference(conn: psycopg.Connection, folder: Path = SAMPLES) -> None:
    """Import every reference CSV of ``folder`` (tenants ... io_bookings)."""
    for file_name, target in REFERENCE_FILES:
        imports.import_csv(conn, folder / file_name, target)


@pytest.fixture
def reference(conn: psycopg.Connection) -> psycopg.Connection:
    """``conn`` with the sample reference tables loaded."""
    load_reference(conn)
    return conn


# --- dashboards and IO documents: plots and PDFs go to a temporary folder, never the project's state ---
@pytest.fixture(autouse=True, scope="session")
def _dashboard_output_dirs(tmp_path_factory):
    names = ("SPONSOR_PLOTS_DIR", "SPONSOR_IO_DOCUMENTS_DIR", "SPONSOR_CAMPAIGN_REPORTS_DIR")
    saved = {k: os.environ.get(k) for k in names}
    os.environ["SPONSOR_PLOTS_DIR"] = str(tmp_path_factory.mktemp("plots"))
    os.environ["SPONSOR_IO_DOCUMENTS_DIR"] = str(tmp_path_factory.mktemp("io_documents"))
    os.environ["SPONSOR_CAMPAIGN_REPORTS_DIR"] = str(tmp_path_factory.mktemp("campaign_reports"))
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
