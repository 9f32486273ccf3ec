"""Prints, per real payload and real-format fixture, rows read / loaded / quarantined / dropped.

Imports every file of :mod:`sponsor_pipeline_tests.accounting` into a scratch database (on the
``DATABASE_URL`` server, else the embedded one under the state folder), prints the markdown table
and the totals, and drops the database.

Run: ``.venv/bin/python scripts/payload_accounting.py``
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sponsor_pipeline.db import migrate, server
from sponsor_pipeline.settings import state_dir
from sponsor_pipeline_tests import accounting
from sponsor_pipeline_tests.conftest import load_reference


def main() -> int:
    base = (
        server.normalise_url(os.environ["DATABASE_URL"])
        if os.environ.get("DATABASE_URL")
        else server.embedded_server_url(state_dir() / "pg-test")
    )
    url = base.set(database=f"sponsor_accounting_{uuid.uuid4().hex[:8]}")
    server.ensure_database(url)
    try:
        migrate.migrate(url)
        with psycopg.connect(server.libpq_dsn(url)) as conn, tempfile.TemporaryDirectory() as root:
            load_reference(conn)
            rows = accounting.account(conn, Path(root))
    finally:
        server.drop_database(url)
    print(accounting.markdown(rows))
    totals = [sum(getattr(r, f) for r in rows) for f in ("read", "loaded", "quarantined", "dropped")]
    print(f"\n{len(rows)} files: read {totals[0]}, loaded {totals[1]}, quarantined {totals[2]}, dropped {totals[3]}")
    unbalanced = [r.name for r in rows if not r.balanced]
    print("read = loaded + quarantined + dropped for every file" if not unbalanced else f"UNBALANCED: {unbalanced}")
    return 1 if unbalanced else 0


if __name__ == "__main__":
    raise SystemExit(main())
