"""Owns the SQL of the campaign reports: what a report prints, read per campaign, and its register.

psycopg 3, no Dagster. One ``campaign_reports`` row per campaign whose PDF and CSV are on disk.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.rows import dict_row

from sponsor_pipeline.dashboards.campaign_report import CampaignReport, ReportFlag, ReportIo
from sponsor_pipeline.vocabulary import COMMITTED_IO_STATUSES, SPEND_CURRENCY
from sponsor_pipeline.warehouse import delivery

# Every committed IO with its delivery (io_delivery) and outcomes (io_attribution), one row per IO,
# campaigns in order. Before io_delivery / io_attribution measured an IO its figures are NULL.
REPORT_IOS = """
SELECT b.tenant_id, t.name AS tenant_name, b.campaign_id, c.name AS campaign_name, a.name AS advertiser_name,
       b.io_id, b.show_id, s.title AS show_title, e.title AS episode_title, b.status,
       coalesce(d.pacing_mode, b.pacing_mode) AS pacing_mode, b.daily_goal_impressions,
       b.flight_start, b.flight_end, d.as_of, b.booked_impressions,
       coalesce(d.delivered_impressions, 0) AS delivered_impressions,
       d.percent_delivered::float8 AS percent_delivered, d.expected_to_date::float8 AS expected_to_date,
       d.pacing_ratio::float8 AS pacing_ratio, d.projected_delivery::float8 AS projected_delivery,
       coalesce(d.make_good_impressions, 0) AS make_good_impressions, b.cpm::float8 AS cpm,
       b.promo_code, b.vanity_url, coalesce(x.conversions, 0) AS conversions,
       x.revenue::float8 AS revenue, x.revenue_currency, coalesce(x.spend, 0)::float8 AS spend,
       coalesce(x.spend_currency, %(spend_currency)s) AS spend_currency, x.cpa::float8 AS cpa,
       x.roas::float8 AS roas, coalesce(x.vanity_visits, 0) AS vanity_visits,
       x.responses_per_1000::float8 AS responses_per_1000, x.window_start, x.window_end
FROM io_bookings b
JOIN tenants t USING (tenant_id)
JOIN campaigns c USING (tenant_id, campaign_id)
JOIN advertisers a ON a.tenant_id = c.tenant_id AND a.advertiser_id = c.advertiser_id
JOIN shows s ON s.tenant_id = b.tenant_id AND s.show_id = b.show_id
LEFT JOIN episodes e ON e.tenant_id = b.tenant_id AND e.episode_id = b.episode_id
LEFT JOIN io_delivery d ON d.tenant_id = b.tenant_id AND d.io_id = b.io_id
LEFT JOIN io_attribution x ON x.tenant_id = b.tenant_id AND x.io_id = b.io_id
WHERE b.status = ANY (%(statuses)s)
ORDER BY b.tenant_id, b.campaign_id, b.flight_start, b.io_id
"""

# Daily downloads per booked show between two days, from the impression sources: per day and source
# the show-level series if the source reports one, else the sum of the show's episodes (the rule of
# io_delivery for run-of-show IOs, warehouse/delivery.py).
SHOW_DOWNLOADS = """
SELECT s.title AS show_title, x.day, sum(x.downloads)::bigint AS downloads
FROM (
    SELECT m.show_id, m.day, m.source,
           coalesce(sum(m.downloads) FILTER (WHERE m.episode_id IS NULL), sum(m.downloads)) AS downloads
    FROM metrics_daily m
    WHERE m.tenant_id = %(tenant_id)s AND m.show_id = ANY (%(show_ids)s)
      AND m.day BETWEEN %(start)s AND %(end)s AND m.source = ANY (%(sources)s)
    GROUP BY m.show_id, m.day, m.source
) x
JOIN shows s ON s.tenant_id = %(tenant_id)s AND s.show_id = x.show_id
GROUP BY s.title, x.day
ORDER BY s.title, x.day
"""

# Verification flags of every IO, critical first (io_verification_flags, rules in verification.py).
REPORT_FLAGS = """
SELECT tenant_id, io_id, flag, severity, rule, evidence FROM io_verification_flags
ORDER BY tenant_id, severity = 'critical' DESC, io_id, flag
"""

STORED = "SELECT tenant_id, campaign_id, fingerprint, pdf_path, csv_path FROM campaign_reports"

UPSERT = """
INSERT INTO campaign_reports (tenant_id, campaign_id, as_of, ios, fingerprint, pdf_path, csv_path, pdf_bytes,
                              generated_at)
VALUES (%(tenant_id)s, %(campaign_id)s, %(as_of)s, %(ios)s, %(fingerprint)s, %(pdf_path)s, %(csv_path)s,
        %(pdf_bytes)s, now())
ON CONFLICT (tenant_id, campaign_id) DO UPDATE
SET as_of = EXCLUDED.as_of, ios = EXCLUDED.ios, fingerprint = EXCLUDED.fingerprint,
    pdf_path = EXCLUDED.pdf_path, csv_path = EXCLUDED.csv_path, pdf_bytes = EXCLUDED.pdf_bytes,
    generated_at = EXCLUDED.generated_at
"""

# Register rows of campaigns that no longer have a committed IO (their files are removed too).
DELETE_STALE = """
DELETE FROM campaign_reports r
WHERE NOT EXISTS (SELECT 1 FROM io_bookings b WHERE b.tenant_id = r.tenant_id AND b.campaign_id = r.campaign_id
                  AND b.status = ANY (%(statuses)s))
