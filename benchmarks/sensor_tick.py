"""Owns the sensor tick benchmark: one io_status_sensor tick with 100 pending transitions on a small
and on a large io_bookings table (default 1,000 vs 1,000,000 IOs); prints absolute times and the ratio.

Builds its own data in a scratch database (``sponsor_bench_sensor_tick``) on the embedded server (or
the server of ``DATABASE_URL``), dropped at the end. Per size: the IOs are inserted (the triggers log
each insert in change_log), the sensor is brought up to date (one event per logged row, written in
bulk, cursor at the last change), then for each repetition ``--pending`` IOs change status and one
tick is timed: the whole Dagster tick (``evaluate_tick`` with the real PostgresResource) and, inside
it, the database part (``process_changes``).

    .venv/bin/python benchmarks/sensor_tick.py                 # 1,000 vs 1,000,000 IOs
    .venv/bin/python benchmarks/sensor_tick.py --scale 100000  # 1,000 vs 100,000 IOs
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import time

import dagster as dg
import psycopg

from benchmarks.common import Row
from sponsor_pipeline.db import migrate, server
from sponsor_pipeline.definitions import build_definitions
from sponsor_pipeline.defs.deals_io import sensors
from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.resources.settings import settings_from_env
from sponsor_pipeline.settings import Flags
from sponsor_pipeline.warehouse import change_log

SEED = [
    "INSERT INTO tenants (tenant_id, name) VALUES ('bench', 'Benchmark Network')",
    "INSERT INTO shows (tenant_id, show_id, title, slug) VALUES ('bench', 'bench-show', 'Bench Show', 'bench-show')",
    "INSERT INTO advertisers (tenant_id, advertiser_id, name) VALUES ('bench', 'bench-adv', 'Bench Advertiser')",
    (
        "INSERT INTO campaigns (tenant_id, campaign_id, advertiser_id, name, stage) "
        "VALUES ('bench', 'bench-cmp', 'bench-adv', 'Bench Campaign', 'won')"
    ),
]
IOS = """
INSERT INTO io_bookings (tenant_id, io_id, campaign_id, show_id, flight_start, flight_end,
                         booked_impressions, cpm, status)
SELECT 'bench', 'io-' || lpad(g::text, 8, '0'), 'bench-cmp', 'bench-show', DATE '2026-11-01',
       DATE '2026-11-30', 10000 + g %% 5000, 25, 'scheduled'
FROM generate_series(1, %(n)s) g
"""
CAUGHT_UP = """
INSERT INTO events (tenant_id, event_type, entity_type, entity_id, payload, dedupe_key, occurred_at)
SELECT tenant_id, 'io.scheduled', entity_type, entity_id, '{}'::jsonb, 'change_log:' || change_id, changed_at
FROM change_log
"""
# Flip `pending` random IOs between live and paused: one change_log row each.
TRANSITIONS = """
UPDATE io_bookings SET status = CASE status WHEN 'live' THEN 'paused' ELSE 'live' END
WHERE tenant_id = 'bench' AND io_id IN (
    SELECT DISTINCT 'io-' || lpad((1 + floor(random() * %(n)s))::int::text, 8, '0')
    FROM generate_series(1, %(pending)s * 3) LIMIT %(pending)s)
