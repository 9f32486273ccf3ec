"""Owns the SQL around ``metrics_daily``: refresh, summary and reconciliation with listener_metrics."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import psycopg

REFRESH = "REFRESH MATERIALIZED VIEW CONCURRENTLY metrics_daily"

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


def refresh_metrics_daily(conn: psycopg.Connection) -> None:
    """Refresh the view concurrently (readers keep the old rows until commit) and commit."""
    with conn.transaction():
        conn.execute(REFRESH)


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
