"""Owns data-time freshness: per tenant and source, the newest day of data and how old it is.

Freshness of a materialization says when a table was last rebuilt; this says how recent the data in
it is. A source whose newest day lags today by more than ``warn_days`` warns, by more than
``fail_days`` fails (thresholds: the ``settings`` resource, ``SPONSOR_FRESHNESS_WARN_DAYS`` /
``SPONSOR_FRESHNESS_FAIL_DAYS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import psycopg

# Named statements: newest day per (tenant, source) of metrics_daily, and of listener_metrics rows
# loaded by imports of the given source kinds (csv → listener_metrics, export → platform_exports,
# sheet → sheet_metrics).
NEWEST_METRICS_DAILY = "SELECT tenant_id, source, max(day) FROM metrics_daily GROUP BY 1, 2 ORDER BY 1, 2"
NEWEST_BY_SOURCE_KIND = """
SELECT lm.tenant_id, lm.source, max(lm.day)
FROM listener_metrics lm JOIN etl_imports i ON i.import_id = lm.import_id
WHERE i.source_kind = %(kind)s
GROUP BY 1, 2 ORDER BY 1, 2
"""


@dataclass(frozen=True)
class SeriesAge:
    """Newest day of one (tenant, source) series and its age in whole days before ``as_of``."""

    tenant_id: str
    source: str
    newest_day: date
    age_days: int
    status: str  # 'fresh', 'warn' or 'fail'


def judge(rows: list[tuple[str, str, date]], as_of: date, warn_days: int, fail_days: int) -> list[SeriesAge]:
    """Age of each ``(tenant_id, source, newest_day)`` row against ``as_of``: ``fail`` when older than
    ``fail_days``, ``warn`` when older than ``warn_days``, else ``fresh``.

    Raises:
        ValueError: ``warn_days`` is negative or greater than ``fail_days``.
    """
    if not 0 <= warn_days <= fail_days:
        raise ValueError(f"need 0 <= warn_days <= fail_days, got {warn_days} and {fail_days}")
    out = []
    for tenant, source, newest in rows:
        age = (as_of - newest).days
        status = "fail" if age > fail_days else "warn" if age > warn_days else "fresh"
        out.append(SeriesAge(tenant, source, newest, age, status))
    return out


def newest_days(conn: psycopg.Connection, source_kind: str | None = None) -> list[tuple[str, str, date]]:
    """``(tenant_id, source, newest day)`` of metrics_daily (``source_kind`` None), or of the
    listener_metrics rows loaded from sources of ``source_kind`` (``csv``, ``export``, ``sheet``)."""
    if source_kind is None:
        return conn.execute(NEWEST_METRICS_DAILY).fetchall()
    return conn.execute(NEWEST_BY_SOURCE_KIND, {"kind": source_kind}).fetchall()


def today() -> date:
    """Today's date in UTC (the reference of data-time freshness)."""
    return datetime.now(UTC).date()
