"""Owns the SQL of ``io_delivery``: delivered impressions per IO from metrics_daily, and the table write.

No Dagster here; the pacing math is :mod:`sponsor_pipeline.pacing`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import psycopg
from psycopg.rows import dict_row

from sponsor_pipeline.pacing import pace_io

# Impressions per IO and day over its flight up to its as_of day, from a CTE ``ios`` (tenant_id,
# io_id, show_id, episode_id, flight_start, flight_end, as_of): episode IOs count the downloads of that
# episode; run-of-show IOs the whole show, where per day and source a show-level series (episode_id
# NULL) is used if the source reports one, else the sum of the show's episodes (the two are never
# added together). io_delivery sums these days; pacing plots and campaign reports draw them.
_IO_DAYS = """
episode_days AS (
    SELECT i.tenant_id, i.io_id, m.day, sum(m.downloads) AS delivered
    FROM ios i
    JOIN metrics_daily m
      ON m.tenant_id = i.tenant_id AND m.episode_id = i.episode_id
     AND m.day BETWEEN i.flight_start AND least(i.flight_end, i.as_of)
     AND m.source = ANY (%(sources)s)
    WHERE i.episode_id IS NOT NULL
    GROUP BY i.tenant_id, i.io_id, m.day
),
show_days AS (
    SELECT i.tenant_id, i.io_id, m.day, m.source,
           coalesce(sum(m.downloads) FILTER (WHERE m.episode_id IS NULL), sum(m.downloads)) AS downloads
    FROM ios i
    JOIN metrics_daily m
      ON m.tenant_id = i.tenant_id AND m.show_id = i.show_id
     AND m.day BETWEEN i.flight_start AND least(i.flight_end, i.as_of)
     AND m.source = ANY (%(sources)s)
    WHERE i.episode_id IS NULL
    GROUP BY i.tenant_id, i.io_id, m.day, m.source
),
io_days AS (
    SELECT tenant_id, io_id, day, delivered FROM episode_days
    UNION ALL
    SELECT tenant_id, io_id, day, sum(downloads) FROM show_days GROUP BY tenant_id, io_id, day
)
"""

# One row per IO with its delivered impressions (the sum of its _IO_DAYS) in the flight up to its
# tenant's as_of day. as_of: the given day, else the tenant's last day in metrics_daily, else today
# (no metrics yet).
_DELIVERED_IOS = """
WITH tenant_as_of AS (
    SELECT t.tenant_id,
           coalesce(%(as_of)s::date,
                    (SELECT max(m.day) FROM metrics_daily m WHERE m.tenant_id = t.tenant_id),
                    current_date) AS as_of
    FROM tenants t
),
ios AS (
    SELECT b.tenant_id, b.io_id, b.campaign_id, b.show_id, b.episode_id, b.status, b.flight_start,
           b.flight_end, b.booked_impressions, b.cpm, b.pacing_mode, b.daily_goal_impressions, a.as_of
    FROM io_bookings b JOIN tenant_as_of a USING (tenant_id)
),"""
_DELIVERED_SUM = """,
delivered AS (
    SELECT tenant_id, io_id, sum(delivered) AS delivered FROM io_days GROUP BY tenant_id, io_id
)
SELECT i.*, coalesce(d.delivered, 0)::bigint AS delivered_impressions
FROM ios i
LEFT JOIN delivered d USING (tenant_id, io_id)
ORDER BY i.tenant_id, i.io_id
"""
DELIVERED = _DELIVERED_IOS + _IO_DAYS + _DELIVERED_SUM

COLUMNS = (
    "tenant_id",
    "io_id",
    "campaign_id",
    "show_id",
    "episode_id",
    "status",
    "pacing_mode",
    "flight_start",
    "flight_end",
    "as_of",
    "booked_impressions",
    "delivered_impressions",
    "percent_delivered",
    "expected_to_date",
    "pacing_ratio",
    "projected_delivery",
    "make_good_impressions",
    "cpm",
)

# Impressions per IO and day (_IO_DAYS) for the IOs io_delivery stored, up to the as_of day it stored
# for each: Σ delivered over an IO's days = its io_delivery.delivered_impressions when the same sources
# are passed. Optional filters: one tenant, one campaign, some IO statuses.
_DAILY_IOS = """
WITH ios AS (
    SELECT d.tenant_id, d.io_id, b.show_id, b.episode_id, d.flight_start, d.flight_end, d.as_of
    FROM io_delivery d JOIN io_bookings b USING (tenant_id, io_id)
    WHERE (%(tenant_id)s::text IS NULL OR d.tenant_id = %(tenant_id)s)
      AND (%(campaign_id)s::text IS NULL OR b.campaign_id = %(campaign_id)s)
      AND (%(statuses)s::text[] IS NULL OR b.status = ANY (%(statuses)s))
),"""
_DAILY_SELECT = """
SELECT tenant_id, io_id, day, delivered::bigint AS delivered FROM io_days
ORDER BY tenant_id, io_id, day
"""
DAILY_DELIVERED = _DAILY_IOS + _IO_DAYS + _DAILY_SELECT

REPLACE_DELETE = "DELETE FROM io_delivery"
COPY_IN = "COPY io_delivery ({}) FROM STDIN".format(", ".join(COLUMNS))


def delivery_rows(conn: psycopg.Connection, *, as_of: date | None, sources: Sequence[str]) -> list[dict[str, Any]]:
    """One dict per IO with the ``io_delivery`` columns (pacing from :func:`pace_io` under the IO's
    pacing mode).

    ``as_of`` None: each tenant's last day in metrics_daily. ``sources``: the metrics_daily sources
    whose downloads count as impressions (hosting sources; see :mod:`sponsor_pipeline.pacing`).
    """
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(DELIVERED, {"as_of": as_of, "sources": list(sources)}).fetchall()
    out = []
    for row in rows:
        pacing = pace_io(
            flight_start=row["flight_start"],
            flight_end=row["flight_end"],
            booked_impressions=row["booked_impressions"],
            delivered_impressions=row["delivered_impressions"],
            as_of=row["as_of"],
            status=row["status"],
            pacing_mode=row["pacing_mode"],
            daily_goal=row["daily_goal_impressions"],
        )
        out.append(
            {
                **{k: row[k] for k in COLUMNS if k in row},
                "percent_delivered": round(pacing.percent_delivered, 4),
                "expected_to_date": round(pacing.expected_to_date, 2),
                "pacing_ratio": None if pacing.pacing_ratio is None else round(pacing.pacing_ratio, 4),
                "projected_delivery": round(pacing.projected_delivery, 2),
                "make_good_impressions": pacing.make_good_impressions,
            }
        )
    return out


def daily_delivered(
    conn: psycopg.Connection,
    *,
    sources: Sequence[str],
    tenant_id: str | None = None,
    campaign_id: str | None = None,
    statuses: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """``{tenant_id, io_id, day, delivered}`` per IO and flight day with impressions, up to the IO's
    io_delivery ``as_of`` (IOs without an io_delivery row have none). Days without downloads have no row.

    ``sources`` as :func:`delivery_rows`; ``tenant_id`` / ``campaign_id`` / ``statuses`` narrow the IOs.
    """
    params = {
        "sources": list(sources),
        "tenant_id": tenant_id,
        "campaign_id": campaign_id,
        "statuses": None if statuses is None else list(statuses),
    }
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(DAILY_DELIVERED, params).fetchall()


def replace_io_delivery(conn: psycopg.Connection, rows: list[dict[str, Any]]) -> None:
    """Replace the whole table with ``rows`` and commit the connection's transaction (readers see the
    old or the new set, never a mix). On error nothing is committed; the caller rolls back."""
    conn.execute(REPLACE_DELETE)
    with conn.cursor() as cur, cur.copy(COPY_IN) as copy:
        for row in rows:
            copy.write_row([row[c] for c in COLUMNS])
    conn.commit()
