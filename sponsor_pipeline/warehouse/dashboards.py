"""Owns the dashboards' SQL: named reads feeding the aggregation rules, table rewrites, reconciliation.

psycopg 3, no Dagster. Every statement is a named constant with bound parameters; table and column
names in :func:`replace_rows` are composed with ``psycopg.sql`` identifiers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from psycopg import sql

from sponsor_pipeline.vocabulary import CLOSED_IO_STATUSES, COMMITTED_IO_STATUSES

LAST_METRICS_DAY = "SELECT max(day) FROM metrics_daily"

# Download sums per (tenant, show, episode, source) over the windows ending at as_of (inclusive).
DOWNLOAD_WINDOWS = """
SELECT tenant_id, show_id, episode_id, source,
       coalesce(sum(downloads) FILTER (WHERE day > %(as_of)s::date - 7), 0)  AS downloads_7d,
       coalesce(sum(downloads) FILTER (WHERE day <= %(as_of)s::date - 7
                                         AND day > %(as_of)s::date - 14), 0) AS downloads_prev_7d,
       coalesce(sum(downloads) FILTER (WHERE day > %(as_of)s::date - 30), 0) AS downloads_30d,
       coalesce(sum(downloads) FILTER (WHERE day <= %(as_of)s::date - 30
                                         AND day > %(as_of)s::date - 60), 0) AS downloads_prev_30d,
       coalesce(sum(downloads), 0)                                            AS downloads_90d
FROM metrics_daily
WHERE day > %(as_of)s::date - 90 AND day <= %(as_of)s::date
GROUP BY tenant_id, show_id, episode_id, source
"""

# Daily downloads per (episode, source) in the first 90 days after release, up to as_of
# (episode performance windows, sponsor_pipeline/dashboards/performance.py).
EPISODE_DAILY_SINCE_RELEASE = """
SELECT m.tenant_id, m.show_id, m.episode_id, m.source, m.day, m.downloads
FROM metrics_daily m
JOIN episodes e USING (tenant_id, show_id, episode_id)
WHERE m.day >= e.published_at AND m.day < e.published_at + 90 AND m.day <= %(as_of)s::date
"""

# Cumulative downloads-since-release windows imported from hosting exports.
EPISODE_EXPORTED_WINDOWS = """
SELECT tenant_id, show_id, episode_id, source, window_days, downloads, as_of, released_on
FROM episode_download_windows
WHERE as_of <= %(as_of)s::date
"""

SHOWS = "SELECT tenant_id, show_id, title FROM shows"
EPISODES = "SELECT tenant_id, show_id, episode_id, title, published_at FROM episodes"

# Every IO with its campaign's advertiser and, when measured, its io_delivery figures.
IOS = """
SELECT b.tenant_id, b.io_id, b.campaign_id, b.show_id, b.episode_id, c.advertiser_id, b.status,
       b.flight_start, b.flight_end, b.booked_impressions, b.cpm::float8 AS cpm, b.promo_code,
       b.vanity_url, d.delivered_impressions, d.expected_to_date::float8 AS expected_to_date,
       d.pacing_ratio::float8 AS pacing_ratio, d.make_good_impressions, d.as_of AS delivery_as_of,
       coalesce(d.pacing_mode, b.pacing_mode) AS pacing_mode, b.daily_goal_impressions
