"""Benchmarks ``REFRESH MATERIALIZED VIEW CONCURRENTLY metrics_daily`` against its bare aggregate.

For each size, a scratch database gets ``rows`` listener_metrics rows (generated in SQL: one tenant,
20 shows, episodes × 365 days × 3 sources), the view is populated once, 1% of the rows are revised
(a day of late platform numbers), and then, on the same data:

* baseline: the view's defining aggregate, ``SELECT count(*) FROM (<definition>) q`` (all groups
  computed, none written);
* ``REFRESH MATERIALIZED VIEW CONCURRENTLY metrics_daily`` as the asset runs it.

Target (issue "Benchmarks"): the refresh takes at most 2× the bare aggregate.
"""

from __future__ import annotations

import argparse
import time

from benchmarks.common import Row, connect, scratch_database
from sponsor_pipeline.warehouse.metrics import refresh_metrics_daily

SETUP = (
    "INSERT INTO tenants (tenant_id, name) VALUES ('bench', 'Benchmark Network')",
    (
        "INSERT INTO shows (tenant_id, show_id, title, slug) "
        "SELECT 'bench', 'bench-show-' || s, 'Show ' || s, 'show-' || s FROM generate_series(0, 19) s"
    ),
)
FILL = """
INSERT INTO listener_metrics (tenant_id, day, show_id, episode_id, source, downloads, listeners, listen_seconds)
SELECT 'bench', date '2025-11-01' + ((n / 3) %% 365)::int, 'bench-show-' || ((n / 1095) %% 20),
       'bench-ep-' || (n / 1095), (ARRAY['megaphone', 'spotify', 'apple_podcasts'])[n %% 3 + 1],
       300 + (n * 7919) %% 200, 200 + (n * 104729) %% 100, (200 + (n * 104729) %% 100) * 1500
FROM generate_series(0::bigint, %(rows)s - 1) AS n
"""

DEFINITION = (
    "SELECT tenant_id, day, show_id, episode_id, source, sum(downloads)::bigint, "
    "sum(listeners)::bigint, sum(listen_seconds)::bigint FROM listener_metrics "
    "GROUP BY tenant_id, day, show_id, episode_id, source"
)


def run(sizes: list[int]) -> list[Row]:
    rows = []
    for size in sizes:
        with scratch_database("refresh") as url, connect(url) as conn:
            for statement in SETUP:
                conn.execute(statement)
            conn.execute(FILL, {"rows": size})
            conn.commit()
            conn.execute("ANALYZE listener_metrics")
            conn.execute("REFRESH MATERIALIZED VIEW metrics_daily")
            conn.commit()
            conn.execute("ANALYZE metrics_daily")
            conn.commit()
            conn.execute("UPDATE listener_metrics SET downloads = downloads + 1 WHERE day = date '2025-11-01' + 100")
            conn.commit()
            start = time.perf_counter()
            conn.execute(f"SELECT count(*) FROM ({DEFINITION}) q").fetchone()  # noqa: S608 - constant
            conn.commit()
            bare = time.perf_counter() - start
            start = time.perf_counter()
            refresh_metrics_daily(conn)
            refresh = time.perf_counter() - start
        rows.append(
            Row(
                "metrics_daily REFRESH CONCURRENTLY vs bare aggregate",
                f"{size:,} rows",
                f"{refresh:.1f} s",
                f"aggregate {bare:.1f} s",
                refresh / bare,
                "≤ 2× the aggregate",
                refresh / bare <= 2,
            )
        )
    return rows


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    args = parser.parse_args(argv)
    result = run(args.sizes)
    for row in result:
        print(row)
    return result


if __name__ == "__main__":
    main()
