"""The built wheel installs into a fresh virtual environment and its own CLI migrates and verifies a
database: the SQL ships as package data, nothing is read from the source tree.

Slow (a wheel build and an install of the dependencies): run with ``-m slow`` or by file name. The
dependencies are pinned to the versions of the environment running the tests, and installed with uv
(the ``uv`` test extra) from its cache, or with pip when uv is missing.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import psycopg
import pytest

from sponsor_pipeline.db import server
from sponsor_pipeline.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow

# The source tree minus what a clone does not carry (virtual environment, state, build output).
_NOT_SOURCE = shutil.ignore_patterns(
    ".venv",
    ".state",
    ".git",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".hypothesis",
    ".ruff_cache",
    "samples",
    "benchmarks",
)


def _uv() -> str | None:
    try:
        from uv import find_uv_bin
    except ImportError:
        return shutil.which("uv")
    return find_uv_bin()


def _build_wheel(tmp_path: Path) -> Path:
    """``uv build --wheel`` (or ``pip wheel --no-deps`` without uv; a uv-synced environment has no pip)
    on a copy of the source tree (the build writes build/ and egg-info)."""
    source = tmp_path / "source"
    shutil.copytree(PROJECT_ROOT, source, ignore=_NOT_SOURCE)
    dist = tmp_path / "dist"
    uv = _uv()
    if uv:
        command = [uv, "build", "--quiet", "--wheel", "--out-dir", str(dist), "--python", sys.executable, str(source)]
    else:
        command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist), str(source)]
    subprocess.run(command, check=True, cwd=tmp_path)
    (wheel,) = dist.glob("sponsor_pipeline-*.whl")
    return wheel


def _constraints(tmp_path: Path) -> Path:
    """``name==version`` of every distribution in the running environment but the project itself."""
    pins = sorted(
        {
            f"{dist.metadata['Name']}=={dist.version}"
            for dist in importlib.metadata.distributions()
            if dist.metadata["Name"] and re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower() != "sponsor-pipeline"
        }
    )
    path = tmp_path / "constraints.txt"
    path.write_text("\n".join(pins) + "\n")
    return path


def _install(wheel: Path, venv: Path, constraints: Path) -> None:
    uv = _uv()
    if uv:
        subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
        subprocess.run(
            [
                uv,
                "pip",
                "install",
                "--quiet",
                "--python",
                str(venv / "bin" / "python"),
                "--constraint",
                str(constraints),
                str(wheel),
            ],
            check=True,
        )
    else:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--constraint",
                str(constraints),
                str(wheel),
            ],
            check=True,
        )


@pytest.fixture
def fresh_database(server_url):
    url = server_url.set(database=f"sponsor_wheel_{uuid.uuid4().hex[:8]}")
    server.ensure_database(url)
    yield url
    server.drop_database(url)


def test_installed_wheel_migrates_and_verifies_a_fresh_database(tmp_path, fresh_database):
    wheel = _build_wheel(tmp_path)
    venv = tmp_path / "venv"
    _install(wheel, venv, _constraints(tmp_path))
    work = tmp_path / "work"  # cwd: nothing resolves from the source tree
    work.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(
        DATABASE_URL=fresh_database.render_as_string(hide_password=False),
        SPONSOR_STATE_DIR=str(tmp_path / "state"),
        SPONSOR_PARTITION_LISTENER_METRICS="false",
    )

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(venv / "bin" / "sponsor-pipeline"), *args],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    where = "import sponsor_pipeline; print(sponsor_pipeline.__file__)"
    location = subprocess.run(
        [str(venv / "bin" / "python"), "-c", where], cwd=work, env=env, capture_output=True, text=True, check=True
    ).stdout
    assert Path(location.strip()).is_relative_to(venv), location

    migrated = cli("db", "migrate")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert "0001_core_schema" in migrated.stdout
    assert "verify: ok" in migrated.stdout

    verified = cli("db", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "MISSING" not in verified.stdout + verified.stderr
    assert "verify: ok (every required object present)" in verified.stdout

    with psycopg.connect(server.libpq_dsn(fresh_database)) as conn:
        assert conn.execute("SELECT to_regclass('public.listener_metrics') IS NOT NULL").fetchone()[0]

    # what the wheel carries: the SQL and the dev instance config as package data, no tests, no top-level sql/
    names = zipfile.ZipFile(wheel).namelist()
    assert "sponsor_pipeline/sql/verify.sql" in names
    assert "sponsor_pipeline/sql/migrations/0001_core_schema.sql" in names
    assert "sponsor_pipeline/sql/partitioning/0001_partition_listener_metrics.rollback.sql" in names
    assert "sponsor_pipeline/data/dagster.yaml" in names
    assert not [n for n in names if n.startswith(("sql/", "sponsor_pipeline_tests/"))]
