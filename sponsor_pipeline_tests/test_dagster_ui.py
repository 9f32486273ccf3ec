"""The Dagster UI in a real browser: the asset graph shows the project's assets, metrics_daily
materializes from the UI and succeeds, and a dashboard's plot shows on its asset page.

Starts ``dagster-webserver`` and ``dagster-daemon`` (the instance's QueuedRunCoordinator needs the
daemon to launch runs) on a free localhost port, with instance storage through the project's
dagster.yaml on the test PostgreSQL server, and drives Debian's ``/usr/bin/chromium`` headless with
Playwright (its own browser download is never used). Without chromium the test fails under
``CI=true`` and is skipped elsewhere.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import dagster as dg
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from sponsor_pipeline.db import server
from sponsor_pipeline.defs.dashboards.assets import creator_dashboard
from sponsor_pipeline.instance import DAGSTER_YAML
from sponsor_pipeline.resources.settings import settings_from_env
from sponsor_pipeline.settings import PROJECT_ROOT
from sponsor_pipeline.warehouse import imports
from sponsor_pipeline.warehouse.targets import LISTENER_METRICS

from .conftest import SAMPLES

# Lane: real Chromium against a running webserver and daemon (minutes); not in `make test-fast`.
pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("SPONSOR_CHROMIUM") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_SECONDS = 180
RUN_SECONDS = 240


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} not found: install Debian's chromium package (apt-get install -y chromium)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """Stop one process we started (its own process group: the webserver's code server goes too)."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@pytest.fixture
def dagster_ui(reference, db_url, server_url, tmp_path):
    """Base URL of a running webserver + daemon over the test warehouse (listener_metrics loaded,
    metrics_daily not refreshed yet)."""
    _require_chromium()
    imports.import_csv(reference, SAMPLES / "metrics_daily.csv", LISTENER_METRICS)
    reference.commit()
    dagster_db = server_url.set(database=f"dagster_ui_{uuid.uuid4().hex[:8]}")
    server.ensure_database(dagster_db)
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_bytes(DAGSTER_YAML.read_bytes())
    env = dict(
        os.environ,
        DATABASE_URL=db_url.render_as_string(hide_password=False),
        DAGSTER_HOME=str(home),
        DAGSTER_PG_URL=dagster_db.set(drivername="postgresql+psycopg2").render_as_string(hide_password=False),
        DAGSTER_ARTIFACTS_DIR=str(home / "storage"),
        DAGSTER_COMPUTE_LOGS_DIR=str(home / "logs"),
    )
    port = _free_port()
    bindir = Path(sys.executable).parent
    logs = {name: open(tmp_path / f"{name}.log", "w") for name in ("webserver", "daemon")}  # noqa: SIM115 - closed with the processes
    procs = [
        subprocess.Popen(
            [str(bindir / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=logs["webserver"],
            stderr=subprocess.STDOUT,
            start_new_session=True,
        ),
        subprocess.Popen(
            [str(bindir / "dagster-daemon"), "run", "-w", "workspace.yaml"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=logs["daemon"],
            stderr=subprocess.STDOUT,
            start_new_session=True,
        ),
    ]
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{base}/server_info", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or procs[0].poll() is not None:
                raise AssertionError(
                    "dagster-webserver did not start:\n" + (tmp_path / "webserver.log").read_text()[-3000:]
                )
            time.sleep(1)
        yield {"url": base, "env": env, "home": home}
    finally:
        for proc in procs:
            _stop(proc)
        for handle in logs.values():
            handle.close()
        server.drop_database(dagster_db)


@pytest.fixture
def browser_page(tmp_path):
    """A headless Chromium page (fresh user-data-dir), /usr/bin/chromium driven by Playwright."""
    _require_chromium()
    from playwright.sync_api import sync_playwright  # deferred: only this test needs it

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1600, "height": 1000},
        )
        # The UI's "Join the Dagster community" dialog is skipped once dismissed (localStorage key
        # communityNux, as the Skip button stores it): mark it dismissed before any page loads.
        context.add_init_script("window.localStorage.setItem('communityNux', JSON.stringify('1'));")
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


# Asset groups and the assets each group's graph must show.
GROUPS = {
    "reference": ("tenants", "shows", "episodes", "advertisers", "campaigns", "ad_units", "io_bookings"),
    "ingestion": ("listener_metrics",),
    "metrics": ("metrics_daily",),
    "dashboards": ("creator_dashboard", "advertiser_dashboard", "ops_dashboard"),
    "documents": ("io_documents",),
}


def test_ui_shows_the_graph_materializes_metrics_daily_and_shows_dashboard_plots(
    dagster_ui, browser_page, reference, postgres, monkeypatch, tmp_path
):
    base = dagster_ui["url"]
    page = browser_page
    page.set_default_timeout(60_000)
    try:
        # The global lineage shows every group; each group's graph shows its assets as nodes.
        page.goto(f"{base}/asset-groups")
        for group in GROUPS:
            page.get_by_text(group, exact=True).first.wait_for()
        # Each asset's lineage graph shows it as a node (a whole group zoomed out to fit hides labels).
        for assets in GROUPS.values():
            for name in assets:
                page.goto(f"{base}/assets/{name}?view=lineage")
                page.get_by_text(name, exact=True).first.wait_for(state="attached")

        # Launch a materialization of metrics_daily from its asset page and follow the run.
        page.goto(f"{base}/assets/metrics_daily")
        page.get_by_role("button").filter(has_text=re.compile(r"^Materialize$")).first.click()
        confirm = page.get_by_role("button", name="Confirm")  # "upstream never materialized" warning
        with contextlib.suppress(PlaywrightTimeout):
            confirm.click(timeout=10_000)
        page.get_by_text(re.compile(r"Launched run")).first.wait_for()
        page.get_by_role("link", name="View", exact=True).first.click()
        page.wait_for_url(re.compile(r".*/runs/[0-9a-f-]+.*"))
        page.get_by_text("Success", exact=True).first.wait_for(timeout=RUN_SECONDS * 1000)

        listener = reference.execute("SELECT count(*) FROM listener_metrics").fetchone()[0]
        view = reference.execute("SELECT count(*) FROM metrics_daily").fetchone()[0]
        assert view == listener > 20_000

        # A creator_dashboard materialization recorded in the same instance shows its plot on the asset page.
        for key, value in dagster_ui["env"].items():
            monkeypatch.setenv(key, value)
        with dg.DagsterInstance.from_config(str(dagster_ui["home"])) as instance:
            assert dg.materialize(
                [creator_dashboard],
                instance=instance,
                resources={"postgres": postgres, "settings": settings_from_env()},
            ).success
        page.goto(f"{base}/assets/creator_dashboard")
        page.locator("tr", has_text="downloads_trend").first.get_by_text("[Show Markdown]").click()
        image = page.locator('img[src^="data:image/png;base64,"]').first
        image.wait_for()
        assert image.evaluate("img => img.complete && img.naturalWidth") > 300
    except Exception:
        page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
        raise
