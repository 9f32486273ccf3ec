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

The roll-up is the projection of listener_metrics: its unique key ``ux_listener_metrics_key`` (UNIQUE
NULLS NOT DISTINCT over exactly the grouping columns) makes each group a single row, so the former
view's ``sum()`` per key equals the row's value and no aggregation step is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
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
DELETE_CLAIMED = (
    "DELETE FROM metrics_daily m USING metrics_daily_claimed c WHERE m.tenant_id = c.tenant_id AND m.day = c.day"
)
INSERT_CLAIMED = """
INSERT INTO metrics_daily (tenant_id, day, show_id, episode_id, source, downloads, listeners, listen_seconds)
SELECT l.tenant_id, l.day, l.show_id, l.episode_id, l.source, l.downloads, l.listeners, l.listen_seconds
FROM listener_metrics l JOIN metrics_daily_claimed c ON c.tenant_id = l.tenant_id AND c.day = l.day
"""
# Full rebuild: every row replaced (DELETE, not TRUNCATE: TRUNCATE would block readers).
CLAIM_ALL = "DELETE FROM metrics_daily_pending"
DELETE_ALL = "DELETE FROM metrics_daily"
INSERT_ALL = """
INSERT INTO metrics_daily (tenant_id, day, show_id, episode_id, source, downloads, listeners, listen_seconds)
SELECT tenant_id, day, show_id, episode_id, source, downloads, listeners, listen_seconds FROM listener_metrics
"""
PENDING_DAYS = "SELECT count(DISTINCT (tenant_id, day)) FROM metrics_daily_pending"


@dataclass(frozen=True)
class Refresh:
    """What one refresh did: ``mode`` (``pending``, ``range`` or ``full``), the (tenant, day) pairs
    replaced (``None`` for a full rebuild), and the rows deleted and inserted."""

    mode: str
    days: int | None
    rows_deleted: int
    rows_inserted: int
    first_day: date | None = None
    last_day: date | None = None


SUMMARY = """
SELECT tenant_id, count(*) AS rows, min(day) AS first_day, max(day) AS last_day,
       sum(downloads) AS downloads
FROM metrics_daily GROUP BY tenant_id ORDER BY tenant_id
"""

# Keys whose totals differ between the view and its source (a FULL JOIN catches rows missing on
# either side). NULL episode_id (show-level series) is matched with IS NOT DISTINCT FROM.
RECONCILE = """
WITH source AS (
    SELECT tenant_id, day, show_id, episode_id, source,
           sum(downloads) AS downloads, sum(listeners) AS listeners, sum(listen_seconds) AS listen_seconds
    FROM listener_metrics GROUP BY 1, 2, 3, 4, 5
)
SELECT coalesce(s.tenant_id, m.tenant_id) AS tenant_id, coalesce(s.day, m.day)::text AS day,
       coalesce(s.show_id, m.show_id) AS show_id,
       coalesce(s.episode_id, m.episode_id) AS episode_id, coalesce(s.source, m.source) AS source,
       s.downloads AS source_downloads, m.downloads AS view_downloads,
       s.listeners AS source_listeners, m.listeners AS view_listeners,
       s.listen_seconds AS source_listen_seconds, m.listen_seconds AS view_listen_seconds
FROM source s
FULL JOIN metrics_daily m
  ON m.tenant_id = s.tenant_id AND m.day = s.day AND m.show_id = s.show_id
 AND m.episode_id IS NOT DISTINCT FROM s.episode_id AND m.source = s.source
WHERE (s.downloads, s.listeners, s.listen_seconds) IS DISTINCT FROM (m.downloads, m.listeners, m.listen_seconds)
ORDER BY 1, 2, 3, 4, 5
"""


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
        days = conn.execute("SELECT count(*) FROM metrics_daily_claimed").fetchone()[0]
        conn.execute("ANALYZE metrics_daily_claimed")  # a handful of days: index lookups, not scans
        deleted = conn.execute(DELETE_CLAIMED).rowcount
        inserted = conn.execute(INSERT_CLAIMED).rowcount
        conn.execute("DROP TABLE metrics_daily_claimed")
    return Refresh("range" if ranged else "pending", days, deleted, inserted, first_day, last_day)


def rebuild_metrics_daily(conn: psycopg.Connection) -> Refresh:
    """Replace every row of metrics_daily from listener_metrics in one transaction and commit;
    consumes every pending day. Readers keep the old rows until the commit."""
    with conn.transaction():
        conn.execute(LOCK)
        conn.execute(CLAIM_ALL)
        deleted = conn.execute(DELETE_ALL).rowcount
        inserted = conn.execute(INSERT_ALL).rowcount
    return Refresh("full", None, deleted, inserted)


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


def reconcile_metrics_daily(conn: psycopg.Connection, sample_size: int = 5) -> tuple[int, list[dict]]:
    """Returns (number of mismatching keys, up to ``sample_size`` of them as JSON-safe dicts:
    ``tenant_id, day, show_id, episode_id, source`` and ``source_*`` / ``view_*`` downloads,
    listeners and listen_seconds, NULL where the key is missing on that side)."""
    with conn.cursor() as cur:
        cur.execute(RECONCILE)
        names = [d.name for d in cur.description]
        rows = cur.fetchall()
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
