"""Benchmarks bringing ``metrics_daily`` up to date: touched days against the former full refresh.

For each size, a scratch database gets ``rows`` listener_metrics rows generated in SQL (one tenant,
20 shows, 10,000 episodes × 3 sources = 30,000 rows a day, ``rows / 30,000`` days: a mid-size network),
metrics_daily is built, and the former design is recreated beside it as the baseline: the
``MATERIALIZED VIEW`` of migration 0001 (``metrics_daily_matview``) with its unique index. Then, on the
same data and server:

* bare aggregate: the former view's defining ``SELECT ... GROUP BY``, as ``SELECT count(*) FROM (...)``
  (all groups computed, none written);
* full rebuild: ``rebuild_metrics_daily`` (every row deleted and re-inserted in one transaction);
* a 1-day import: a CSV of the next day's 30,000 rows through ``imports.import_csv`` (the triggers
  record the day), then ``refresh_metrics_daily`` — the time until metrics_daily is current;
* a 1-day revision: the same day again with every 10th downloads value changed (upsert path: 3,000
  superseded values go to listener_metrics_history), then ``refresh_metrics_daily``;
* baseline: ``REFRESH MATERIALIZED VIEW CONCURRENTLY metrics_daily_matview`` after those imports, what
  the asset ran before migration 0012.

Targets (issue 14): metrics_daily current after a 1-day import in < 1 s and ≥ 50× faster than the
baseline; a full rebuild ≤ 1.5× the bare aggregate; the 1-day refresh flat as the history grows.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta
from pathlib import Path

from benchmarks.common import BENCH_DIR, Row, connect, scratch_database
from sponsor_pipeline.warehouse import imports
from sponsor_pipeline.warehouse.metrics import rebuild_metrics_daily, refresh_metrics_daily
from sponsor_pipeline.warehouse.targets import LISTENER_METRICS

SOURCES = ("megaphone", "spotify", "apple_podcasts")
SETUP = (
    "INSERT INTO tenants (tenant_id, name) VALUES ('bench', 'Benchmark Network')",
    (
        "INSERT INTO shows (tenant_id, show_id, title, slug) "
        "SELECT 'bench', 'bench-show-' || s, 'Show ' || s, 'show-' || s FROM generate_series(0, 19) s"
    ),
    (
        "INSERT INTO episodes (tenant_id, episode_id, show_id, title, published_at, duration_seconds) "
        "SELECT 'bench', 'bench-ep-' || e, 'bench-show-' || (e %% 20), 'Episode ' || e, date '2024-12-01', 1800 "
        "FROM generate_series(0, %(episodes)s - 1) e"
    ),
)
# Row n: day n / per_day, episode (n / 3) mod episodes, source n mod 3.
FILL = """
INSERT INTO listener_metrics (tenant_id, day, show_id, episode_id, source, downloads, listeners, listen_seconds)
SELECT 'bench', date '2025-01-01' + (n / %(per_day)s)::int, 'bench-show-' || ((n / 3) %% %(episodes)s %% 20),
       'bench-ep-' || ((n / 3) %% %(episodes)s), (ARRAY['megaphone', 'spotify', 'apple_podcasts'])[n %% 3 + 1],
       300 + (n * 7919) %% 200, 200 + (n * 104729) %% 100, (200 + (n * 104729) %% 100) * 1500