FROM io_bookings b
JOIN campaigns c USING (tenant_id, campaign_id)
LEFT JOIN io_delivery d USING (tenant_id, io_id)
ORDER BY b.tenant_id, b.io_id
"""

# Every IO verification flag (io_verification_flags asset; rules in sponsor_pipeline/verification.py).
VERIFICATION_FLAGS = """
SELECT tenant_id, io_id, flag, severity, rule, evidence FROM io_verification_flags ORDER BY tenant_id, io_id, flag
"""

CAMPAIGNS = """
SELECT c.tenant_id, c.campaign_id, c.name AS campaign_name, c.advertiser_id, a.name AS advertiser_name
FROM campaigns c JOIN advertisers a USING (tenant_id, advertiser_id)
"""

MATCHES = """
SELECT m.tenant_id, m.campaign_id, m.show_id, s.title AS show_title, m.score::float8 AS score, m.rationale
FROM matches m JOIN shows s USING (tenant_id, show_id)
"""

DAILY_DOWNLOADS_PER_SHOW = """
SELECT m.tenant_id, m.show_id, s.title AS show_title, m.day, sum(m.downloads) AS downloads
FROM metrics_daily m JOIN shows s USING (tenant_id, show_id)
WHERE m.day > %(as_of)s::date - %(days)s AND m.day <= %(as_of)s::date
GROUP BY m.tenant_id, m.show_id, s.title, m.day
ORDER BY m.tenant_id, m.show_id, m.day
"""

# Imports since a timestamp, plus every source still failed on its content whatever its age (it is
# not retried until it changes, so it stays an alert until then); one row per (import, tenant of its
# quarantined rows). ``unresolved``: failed on its content and not retried yet.
RECENT_IMPORTS = """
SELECT i.import_id, coalesce(q.tenant_id, i.tenant_id) AS tenant_id, i.source_uri, i.status, i.error,
       i.started_at, count(q.quarantine_id) AS quarantined, i.failure_reason,
       (i.status = 'failed' AND i.failure_reason = 'content' AND i.retried_at IS NULL) AS unresolved
FROM etl_imports i
LEFT JOIN quarantined_rows q USING (import_id)
WHERE i.started_at >= %(since)s OR (i.status = 'failed' AND i.failure_reason = 'content' AND i.retried_at IS NULL)
GROUP BY i.import_id, coalesce(q.tenant_id, i.tenant_id), i.source_uri, i.status, i.error, i.started_at,
         i.failure_reason, i.retried_at
ORDER BY i.import_id
"""

# Change-log rows the IO-status / deal-stage sensors have not turned into an event yet
# (their events carry dedupe_key 'change_log:<change_id>').
PENDING_CHANGES = """
SELECT c.tenant_id, c.entity_type, min(c.changed_at) AS oldest_changed_at, count(*) AS pending
FROM change_log c
WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.dedupe_key = 'change_log:' || c.change_id)
GROUP BY c.tenant_id, c.entity_type
"""

SOURCE_SERIES = """
SELECT tenant_id, show_id, source, max(day) AS last_day
FROM metrics_daily
WHERE day > %(as_of)s::date - %(lookback)s AND day <= %(as_of)s::date
GROUP BY tenant_id, show_id, source
"""


def reference_date(conn: psycopg.Connection, configured: str | date | None = None) -> date:
    """The dashboards' "today": ``configured`` (ISO date) when given, else the last day in metrics_daily.

    Raises:
        ValueError: nothing configured and metrics_daily is empty, or ``configured`` is not ISO.
    """
    if configured:
        return configured if isinstance(configured, date) else date.fromisoformat(str(configured))
    last = conn.execute(LAST_METRICS_DAY).fetchone()[0]
    if last is None:
        raise ValueError("metrics_daily is empty: set reference_date or load listener metrics first")
    return last


def read_frame(conn: psycopg.Connection, statement: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """Run a named statement and return its rows as a DataFrame (column names from the cursor)."""
    with conn.cursor() as cur:
        cur.execute(statement, params or {})
        names = [d.name for d in cur.description]
        return pd.DataFrame(cur.fetchall(), columns=names)


def _python(value: Any) -> Any:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if value is pd.NA:
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def replace_rows(conn: psycopg.Connection, table: str, frame: pd.DataFrame, columns: Sequence[str]) -> int:
    """Replace every row of ``table`` with ``frame[columns]`` (``DELETE`` + ``COPY``) in the caller's
    transaction; returns the number of rows written. NaN/NA/NaT become NULL."""
    conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
    copy = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    with conn.cursor() as cur, cur.copy(copy) as writer:
        for row in frame.loc[:, list(columns)].itertuples(index=False, name=None):
            writer.write_row([_python(v) for v in row])
    return len(frame)


# --- reconciliation -----------------------------------------------------------------------------

# Per tenant: the show rows' 90-day and 30-day downloads against metrics_daily over the same window,
# the source split's 30-day total against the show rows', booked revenue against io_bookings.
CREATOR_RECONCILE = """
WITH ref AS (SELECT max(as_of) AS as_of FROM creator_dashboard),
dash AS (
    SELECT tenant_id, sum(downloads_90d) AS d90, sum(downloads_30d) AS d30, sum(booked_revenue) AS revenue
    FROM creator_dashboard WHERE episode_id IS NULL GROUP BY tenant_id),
