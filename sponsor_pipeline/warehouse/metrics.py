"""Owns the SQL around ``metrics_daily``: refresh of the touched days, range and full rebuilds, summary
and reconciliation with listener_metrics.

``metrics_daily`` is a table (migration 0012) holding the current value of every listener_metrics key:
one row per ``(tenant_id, day, show_id, episode_id, source)``. Triggers on listener_metrics append the
(tenant, day) of every change to ``metrics_daily_pending`` inside the writing transaction; a refresh
claims those rows and replaces exactly those days (the delete-and-reinsert pattern of dbt's
``delete+insert`` incremental strategy), so its cost follows the changed days, not the history.

Every refresh runs in one transaction under a transaction-level advisory lock:

1. the lock serialises refreshes (two refreshes replacing the same day would otherwise both insert it);
   readers take no lock and are never blocked, and see each day's old or new rows, never a mix;
2. the claimed days are deleted from ``metrics_daily_pending`` first, then listener_metrics is read by a
   later statement whose snapshot sees at least every change those pending rows stand for (READ
   COMMITTED takes a snapshot per statement); pending rows of a transaction still open stay for the
   next refresh;
3. the claimed days' rows of metrics_daily are deleted and re-inserted from listener_metrics.

A full rebuild (``rebuild_metrics_daily``, a repair after drift) runs the same steps for the days whose
per-day fingerprints (row count, sum of 64-bit row hashes) differ between the two tables, so it writes
only what drifted; the reconciliation (``reconcile_metrics_daily``) compares key by key, the whole
table or only given (tenant, day) pairs.

The roll-up is the projection of listener_metrics: its unique key ``ux_listener_metrics_key`` (UNIQUE
NULLS NOT DISTINCT over exactly the grouping columns) makes each group a single row, so the former
view's ``sum()`` per key equals the row's value and no aggregation step is needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg

# Serialises refreshes of metrics_daily (any constant key shared by every refresh).
LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('metrics_daily refresh', 0))"

CREATE_CLAIMED = (
    "CREATE TEMP TABLE metrics_daily_claimed (tenant_id text NOT NULL, day date NOT NULL, "
    "PRIMARY KEY (tenant_id, day)) ON COMMIT DROP"
)
# Pending days, optionally within [first, last] (NULL bound: open).
CLAIM_PENDING = """
WITH claimed AS (
    DELETE FROM metrics_daily_pending
    WHERE (%(first)s::date IS NULL OR day >= %(first)s::date) AND (%(last)s::date IS NULL OR day <= %(last)s::date)
    RETURNING tenant_id, day
)
INSERT INTO metrics_daily_claimed SELECT DISTINCT tenant_id, day FROM claimed ON CONFLICT DO NOTHING
"""
# Every tenant's days of [first, last], whether or not anything is pending there.
CLAIM_RANGE = """
INSERT INTO metrics_daily_claimed (tenant_id, day)
SELECT t.tenant_id, g.day::date
FROM tenants t CROSS JOIN generate_series(%(first)s::date, %(last)s::date, interval '1 day') AS g (day)
ON CONFLICT DO NOTHING
"""
CLAIMED_PAIRS = "SELECT tenant_id, day FROM metrics_daily_claimed ORDER BY tenant_id, day"
DELETE_CLAIMED = (
    "DELETE FROM metrics_daily m USING metrics_daily_claimed c WHERE m.tenant_id = c.tenant_id AND m.day = c.day"
)
INSERT_CLAIMED = """
INSERT INTO metrics_daily (tenant_id, day, show_id, episode_id, source, downloads, listeners, listen_seconds)
SELECT l.tenant_id, l.day, l.show_id, l.episode_id, l.source, l.downloads, l.listeners, l.listen_seconds
FROM listener_metrics l JOIN metrics_daily_claimed c ON c.tenant_id = l.tenant_id AND c.day = l.day
"""
# Full rebuild: compare, then replace only the days that differ. A day's fingerprint is its row count
# and the sum of a 64-bit hash of every row (hash_record_extended over the key and the values, each
# column hashed by its type's hash function); equal fingerprints mean equal rows of that day except with
# probability about 2^-64. Each side is one sequential scan aggregated into one group per (tenant, day),
# a hash table of a few thousand entries that never spills, where the former view's GROUP BY builds one
# entry per row. Days with a different fingerprint, or on one side only, are claimed and replaced as in
# a refresh (DELETE + INSERT through the (tenant_id, day) index prefixes); duplicated keys change the
# count, so their days are replaced too.
CLAIM_ALL = "DELETE FROM metrics_daily_pending"
FINGERPRINT = """
SELECT tenant_id, day, count(*) AS n,
       sum(hash_record_extended(ROW(show_id, episode_id, source, downloads, listeners, listen_seconds), 0)) AS h