"""


def _prepare(url, n: int) -> str:
    """Fresh scratch database with ``n`` IOs and an up-to-date sensor; returns the cursor."""
    server.drop_database(url)
    server.ensure_database(url)
    migrate.migrate(url)
    with psycopg.connect(server.libpq_dsn(url), autocommit=True) as conn:
        for statement in SEED:
            conn.execute(statement)
        conn.execute(IOS, {"n": n})
        conn.execute(CAUGHT_UP)
        conn.execute("VACUUM ANALYZE")
        last = conn.execute("SELECT max(change_id) FROM change_log").fetchone()[0]
        watermark = conn.execute("SELECT max(event_id) FROM events").fetchone()[0]
    return change_log.Cursor(last_change_id=last, settled_change_id=last, event_watermark=watermark).dumps()


def measure(url, n: int, pending: int, repeat: int) -> tuple[list[float], list[float]]:
    """Seconds per tick (whole Dagster tick, database part) over ``repeat`` ticks."""
    started = time.perf_counter()
    cursor = _prepare(url, n)
    print(f"  {n:>9,} IOs: data built in {time.perf_counter() - started:.1f}s", flush=True)
    postgres = PostgresResource(database_url=url.render_as_string(hide_password=False))
    repo = build_definitions(Flags()).get_repository_def()
    instance = dg.DagsterInstance.ephemeral()
    db_times: list[float] = []
    real = change_log.process_changes

    def timed(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            db_times.append(time.perf_counter() - t0)

    change_log.process_changes = timed
    tick_times = []
    try:
        with psycopg.connect(server.libpq_dsn(url), autocommit=True) as conn:
            for _ in range(repeat + 1):  # the first tick warms caches; not counted
                conn.execute(TRANSITIONS, {"n": n, "pending": pending})
                with dg.build_sensor_context(
                    cursor=cursor,
                    instance=instance,
                    repository_def=repo,
                    resources={"postgres": postgres, "settings": settings_from_env()},
                ) as context:
                    t0 = time.perf_counter()
                    data = sensors.io_status_sensor.evaluate_tick(context)
                    tick_times.append(time.perf_counter() - t0)
                cursor = data.cursor
                got = len(data.asset_events)
                if got != pending:
                    raise SystemExit(f"expected {pending} transitions in the tick, got {got}")
    finally:
        change_log.process_changes = real
    return tick_times[1:], db_times[1:]


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1_000_000, help="IOs in the large table")
    parser.add_argument("--base", type=int, default=1_000, help="IOs in the small table")
    parser.add_argument("--pending", type=int, default=100, help="transitions pending per tick")
    parser.add_argument("--repeat", type=int, default=5, help="timed ticks per size (median reported)")
    args = parser.parse_args(argv)
    logging.getLogger("dagster").setLevel(logging.WARNING)
    if args.pending > 500:
        raise SystemExit("--pending must fit one tick's batch (500)")
    base_server = (
        server.normalise_url(os.environ["DATABASE_URL"])
        if os.environ.get("DATABASE_URL")
        else server.embedded_server_url()
    )
    url = base_server.set(database="sponsor_bench_sensor_tick")
    print(f"io_status_sensor tick, {args.pending} pending transitions, median of {args.repeat} ticks")
    results = {}
    try:
        for n in (args.base, args.scale):
            results[n] = measure(url, n, args.pending, args.repeat)
    finally:
        server.drop_database(url)
    print(f"\n{'IOs':>11} {'tick (ms)':>10} {'db part (ms)':>13}")
    for n, (ticks, dbs) in results.items():
        print(f"{n:>11,} {statistics.median(ticks) * 1000:>10.1f} {statistics.median(dbs) * 1000:>13.1f}")
    (small_t, small_d), (large_t, large_d) = results[args.base], results[args.scale]
    print(
        f"\nratio {args.scale:,} / {args.base:,} IOs: whole tick "
        f"{statistics.median(large_t) / statistics.median(small_t):.2f}x, database part "
        f"{statistics.median(large_d) / statistics.median(small_d):.2f}x"
    )
    ratio = statistics.median(large_t) / statistics.median(small_t)
    return [
        Row(
            f"io_status_sensor tick, {args.pending} pending transitions",
            f"{args.scale:,} vs {args.base:,} IOs",
            f"{statistics.median(large_t) * 1000:.0f} ms at {args.scale:,} IOs",
            f"{statistics.median(small_t) * 1000:.0f} ms at {args.base:,} IOs",
            ratio,
            "ratio < 2",
            ratio < 2,
        )
    ]


if __name__ == "__main__":
    main()