split AS (SELECT tenant_id, sum(downloads_30d) AS d30 FROM creator_source_split GROUP BY tenant_id),
src AS (
    SELECT m.tenant_id, sum(m.downloads) AS d90,
           coalesce(sum(m.downloads) FILTER (WHERE m.day > ref.as_of - 30), 0) AS d30
    FROM metrics_daily m, ref WHERE m.day > ref.as_of - 90 AND m.day <= ref.as_of
    GROUP BY m.tenant_id),
booked AS (
    SELECT tenant_id, sum(round(booked_impressions * cpm / 1000, 2)) AS revenue
    FROM io_bookings WHERE status = ANY(%(booked)s) GROUP BY tenant_id)
SELECT t.tenant_id, coalesce(dash.d90, 0) AS dashboard_90d, coalesce(src.d90, 0) AS metrics_90d,
       coalesce(dash.d30, 0) AS dashboard_30d, coalesce(split.d30, 0) AS split_30d,
       coalesce(dash.revenue, 0) AS dashboard_revenue, coalesce(booked.revenue, 0) AS booked_revenue
FROM tenants t
LEFT JOIN dash USING (tenant_id) LEFT JOIN src USING (tenant_id)
LEFT JOIN split USING (tenant_id) LEFT JOIN booked USING (tenant_id)
WHERE coalesce(dash.d90, 0) <> coalesce(src.d90, 0)
   OR coalesce(dash.d30, 0) <> coalesce(src.d30, 0)
   OR coalesce(dash.d30, 0) <> coalesce(split.d30, 0)
   OR abs(coalesce(dash.revenue, 0) - coalesce(booked.revenue, 0)) >= 0.01
ORDER BY t.tenant_id
"""

# Per campaign: the campaign row against the sum of its IO rows and against io_bookings (booked) and
# io_delivery (delivered; spend = billable least(delivered, booked) × CPM / 1000).
ADVERTISER_RECONCILE = """
WITH io_rows AS (
    SELECT tenant_id, campaign_id, sum(booked_impressions) AS booked, sum(delivered_impressions) AS delivered,
           sum(spend_to_date) AS spend
    FROM advertiser_dashboard WHERE io_id IS NOT NULL GROUP BY tenant_id, campaign_id),
camp AS (
    SELECT tenant_id, campaign_id, booked_impressions AS booked, delivered_impressions AS delivered,
           spend_to_date AS spend
    FROM advertiser_dashboard WHERE io_id IS NULL),
src AS (
    SELECT b.tenant_id, b.campaign_id, sum(b.booked_impressions) AS booked,
           sum(coalesce(d.delivered_impressions, 0)) AS delivered,
           sum(round(least(coalesce(d.delivered_impressions, 0), b.booked_impressions) * b.cpm / 1000, 2)) AS spend
    FROM io_bookings b LEFT JOIN io_delivery d USING (tenant_id, io_id)
    WHERE b.status = ANY(%(booked)s) GROUP BY b.tenant_id, b.campaign_id)
