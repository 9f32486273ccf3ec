"""Benchmarks ``make demo`` from a fresh clone: wall time including the virtual environment install.

The current checkout's HEAD is cloned into a temporary folder and ``make demo`` runs there with its
own state folder (its own embedded PostgreSQL). The baseline is the install step alone
(``make install`` in a second fresh clone), so the ratio says how much of the wall time is the
pipeline itself. uv's download cache is shared with the machine, as it is on a developer's.

Target (issue "Benchmarks"): under 3 minutes including the install.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.common import Row
from sponsor_pipeline.settings import PROJECT_ROOT


def _fresh_clone(into: Path) -> Path:
    subprocess.run(["git", "clone", "--quiet", str(PROJECT_ROOT), str(into)], check=True)
    return into


def _timed_make(folder: Path, target: str) -> float:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"VIRTUAL_ENV", "SPONSOR_STATE_DIR", "DATABASE_URL", "DAGSTER_HOME", "DAGSTER_PG_URL"}
    }
    start = time.perf_counter()
    subprocess.run(["make", target], cwd=folder, env=env, check=True, capture_output=True, text=True)
    return time.perf_counter() - start


def run() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="sponsor-demo-") as tmp:
        install = _timed_make(_fresh_clone(Path(tmp) / "install-only"), "install")
        demo = _timed_make(_fresh_clone(Path(tmp) / "demo"), "demo")
    return [
        Row(
            "make demo from a fresh clone (install included)",
            "samples + exports + sheet",
            f"{demo:.0f} s",
            f"make install alone {install:.0f} s",
            demo / install,
            "< 180 s",
            demo < 180,
        )
    ]


def main(argv: list[str] | None = None) -> list[Row]:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    result = run()
    for row in result:
        print(row)
    return result


if __name__ == "__main__":
    main()