RETURNING tenant_id, campaign_id, pdf_path, csv_path
"""

_IO_FIELDS = tuple(ReportIo.__dataclass_fields__)


def campaign_reports(conn: psycopg.Connection, *, sources: Sequence[str]) -> list[CampaignReport]:
    """One :class:`CampaignReport` per campaign with a committed IO, with its daily delivery per IO, the
    daily downloads of its shows (``sources``: the metrics_daily sources counted as impressions) and
    its IOs' verification flags."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            REPORT_IOS, {"statuses": list(COMMITTED_IO_STATUSES), "spend_currency": SPEND_CURRENCY}
        ).fetchall()
        flag_rows = cur.execute(REPORT_FLAGS).fetchall()
    flags: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in flag_rows:
        flags[f["tenant_id"]].append(f)
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[(row["tenant_id"], row["campaign_id"])].append(row)
    reports = []
    for (tenant_id, campaign_id), ios in grouped.items():
        first = ios[0]
        measured = [r["as_of"] for r in ios if r["as_of"] is not None]
        as_of = max(measured) if measured else None
        io_ids = {r["io_id"] for r in ios}
        daily = [
            (d["io_id"], d["day"], int(d["delivered"]))
            for d in delivery.daily_delivered(conn, sources=sources, tenant_id=tenant_id, campaign_id=campaign_id)
            if d["io_id"] in io_ids
        ]
        downloads: list[tuple[str, Any, int]] = []
        if as_of is not None:
            start = min(r["flight_start"] for r in ios)
            end = min(max(r["flight_end"] for r in ios), as_of)
            params = {
                "tenant_id": tenant_id,
                "show_ids": sorted({r["show_id"] for r in ios}),
                "start": start,
                "end": end,
                "sources": list(sources),
            }
            downloads = [(t, d, int(n)) for t, d, n in conn.execute(SHOW_DOWNLOADS, params).fetchall()]
        reports.append(
            CampaignReport(
                tenant_id=tenant_id,
                tenant_name=first["tenant_name"],
                campaign_id=campaign_id,
                campaign_name=first["campaign_name"],
                advertiser_name=first["advertiser_name"],
                as_of=as_of,
                ios=tuple(ReportIo(**{k: r[k] for k in _IO_FIELDS}) for r in ios),
                daily_delivered=tuple(daily),
                show_downloads=tuple(downloads),
                flags=tuple(
                    ReportFlag(f["io_id"], f["flag"], f["severity"], f["rule"], f["evidence"])
                    for f in flags.get(tenant_id, [])
                    if f["io_id"] in io_ids
                ),
            )
        )
    return reports


def stored_fingerprints(conn: psycopg.Connection) -> dict[tuple[str, str], tuple[str, str, str]]:
    """``{(tenant_id, campaign_id): (fingerprint, pdf_path, csv_path)}`` of the reports generated so far."""
    return {(t, c): (f, p, v) for t, c, f, p, v in conn.execute(STORED).fetchall()}


def record_report(
    conn: psycopg.Connection, report: CampaignReport, fingerprint: str, pdf_path: str, csv_path: str, pdf_bytes: int
) -> None:
    """Upsert the register row of a freshly written report (caller's transaction)."""
    conn.execute(
        UPSERT,
        {
            "tenant_id": report.tenant_id,
            "campaign_id": report.campaign_id,
            "as_of": report.as_of,
            "ios": len(report.ios),
            "fingerprint": fingerprint,
            "pdf_path": pdf_path,
            "csv_path": csv_path,
            "pdf_bytes": pdf_bytes,
        },
    )


def delete_stale(conn: psycopg.Connection) -> list[tuple[str, str, str, str]]:
    """Delete the register rows of campaigns without a committed IO; returns ``(tenant, campaign, pdf, csv)``."""
    return conn.execute(DELETE_STALE, {"statuses": list(COMMITTED_IO_STATUSES)}).fetchall()


# Per IO as the warehouse holds it now, for the check that every report's CSV matches it.
WAREHOUSE_FIGURES = """
SELECT b.tenant_id, b.campaign_id, b.io_id, b.booked_impressions,
       coalesce(d.delivered_impressions, 0) AS delivered_impressions,
       coalesce(d.make_good_impressions, 0) AS make_good_impressions,
       coalesce(x.conversions, 0) AS conversions, x.revenue::float8 AS revenue,
       coalesce(x.spend, 0)::float8 AS spend, coalesce(x.vanity_visits, 0) AS vanity_visits
FROM io_bookings b
LEFT JOIN io_delivery d ON d.tenant_id = b.tenant_id AND d.io_id = b.io_id
LEFT JOIN io_attribution x ON x.tenant_id = b.tenant_id AND x.io_id = b.io_id
WHERE b.status = ANY (%(statuses)s)
ORDER BY b.tenant_id, b.campaign_id, b.io_id
"""
FLAGS = "SELECT tenant_id, io_id, flag FROM io_verification_flags"
REGISTER = "SELECT tenant_id, campaign_id, pdf_path, csv_path FROM campaign_reports ORDER BY tenant_id, campaign_id"


def warehouse_figures(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Per committed IO: booked, delivered, make-good, conversions, revenue, spend and visits now."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(WAREHOUSE_FIGURES, {"statuses": list(COMMITTED_IO_STATUSES)}).fetchall()


def flag_names(conn: psycopg.Connection) -> dict[tuple[str, str], set[str]]:
    """``{(tenant_id, io_id): {flag, ...}}`` of io_verification_flags now."""
    out: dict[tuple[str, str], set[str]] = defaultdict(set)
    for tenant_id, io_id, flag in conn.execute(FLAGS).fetchall():
        out[(tenant_id, io_id)].add(flag)
    return out


def register(conn: psycopg.Connection) -> list[tuple[str, str, str, str]]:
    """``(tenant_id, campaign_id, pdf_path, csv_path)`` of every report in the register."""
    return conn.execute(REGISTER).fetchall()
