"""Benchmarks bringing ``metrics_daily`` up to date: touched days against the former full refresh.

For each size, a scratch database gets ``rows`` listener_metrics rows generated in SQL (one tenant,
20 shows, 10,000 episodes × 3 sources = 30,000 rows a day, ``rows / 30,000`` days: a mid-size network),
metrics_daily is built, and the former design is recreated beside it as the baseline: the
``MATERIALIZED VIEW`` of migration 0001 (``metrics_daily_matview``) with its unique index. Then, on the
same data and server:

* bare aggregate: the former view's defining ``SELECT ... GROUP BY`` with every group's sums computed
  and none written (``SELECT count(*), sum(downloads), sum(listeners), sum(listen_seconds) FROM (...)``);
  also its ``SELECT count(*) FROM (...)`` form, which PostgreSQL answers from the unique index of
  listener_metrics alone (an index-only scan in key order: no sum is computed, no row read), as a
  second, stricter reference;
* first build: ``rebuild_metrics_daily`` into the empty metrics_daily (every row inserted);
* full rebuild: ``rebuild_metrics_daily`` with metrics_daily in sync, then after one day's values
  drifted (a hand edit): it compares per-day fingerprints of both tables and replaces the differing day;
* a 1-day import: a CSV of the next day's 30,000 rows through ``imports.import_csv`` (the triggers
  record the day), then ``refresh_metrics_daily`` — the time until metrics_daily is current;
* a 1-day revision: the same day again with every 10th downloads value changed (upsert path: 3,000
  superseded values go to listener_metrics_history), then ``refresh_metrics_daily``;
* the reconciliation check's comparison (``reconcile_metrics_daily``) of the refreshed day only, as
  after a refresh, and of the whole table, as on a full rebuild or the weekly schedule;
* baseline: ``REFRESH MATERIALIZED VIEW CONCURRENTLY metrics_daily_matview`` after those imports, what
  the asset ran before migration 0012 (sizes up to ``--baseline-max`` only: above it the view is
  neither built nor refreshed, and the 1-day refresh is reported for the growth row alone).

Each size's rows are printed as soon as it is done, with the 1-minute load average before and after.

Targets (issue 14): metrics_daily current after a 1-day import in < 1 s and ≥ 50× faster than the
baseline; a full rebuild ≤ 1.5× the bare aggregate; the 1-day refresh flat as the history grows.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from benchmarks.common import BENCH_DIR, Row, connect, scratch_database
from sponsor_pipeline.warehouse import imports
from sponsor_pipeline.warehouse.metrics import rebuild_metrics_daily, reconcile_metrics_daily, refresh_metrics_daily
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
# Row n: day first_day + n / per_day, episode (n / 3) mod episodes, source n mod 3. first_day is chosen so
# that the history ends the day before yesterday: the 1-day import's day must not lie in the future (the
# import quarantines days after tomorrow).
FILL = """
INSERT INTO listener_metrics (tenant_id, day, show_id, episode_id, source, downloads, listeners, listen_seconds)
SELECT 'bench', %(first_day)s::date + (n / %(per_day)s)::int, 'bench-show-' || ((n / 3) %% %(episodes)s %% 20),
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
AGGREGATE = f"SELECT count(*), sum(downloads), sum(listeners), sum(listen_seconds) FROM ({DEFINITION}) q"  # noqa: S608
COUNT_ONLY = f"SELECT count(*) FROM ({DEFINITION}) q"  # noqa: S608
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


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


