"""Shared benchmark plumbing: a scratch database on the embedded (or DATABASE_URL) server, timers."""

from __future__ import annotations

import os
import platform
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from sqlalchemy.engine import URL

from sponsor_pipeline.db import migrate, server
from sponsor_pipeline.settings import state_dir
from sponsor_pipeline.warehouse import imports
from sponsor_pipeline.warehouse.targets import EPISODES, SHOWS, TENANTS

BENCH_DIR = state_dir() / "bench"


@contextmanager
def scratch_database(name: str) -> Iterator[URL]:
    """A freshly migrated database ``bench_<name>``, dropped afterwards."""
    base = (
        server.normalise_url(os.environ["DATABASE_URL"])
        if os.environ.get("DATABASE_URL")
        else server.embedded_server_url(state_dir() / "pg-bench")
    )
    url = base.set(database=f"bench_{name}_{os.getpid()}")  # concurrent runs never share one
    server.drop_database(url)
    server.ensure_database(url)
    migrate.migrate(url)
    try:
        yield url
    finally:
        server.drop_database(url)


def connect(url: URL) -> psycopg.Connection:
    return psycopg.connect(server.libpq_dsn(url))


def load_reference(conn: psycopg.Connection, folder: Path) -> None:
    for file_name, target in (("tenants.csv", TENANTS), ("shows.csv", SHOWS), ("episodes.csv", EPISODES)):
        imports.import_csv(conn, folder / file_name, target)


@contextmanager
def timer() -> Iterator[dict]:
    out: dict = {}
    start = time.perf_counter()
    try:
        yield out
    finally:
        out["seconds"] = time.perf_counter() - start


def peak_rss_mib() -> float:
    """Peak resident memory of this process, MiB (Linux ru_maxrss is KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    cores = os.cpu_count()
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem = float("nan")
    return f"{platform.platform()}, Python {platform.python_version()}, {cores} cores, {mem:.0f} GiB RAM"


@dataclass
class Row:
    case: str
    size: str
    measured: str
    baseline: str
    ratio: float
    target: str
    met: bool
    notes: list[str] = field(default_factory=list)
