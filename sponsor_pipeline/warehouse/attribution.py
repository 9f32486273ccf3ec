"""Owns the SQL of ``io_attribution`` and ``io_responses``: each IO's redemptions, visits and delivery
read, the tables written.

No Dagster here; the attribution math is :mod:`sponsor_pipeline.attribution`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import psycopg
from psycopg.rows import dict_row

from sponsor_pipeline.attribution import Redemption, attribute_io, daily_responses

# Every IO with its delivery (0 before io_delivery has a row) and its campaign's window override.
IOS = """
SELECT b.tenant_id, b.io_id, b.campaign_id, b.flight_start, b.flight_end, b.booked_impressions,
       b.cpm::float8 AS cpm, coalesce(d.delivered_impressions, 0) AS delivered_impressions,
       c.attribution_window_days
FROM io_bookings b
JOIN campaigns c ON c.tenant_id = b.tenant_id AND c.campaign_id = b.campaign_id
LEFT JOIN io_delivery d ON d.tenant_id = b.tenant_id AND d.io_id = b.io_id
ORDER BY b.tenant_id, b.io_id
"""
REDEMPTIONS = (
    "SELECT tenant_id, io_id, order_id, occurred_at, revenue::float8 AS revenue, currency FROM promo_redemptions"
)
VISITS = "SELECT tenant_id, io_id, day, sum(visits)::bigint AS visits FROM vanity_visits GROUP BY tenant_id, io_id, day"

COLUMNS = (
    "tenant_id",
    "io_id",
    "campaign_id",
    "window_start",
    "window_end",
    "window_days",
    "delivered_impressions",
    "spend",
    "spend_currency",
    "conversions",
    "revenue",
    "revenue_currency",
    "cpa",
    "roas",
    "vanity_visits",
    "responses_per_1000",
    "duplicate_orders",
    "outside_window",
)
REPLACE_DELETE = "DELETE FROM io_attribution"
COPY_IN = "COPY io_attribution ({}) FROM STDIN".format(", ".join(COLUMNS))


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _responses(
    conn: psycopg.Connection,
) -> tuple[list[dict[str, Any]], dict[tuple[str, str], list[Redemption]], dict[tuple[str, str], list[tuple[Any, int]]]]:
    """(IOs, redemptions per (tenant, IO), (day, visits) per (tenant, IO)) as the tables hold them."""
    redemptions: dict[tuple[str, str], list[Redemption]] = defaultdict(list)
    visits: dict[tuple[str, str], list[tuple[Any, int]]] = defaultdict(list)
    with conn.cursor(row_factory=dict_row) as cur:
        ios = cur.execute(IOS).fetchall()
        for r in cur.execute(REDEMPTIONS).fetchall():
            redemptions[(r["tenant_id"], r["io_id"])].append(
                Redemption(r["order_id"], r["occurred_at"], r["revenue"], r["currency"])
            )
        for v in cur.execute(VISITS).fetchall():
            visits[(v["tenant_id"], v["io_id"])].append((v["day"], v["visits"]))
    return ios, redemptions, visits


def attribution_rows(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """One dict per IO with the ``io_attribution`` columns (figures from :func:`attribute_io`)."""
    ios, redemptions, visits = _responses(conn)
    out = []
    for io in ios:
        key = (io["tenant_id"], io["io_id"])
        a = attribute_io(
            flight_start=io["flight_start"],
            flight_end=io["flight_end"],
            window_days=io["attribution_window_days"],
            booked_impressions=io["booked_impressions"],
            delivered_impressions=io["delivered_impressions"],
            cpm=io["cpm"],
            redemptions=redemptions.get(key, []),
            visits=visits.get(key, []),
        )
        out.append(
            {
                "tenant_id": io["tenant_id"],
                "io_id": io["io_id"],
                "campaign_id": io["campaign_id"],
                "window_start": a.window_start,
                "window_end": a.window_end,
                "window_days": a.window_days,
                "delivered_impressions": a.delivered_impressions,
                "spend": round(a.spend, 2),
                "spend_currency": a.spend_currency,
                "conversions": a.conversions,
                "revenue": _round(a.revenue, 2),
                "revenue_currency": a.revenue_currency,
                "cpa": _round(a.cpa, 2),
                "roas": _round(a.roas, 4),
                "vanity_visits": a.vanity_visits,
                "responses_per_1000": _round(a.responses_per_1000, 4),
                "duplicate_orders": a.duplicate_orders,
                "outside_window": a.outside_window,
            }
        )
    return out


def replace_io_attribution(conn: psycopg.Connection, rows: list[dict[str, Any]]) -> None:
    """Replace the whole table with ``rows`` and commit (readers see the old or the new set)."""
    conn.execute(REPLACE_DELETE)
    with conn.cursor() as cur, cur.copy(COPY_IN) as copy:
        for row in rows:
            copy.write_row([row[c] for c in COLUMNS])
    conn.commit()


RESPONSE_COLUMNS = ("tenant_id", "io_id", "day", "promo_redemptions", "vanity_visits")
REPLACE_RESPONSES = "DELETE FROM io_responses"
COPY_RESPONSES = "COPY io_responses ({}) FROM STDIN".format(", ".join(RESPONSE_COLUMNS))


def response_rows(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """One dict per (IO, day) with an attributed response: the ``io_responses`` columns, from
    :func:`daily_responses` (the redemptions and visits io_attribution counts, per day)."""
    ios, redemptions, visits = _responses(conn)
    out = []
    for io in ios:
        key = (io["tenant_id"], io["io_id"])
        if key not in redemptions and key not in visits:
            continue
        for day, promo, vanity in daily_responses(
            flight_start=io["flight_start"],
            flight_end=io["flight_end"],
            window_days=io["attribution_window_days"],
            redemptions=redemptions.get(key, []),
            visits=visits.get(key, []),
        ):
            out.append(
                {"tenant_id": key[0], "io_id": key[1], "day": day, "promo_redemptions": promo, "vanity_visits": vanity}
            )
    return out


def replace_io_responses(conn: psycopg.Connection, rows: list[dict[str, Any]]) -> None:
    """Replace the whole ``io_responses`` table with ``rows`` and commit (readers see the old or the new set)."""
    conn.execute(REPLACE_RESPONSES)
    with conn.cursor() as cur, cur.copy(COPY_RESPONSES) as copy:
        for row in rows:
            copy.write_row([row[c] for c in RESPONSE_COLUMNS])
    conn.commit()


# Per campaign: the sums over its IOs, for reports and the demo (money in the IOs' currencies).
CAMPAIGN_TOTALS = """
SELECT a.tenant_id, a.campaign_id, c.name, count(*) AS ios, sum(a.conversions) AS conversions,
       sum(a.spend) AS spend, min(a.spend_currency) AS spend_currency,
       CASE WHEN count(DISTINCT a.revenue_currency) <= 1 AND bool_and(a.revenue IS NOT NULL OR a.conversions = 0)
            THEN sum(coalesce(a.revenue, 0)) END AS revenue,
       CASE WHEN count(DISTINCT a.revenue_currency) <= 1 THEN min(a.revenue_currency) END AS revenue_currency,
       sum(a.vanity_visits) AS vanity_visits
FROM io_attribution a JOIN campaigns c USING (tenant_id, campaign_id)
GROUP BY a.tenant_id, a.campaign_id, c.name
ORDER BY a.tenant_id, a.campaign_id
"""


def campaign_totals(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Per campaign: IOs, conversions, spend, revenue (None in mixed currencies), visits, and CPA =
    spend / conversions, ROAS = revenue / spend (same currency only; :mod:`sponsor_pipeline.attribution`)."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(CAMPAIGN_TOTALS).fetchall()
    for r in rows:
        spend, revenue = float(r["spend"]), r["revenue"]
        r["cpa"] = round(spend / r["conversions"], 2) if r["conversions"] else None
        same = revenue is not None and r["revenue_currency"] in (r["spend_currency"], None)
        r["roas"] = round(float(revenue) / spend, 4) if same and spend else None
    return rows