def measure(size: int, episodes: int, baseline: bool, rebuild_only: bool = False) -> dict:
    per_day = episodes * len(SOURCES)
    out: dict = {"load_before": os.getloadavg()[0]}
    with scratch_database("refresh") as url, connect(url) as conn:
        for statement in SETUP:
            conn.execute(statement, {"episodes": episodes} if "%(episodes)s" in statement else None)
        log(f"{size:,}: filling listener_metrics")
        first_day = datetime.now(UTC).date() - timedelta(days=-(-size // per_day) + 2)
        conn.execute(FILL, {"rows": size, "per_day": per_day, "episodes": episodes, "first_day": first_day})
        last_day = conn.execute("SELECT max(day) FROM listener_metrics").fetchone()[0]
        conn.commit()
        log(f"{size:,}: first build")
        out["first_build"], done = timed(lambda: rebuild_metrics_daily(conn))
        assert done.rows_inserted == size, done
        if baseline and not rebuild_only:
            for statement in MATVIEW:
                conn.execute(statement)
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE listener_metrics")
        conn.execute("VACUUM ANALYZE metrics_daily")
        if baseline and not rebuild_only:
            conn.execute("VACUUM ANALYZE metrics_daily_matview")
        conn.autocommit = False

        log(f"{size:,}: aggregate and rebuilds")
        out["aggregate"], _ = timed(lambda: conn.execute(AGGREGATE).fetchone())
        conn.commit()
        out["count_only"], _ = timed(lambda: conn.execute(COUNT_ONLY).fetchone())
        conn.commit()
        out["rebuild"], done = timed(lambda: rebuild_metrics_daily(conn))
        assert done.days == 0, done
        # drift on one day (as a hand edit would leave it): the rebuild finds and replaces that day
        drift_day = last_day - timedelta(days=1)
        conn.execute("UPDATE metrics_daily SET downloads = downloads + 1 WHERE day = %s", (drift_day,))
        conn.commit()
        out["repair"], done = timed(lambda: rebuild_metrics_daily(conn))
        assert done.days == 1 and done.rows_inserted == per_day, done
        if rebuild_only:
            out["load_after"] = os.getloadavg()[0]
            log(f"{size:,}: done {out}")
            return out
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE metrics_daily")  # what autovacuum does after the rebuild
        conn.autocommit = False

        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        day = (last_day + timedelta(days=1)).isoformat()
        new_file, revised_file = BENCH_DIR / f"day-{size}.csv", BENCH_DIR / f"day-{size}-revised.csv"
        out["day_rows"] = day_file(new_file, day, episodes, revised=False)
        day_file(revised_file, day, episodes, revised=True)
        log(f"{size:,}: 1-day import and refresh")
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
        log(f"{size:,}: reconciliation, the refreshed day and the whole table")
        out["check_day"], (mismatches, _) = timed(
            lambda: reconcile_metrics_daily(conn, days=[("bench", date.fromisoformat(day))])
        )
        assert mismatches == 0
        out["check_full"], (mismatches, _) = timed(lambda: reconcile_metrics_daily(conn))
        assert mismatches == 0
        conn.commit()
        if baseline:
            log(f"{size:,}: REFRESH MATERIALIZED VIEW CONCURRENTLY")
            out["concurrently"], _ = timed(
                lambda: conn.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY metrics_daily_matview")
            )
            conn.commit()
        new_file.unlink(missing_ok=True)
        revised_file.unlink(missing_ok=True)
    out["load_after"] = os.getloadavg()[0]
    log(f"{size:,}: done {out}")
    return out


def size_rows(size: int, m: dict) -> list[Row]:
    label = f"{size:,} rows (load {m['load_before']:.1f}–{m['load_after']:.1f})"
    rows: list[Row] = []
    if "concurrently" in m:
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
    elif "refresh" in m:
        rows.append(
            Row(
                f"1-day import ({m['day_rows']:,} rows), then metrics_daily current (no view baseline at this size)",
                label,
                f"refresh {m['refresh']:.2f} s (import before it {m['import']:.2f} s); revision "
                f"({m['revised']:,} values) refresh {m['revise_refresh']:.2f} s",
                "the 1 s target",
                1 / m["refresh"],
                "< 1 s",
                m["refresh"] < 1,
            )
        )
    rows.append(
        Row(
            "metrics_daily full rebuild after drift on 1 day vs bare aggregate (sums computed)",
            label,
            f"{m['repair']:.1f} s (1 day replaced); in sync {m['rebuild']:.1f} s",
            f"aggregate {m['aggregate']:.1f} s",
            m["repair"] / m["aggregate"],
            "≤ 1.5× the aggregate",
            m["repair"] / m["aggregate"] <= 1.5,
        )
    )
    rows.append(
        Row(
            "metrics_daily full rebuild after drift on 1 day vs the aggregate's count(*) form (index only)",
            label,
            f"{m['repair']:.1f} s",
            f"count(*) of the groups {m['count_only']:.1f} s",
            m["repair"] / m["count_only"],
            "(reported, no target)",
            True,
        )
    )
    rows.append(
        Row(
            "metrics_daily first build (every row inserted) vs bare aggregate",
            label,
            f"{m['first_build']:.1f} s",
            f"aggregate {m['aggregate']:.1f} s",
            m["first_build"] / m["aggregate"],
            "(reported, no target)",
            True,
        )
    )
    if "check_full" not in m:
        return rows
    rows.append(
        Row(
            "reconciliation check: the refreshed day vs the whole table",
            label,
            f"{m['check_day']:.2f} s",
            f"whole table {m['check_full']:.1f} s",
            m["check_full"] / m["check_day"],
            "(reported, no target)",
            True,
        )
    )
    return rows


def run(sizes: list[int], episodes: int, baseline_max: int, rebuild_only: bool = False) -> list[Row]:
    rows: list[Row] = []
    refreshes: dict[int, float] = {}
    for size in sizes:
        m = measure(size, episodes, baseline=size <= baseline_max, rebuild_only=rebuild_only)
        if "refresh" in m:
            refreshes[size] = m["refresh"]
        done = size_rows(size, m)
        for row in done:
            print(row, flush=True)
        rows += done
    if len(refreshes) > 1:
        small, large = min(refreshes), max(refreshes)
        rows.append(
            Row(
                "growth: 1-day refresh as the history grows",
                f"{large:,} vs {small:,} rows",
                ", ".join(f"{refreshes[n]:.2f} s at {n:,}" for n in sorted(refreshes)),
                f"{refreshes[small]:.2f} s at {small:,}",
                refreshes[large] / refreshes[small],
                "flat (ratio < 2)",
                refreshes[large] / refreshes[small] < 2,
            )
        )
    return rows


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000, 30_000_000])
    parser.add_argument("--episodes", type=int, default=10_000, help="episodes; a day has 3 × this many rows")
    parser.add_argument(
        "--baseline-max",
        type=int,
        default=10_000_000,
        help="largest size that also builds and refreshes the former materialized view (the baseline)",
    )
    parser.add_argument(
        "--rebuild-only", action="store_true", help="only the aggregate, first build and full rebuild cases"
    )
    args = parser.parse_args(argv)
    result = run(args.sizes, args.episodes, args.baseline_max, args.rebuild_only)
    for row in result:
        print(row)
    return result


if __name__ == "__main__":
    main()