FROM generate_series(0::bigint, %(rows)s - 1) AS n
"""
# The former metrics_daily, exactly as migration 0001 defined it.
DEFINITION = (
    "SELECT tenant_id, day, show_id, episode_id, source, sum(downloads)::bigint AS downloads, "
    "sum(listeners)::bigint AS listeners, sum(listen_seconds)::bigint AS listen_seconds FROM listener_metrics "
    "GROUP BY tenant_id, day, show_id, episode_id, source"
)
MATVIEW = (
    f"CREATE MATERIALIZED VIEW metrics_daily_matview AS {DEFINITION} WITH DATA",
    "CREATE UNIQUE INDEX ux_metrics_daily_matview ON metrics_daily_matview (tenant_id, day, episode_id, source)",
    "CREATE INDEX ix_metrics_daily_matview_show_day ON metrics_daily_matview (tenant_id, show_id, day)",
)


def day_file(path: Path, day: str, episodes: int, revised: bool) -> int:
    """One day of every episode × source as CSV; with ``revised`` every 10th downloads value + 1."""
    with open(path, "w", encoding="utf-8") as out:
        out.write("tenant_id,day,show_id,episode_id,source,downloads,listeners,listen_seconds\n")
        n = 0
        for episode in range(episodes):
            for source in SOURCES:
                downloads = 400 + (n * 7919) % 200 + (1 if revised and n % 10 == 0 else 0)
                out.write(f"bench,{day},bench-show-{episode % 20},bench-ep-{episode},{source},{downloads},250,375000\n")
                n += 1
    return n


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def measure(size: int, episodes: int) -> dict:
    per_day = episodes * len(SOURCES)
    out: dict = {}
    with scratch_database("refresh") as url, connect(url) as conn:
        for statement in SETUP:
            conn.execute(statement, {"episodes": episodes} if "%(episodes)s" in statement else None)
        conn.execute(FILL, {"rows": size, "per_day": per_day, "episodes": episodes})
        last_day = conn.execute("SELECT max(day) FROM listener_metrics").fetchone()[0]
        conn.commit()
        rebuild_metrics_daily(conn)
        for statement in MATVIEW:
            conn.execute(statement)
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE listener_metrics")
        conn.execute("VACUUM ANALYZE metrics_daily")
        conn.execute("VACUUM ANALYZE metrics_daily_matview")
        conn.autocommit = False

        out["aggregate"], _ = timed(lambda: conn.execute(f"SELECT count(*) FROM ({DEFINITION}) q").fetchone())  # noqa: S608
        conn.commit()
        out["rebuild"], _ = timed(lambda: rebuild_metrics_daily(conn))
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE metrics_daily")  # what autovacuum does after the rebuild
        conn.autocommit = False

        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        day = (last_day + timedelta(days=1)).isoformat()
        new_file, revised_file = BENCH_DIR / f"day-{size}.csv", BENCH_DIR / f"day-{size}-revised.csv"
        out["day_rows"] = day_file(new_file, day, episodes, revised=False)
        day_file(revised_file, day, episodes, revised=True)
        out["import"], result = timed(lambda: imports.import_csv(conn, new_file, LISTENER_METRICS))
        assert result.rows_loaded == out["day_rows"], result
        out["refresh"], done = timed(lambda: refresh_metrics_daily(conn))
        assert done.days == 1 and done.rows_inserted == out["day_rows"], done
        out["revise_import"], result = timed(lambda: imports.import_csv(conn, revised_file, LISTENER_METRICS))
        out["revised"] = result.rows_changed
        out["revise_refresh"], done = timed(lambda: refresh_metrics_daily(conn))
        assert done.days == 1, done
        out["history"] = conn.execute("SELECT count(*) FROM listener_metrics_history").fetchone()[0]
        conn.commit()
        out["concurrently"], _ = timed(
            lambda: conn.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY metrics_daily_matview")
        )
        conn.commit()
        new_file.unlink(missing_ok=True)
        revised_file.unlink(missing_ok=True)
    return out


def run(sizes: list[int], episodes: int) -> list[Row]:
    rows: list[Row] = []
    refreshes: dict[int, float] = {}
    for size in sizes:
        m = measure(size, episodes)
        label = f"{size:,} rows"
        refreshes[size] = m["refresh"]
        speedup = m["concurrently"] / m["refresh"]
        rows.append(
            Row(
                f"1-day import ({m['day_rows']:,} rows), then metrics_daily current vs full REFRESH CONCURRENTLY",
                label,
                f"refresh {m['refresh']:.2f} s (import before it {m['import']:.2f} s)",
                f"REFRESH CONCURRENTLY of the 0001 view {m['concurrently']:.1f} s",
                speedup,
                "< 1 s and ≥ 50× faster",
                m["refresh"] < 1 and speedup >= 50,
            )
        )
        rows.append(
            Row(
                f"1-day revision ({m['revised']:,} values changed, history kept), then current",
                label,
                f"refresh {m['revise_refresh']:.2f} s (import {m['revise_import']:.2f} s, "
                f"{m['history']:,} history rows)",
                f"REFRESH CONCURRENTLY {m['concurrently']:.1f} s",
                m["concurrently"] / m["revise_refresh"],
                "(reported, no target)",
                True,
            )
        )
        rows.append(
            Row(
                "metrics_daily full rebuild vs bare aggregate",
                label,
                f"{m['rebuild']:.1f} s",
                f"aggregate {m['aggregate']:.1f} s",
                m["rebuild"] / m["aggregate"],
                "≤ 1.5× the aggregate",
                m["rebuild"] / m["aggregate"] <= 1.5,
            )
        )
    if len(refreshes) > 1:
        small, large = min(refreshes), max(refreshes)
        rows.append(
            Row(
                "growth: 1-day refresh as the history grows",
                f"{large:,} vs {small:,} rows",
                f"{refreshes[large]:.2f} s at {large:,}",
                f"{refreshes[small]:.2f} s at {small:,}",
                refreshes[large] / refreshes[small],
                "flat (ratio < 2)",
                refreshes[large] / refreshes[small] < 2,
            )
        )
    return rows


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 3_000_000, 10_000_000])
    parser.add_argument("--episodes", type=int, default=10_000, help="episodes; a day has 3 × this many rows")
    args = parser.parse_args(argv)
    result = run(args.sizes, args.episodes)
    for row in result:
        print(row)
    return result


if __name__ == "__main__":
    main()