FROM {table} GROUP BY tenant_id, day
"""
CLAIM_DIFFERING = f"""
INSERT INTO metrics_daily_claimed (tenant_id, day)
SELECT coalesce(s.tenant_id, m.tenant_id), coalesce(s.day, m.day)
FROM ({FINGERPRINT.format(table="listener_metrics")}) s
FULL JOIN ({FINGERPRINT.format(table="metrics_daily")}) m ON m.tenant_id = s.tenant_id AND m.day = s.day
WHERE (s.n, s.h) IS DISTINCT FROM (m.n, m.h)
ON CONFLICT DO NOTHING
"""  # noqa: S608 (constant text: the two fingerprint queries)
PENDING_DAYS = "SELECT count(DISTINCT (tenant_id, day)) FROM metrics_daily_pending"


@dataclass(frozen=True)
class Refresh:
    """What one refresh did: ``mode`` (``pending``, ``range`` or ``full``), the (tenant, day) pairs
    replaced (for a full rebuild: those whose rows differed), the rows deleted and inserted, and the
    replaced (tenant_id, day) ``pairs`` themselves, sorted."""

    mode: str
    days: int | None
    rows_deleted: int
    rows_inserted: int
    first_day: date | None = None
    last_day: date | None = None
    pairs: tuple[tuple[str, date], ...] = ()


SUMMARY = """
SELECT tenant_id, count(*) AS rows, min(day) AS first_day, max(day) AS last_day,
       sum(downloads) AS downloads
FROM metrics_daily GROUP BY tenant_id ORDER BY tenant_id
"""

# Keys whose values differ between metrics_daily and listener_metrics (a FULL JOIN catches rows missing
# on either side). listener_metrics has one row per key (ux_listener_metrics_key, NULLS NOT DISTINCT), so
# its rows are the sums the former view computed and no GROUP BY is needed. Keys are matched on
# coalesce(episode_id, '') so the join hashes on the whole key (show-level rows, episode_id NULL, would
# otherwise share one hash bucket per show and day), and exactly with IS NOT DISTINCT FROM. {scope}
# restricts both sides to some (tenant, day) pairs; empty for the whole table.
RECONCILE = """
WITH source AS (
    SELECT tenant_id, day, show_id, episode_id, source, downloads, listeners, listen_seconds
    FROM listener_metrics l WHERE true {scope}
), target AS (
    SELECT tenant_id, day, show_id, episode_id, source, downloads, listeners, listen_seconds
    FROM metrics_daily l WHERE true {scope}
)
SELECT coalesce(s.tenant_id, m.tenant_id) AS tenant_id, coalesce(s.day, m.day)::text AS day,
       coalesce(s.show_id, m.show_id) AS show_id,
       coalesce(s.episode_id, m.episode_id) AS episode_id, coalesce(s.source, m.source) AS source,
       s.downloads AS source_downloads, m.downloads AS view_downloads,
       s.listeners AS source_listeners, m.listeners AS view_listeners,
       s.listen_seconds AS source_listen_seconds, m.listen_seconds AS view_listen_seconds
FROM source s
FULL JOIN target m
  ON m.tenant_id = s.tenant_id AND m.day = s.day AND m.show_id = s.show_id AND m.source = s.source
 AND coalesce(m.episode_id, '') = coalesce(s.episode_id, '') AND m.episode_id IS NOT DISTINCT FROM s.episode_id