SELECT coalesce(src.tenant_id, camp.tenant_id, io_rows.tenant_id) AS tenant_id,
       coalesce(src.campaign_id, camp.campaign_id, io_rows.campaign_id) AS campaign_id,
       src.booked AS source_booked, camp.booked AS campaign_booked, io_rows.booked AS io_booked,
       src.delivered AS source_delivered, camp.delivered AS campaign_delivered, io_rows.delivered AS io_delivered
FROM src
FULL JOIN camp USING (tenant_id, campaign_id)
FULL JOIN io_rows USING (tenant_id, campaign_id)
WHERE (src.booked, src.delivered) IS DISTINCT FROM (camp.booked, camp.delivered)
   OR (camp.booked, camp.delivered) IS DISTINCT FROM (io_rows.booked, io_rows.delivered)
   OR abs(coalesce(camp.spend, 0) - coalesce(io_rows.spend, 0)) >= 0.01
   OR abs(coalesce(src.spend, 0) - coalesce(camp.spend, 0)) >= 0.01
ORDER BY 1, 2
"""

# Alerts whose entity no longer exists, and threshold-free rules recounted from their sources.
OPS_RECONCILE = """
SELECT 'orphan alert' AS problem, a.alert_type AS detail, count(*) AS n
FROM ops_alerts a
WHERE (a.entity_type = 'io_booking' AND NOT EXISTS (
          SELECT 1 FROM io_bookings b WHERE b.tenant_id = a.tenant_id AND b.io_id = a.entity_id))
   OR (a.entity_type = 'etl_import' AND NOT EXISTS (
          SELECT 1 FROM etl_imports i WHERE i.import_id::text = a.entity_id))
GROUP BY a.alert_type
UNION ALL
SELECT 'make_good_owed count', format('alerts %%s, io_delivery %%s', x.alerts, x.source), 1
FROM (SELECT (SELECT count(*) FROM ops_alerts WHERE alert_type = 'make_good_owed') AS alerts,
             (SELECT count(*) FROM io_bookings b JOIN io_delivery d USING (tenant_id, io_id)
              WHERE b.status = 'completed' AND d.make_good_impressions > 0) AS source) x
WHERE x.alerts <> x.source
UNION ALL
SELECT 'missing_promo_code count', format('alerts %%s, io_bookings %%s', x.alerts, x.source), 1
FROM (SELECT (SELECT count(*) FROM ops_alerts WHERE alert_type = 'missing_promo_code') AS alerts,
             (SELECT count(*) FROM io_bookings
              WHERE status <> ALL(%(closed)s) AND coalesce(btrim(promo_code), '') = '') AS source) x
WHERE x.alerts <> x.source
"""


def _rows(conn: psycopg.Connection, statement: str, params: dict | None = None) -> list[dict]:
    frame = read_frame(conn, statement, params)
    return [{k: _json(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _json(value: Any) -> Any:
    value = _python(value)
    if isinstance(value, (date,)):
        return value.isoformat()
    if value is not None and not isinstance(value, (int, float, str, bool)):
        return str(value)
    return value


def reconcile_creator(conn: psycopg.Connection) -> list[dict]:
    """Tenants whose creator dashboard disagrees with metrics_daily / io_bookings (empty = reconciled)."""
    return _rows(conn, CREATOR_RECONCILE, {"booked": list(COMMITTED_IO_STATUSES)})


def reconcile_advertiser(conn: psycopg.Connection) -> list[dict]:
    """Campaigns whose advertiser rows disagree with each other or with io_bookings / io_delivery."""
    return _rows(conn, ADVERTISER_RECONCILE, {"booked": list(COMMITTED_IO_STATUSES)})


def reconcile_ops(conn: psycopg.Connection) -> list[dict]:
    """Ops alerts pointing at missing entities, or threshold-free rule counts that disagree."""
    return _rows(conn, OPS_RECONCILE, {"closed": list(CLOSED_IO_STATUSES)})