WHERE (s.downloads, s.listeners, s.listen_seconds) IS DISTINCT FROM (m.downloads, m.listeners, m.listen_seconds)
ORDER BY 1, 2, 3, 4, 5
"""
# The scope of a reconciliation limited to days: the pairs in metrics_daily_checked (a temporary table).
SCOPE_DAYS = "AND EXISTS (SELECT 1 FROM metrics_daily_checked c WHERE c.tenant_id = l.tenant_id AND c.day = l.day)"
CREATE_CHECKED = (
    "CREATE TEMP TABLE metrics_daily_checked (tenant_id text NOT NULL, day date NOT NULL, "
    "PRIMARY KEY (tenant_id, day)) ON COMMIT DROP"
)


def json_safe(value: Any) -> Any:
    """``value`` as JSON-serialisable Python: ``Decimal`` → int when integral else float, dates and
    timestamps → ISO text, dicts and lists recursively; other values unchanged.

    PostgreSQL ``sum()`` over integer columns returns ``numeric`` (a ``Decimal`` in psycopg), which
    Dagster's JSON metadata rejects (``DagsterInvalidMetadata``).
    """
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def refresh_metrics_daily(
    conn: psycopg.Connection, first_day: date | None = None, last_day: date | None = None
) -> Refresh:
    """Bring metrics_daily up to date for the pending days and commit (see the module docstring).

    With ``first_day`` / ``last_day`` (both or neither), rebuild exactly that day range for every
    tenant instead, whether or not anything is pending there (a backfill); pending days outside the
    range stay pending.

    Raises:
        ValueError: only one bound given, or ``first_day`` after ``last_day``.
    """
    ranged = first_day is not None or last_day is not None
    if ranged and (first_day is None or last_day is None or first_day > last_day):
        raise ValueError(f"a range needs first_day <= last_day, got {first_day} .. {last_day}")
    bounds = {"first": first_day, "last": last_day}
    with conn.transaction():
        conn.execute(LOCK)
        conn.execute(CREATE_CLAIMED)
        conn.execute(CLAIM_PENDING, bounds)
        if ranged:
            conn.execute(CLAIM_RANGE, bounds)
        pairs = tuple(conn.execute(CLAIMED_PAIRS).fetchall())
        conn.execute("ANALYZE metrics_daily_claimed")  # a handful of days: index lookups, not scans
        deleted = conn.execute(DELETE_CLAIMED).rowcount
        inserted = conn.execute(INSERT_CLAIMED).rowcount
        conn.execute("DROP TABLE metrics_daily_claimed")
    return Refresh("range" if ranged else "pending", len(pairs), deleted, inserted, first_day, last_day, pairs)


def rebuild_metrics_daily(conn: psycopg.Connection) -> Refresh:
    """Bring every row of metrics_daily in line with listener_metrics in one transaction and commit;
    consumes every pending day. Readers are never blocked and keep the old rows until the commit.

    Compares each (tenant, day) of both tables by fingerprint (row count and sum of 64-bit row hashes,
    ``CLAIM_DIFFERING``) and replaces only the days that differ, so its cost is one aggregating pass
    over each table plus the rows of the differing days: a repair after drift writes few rows, a first
    build inserts every row. ``days`` counts the (tenant, day) pairs replaced.
    """
    with conn.transaction():
        conn.execute(LOCK)
        conn.execute(CLAIM_ALL)
        conn.execute(CREATE_CLAIMED)
        conn.execute(CLAIM_DIFFERING)
        pairs = tuple(conn.execute(CLAIMED_PAIRS).fetchall())
        conn.execute("ANALYZE metrics_daily_claimed")
        deleted = conn.execute(DELETE_CLAIMED).rowcount
        inserted = conn.execute(INSERT_CLAIMED).rowcount
        conn.execute("DROP TABLE metrics_daily_claimed")
    return Refresh("full", len(pairs), deleted, inserted, pairs=pairs)


def day_ranges(pairs: Iterable[tuple[str, date]]) -> dict[str, list[list[str]]]:
    """(tenant_id, day) pairs as ``{tenant_id: [[first_iso_day, last_iso_day], ...]}``: runs of
    consecutive days, sorted; the compact form stored in materialization metadata."""
    ranges: dict[str, list[list[date]]] = {}
    for tenant, day in sorted(set(pairs)):
        runs = ranges.setdefault(tenant, [])
        if runs and (day - runs[-1][1]).days == 1:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return {tenant: [[a.isoformat(), b.isoformat()] for a, b in runs] for tenant, runs in ranges.items()}


def pairs_of_ranges(ranges: Mapping[str, Sequence[Sequence[str]]]) -> list[tuple[str, date]]:
    """The inverse of :func:`day_ranges`: every (tenant_id, day) pair of the runs, inclusive."""
    pairs: list[tuple[str, date]] = []
    for tenant, runs in ranges.items():
        for first, last in runs:
            day, end = date.fromisoformat(first), date.fromisoformat(last)
            while day <= end:
                pairs.append((tenant, day))
                day += timedelta(days=1)
    return pairs


def pending_days(conn: psycopg.Connection) -> int:
    """Distinct (tenant, day) pairs waiting for a refresh."""
    return conn.execute(PENDING_DAYS).fetchone()[0]


def metrics_daily_summary(conn: psycopg.Connection) -> dict[str, Any]:
    """Row counts and day range, overall and per tenant (markdown table)."""
    rows = conn.execute(SUMMARY).fetchall()
    lines = ["| tenant | rows | first day | last day | downloads |", "|---|---|---|---|---|"]
    lines += [f"| {t} | {n} | {a} | {b} | {d} |" for t, n, a, b, d in rows]
    return {
        "rows": sum(r[1] for r in rows),
        "first_day": min((r[2] for r in rows), default=None),
        "last_day": max((r[3] for r in rows), default=None),
        "per_tenant_md": "\n".join(lines),
    }


def reconcile_metrics_daily(
    conn: psycopg.Connection, sample_size: int = 5, days: Iterable[tuple[str, date]] | None = None
) -> tuple[int, list[dict]]:
    """Compare metrics_daily with listener_metrics key by key: all of it, or with ``days`` only the
    given (tenant_id, day) pairs (an empty iterable compares nothing).

    Returns (number of mismatching keys, up to ``sample_size`` of them as JSON-safe dicts:
    ``tenant_id, day, show_id, episode_id, source`` and ``source_*`` / ``view_*`` downloads,
    listeners and listen_seconds, NULL where the key is missing on that side). Read-only; with
    ``days``, runs in a transaction of its own (its temporary table is dropped at the end).
    """
    if days is None:
        with conn.cursor() as cur:
            cur.execute(RECONCILE.format(scope=""))
            names = [d.name for d in cur.description]
            rows = cur.fetchall()
    else:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute(CREATE_CHECKED)
            with cur.copy("COPY metrics_daily_checked (tenant_id, day) FROM STDIN") as copy:
                for pair in set(days):
                    copy.write_row(pair)
            cur.execute("ANALYZE metrics_daily_checked")
            cur.execute(RECONCILE.format(scope=SCOPE_DAYS))
            names = [d.name for d in cur.description]
            rows = cur.fetchall()
            cur.execute("DROP TABLE metrics_daily_checked")
    return len(rows), [json_safe(dict(zip(names, r, strict=True))) for r in rows[:sample_size]]


# Keys of metrics_daily that occur more than once (GROUP BY compares NULL episode_id as equal).
DUPLICATE_KEYS = """
SELECT tenant_id, day::text AS day, show_id, episode_id, source, count(*) AS copies
FROM metrics_daily
GROUP BY tenant_id, day, show_id, episode_id, source
HAVING count(*) > 1
ORDER BY tenant_id, day, show_id, episode_id, source
"""


def duplicate_metrics_daily_keys(conn: psycopg.Connection, sample_size: int = 5) -> tuple[int, list[dict]]:
    """Returns (number of duplicated keys, up to ``sample_size`` of them as JSON-safe dicts)."""
    with conn.cursor() as cur:
        cur.execute(DUPLICATE_KEYS)
        names = [d.name for d in cur.description]
        rows = cur.fetchall()
    return len(rows), [json_safe(dict(zip(names, r, strict=True))) for r in rows[:sample_size]]
