"""Owns the SQL of ``io_verification_flags``: each IO's facts read, its flags written per tenant.

No Dagster here; the rules are :mod:`sponsor_pipeline.verification`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from sponsor_pipeline.verification import IoFacts, Thresholds, missing_evidence, verify_io
from sponsor_pipeline.vocabulary import GARM_COLUMNS, RUNNING_IO_STATUSES

# Every IO with an io_delivery row (its as-of day and pacing), its attributed responses (0 before
# io_attribution has a row), its show's explicit flag and its campaign's explicit exclusion.
# %(tenants)s NULL: every tenant.
IOS = """
SELECT b.tenant_id, b.io_id, b.campaign_id, b.show_id, b.status, b.flight_start, b.flight_end,
       b.booked_impressions, b.promo_code, b.vanity_url,
       d.as_of, d.delivered_impressions, d.expected_to_date::float8 AS expected_to_date,
       d.pacing_ratio::float8 AS pacing_ratio, d.pacing_mode,
       coalesce(a.conversions, 0) AS conversions, coalesce(a.vanity_visits, 0) AS vanity_visits,
       s.explicit AS show_explicit, coalesce(cbs.excludes_explicit, false) AS excludes_explicit
FROM io_bookings b
JOIN io_delivery d ON d.tenant_id = b.tenant_id AND d.io_id = b.io_id
JOIN shows s ON s.tenant_id = b.tenant_id AND s.show_id = b.show_id
LEFT JOIN io_attribution a ON a.tenant_id = b.tenant_id AND a.io_id = b.io_id
LEFT JOIN campaign_brand_safety cbs ON cbs.tenant_id = b.tenant_id AND cbs.campaign_id = b.campaign_id
WHERE %(tenants)s::text[] IS NULL OR b.tenant_id = ANY (%(tenants)s)
ORDER BY b.tenant_id, b.io_id
"""
# Impressions after the flight end up to the as-of day of IOs still running past their flight: the
# IO's episode, or for run-of-show IOs the show (its show-level series where the source reports one,
# else the sum of its episodes — io_delivery's reading), from the impression sources.
AFTER_FLIGHT = """
WITH ios AS (
    SELECT b.tenant_id, b.io_id, b.show_id, b.episode_id, b.flight_end, d.as_of
    FROM io_bookings b JOIN io_delivery d ON d.tenant_id = b.tenant_id AND d.io_id = b.io_id
    WHERE b.status = ANY (%(running)s) AND d.as_of > b.flight_end
      AND (%(tenants)s::text[] IS NULL OR b.tenant_id = ANY (%(tenants)s))
),
per_day AS (
    SELECT i.tenant_id, i.io_id, m.day, m.source,
           CASE WHEN i.episode_id IS NULL
                THEN coalesce(sum(m.downloads) FILTER (WHERE m.episode_id IS NULL), sum(m.downloads))
                ELSE sum(m.downloads) FILTER (WHERE m.episode_id = i.episode_id) END AS downloads
    FROM ios i
    JOIN metrics_daily m ON m.tenant_id = i.tenant_id AND m.show_id = i.show_id
     AND m.day > i.flight_end AND m.day <= i.as_of AND m.source = ANY (%(sources)s)
    GROUP BY i.tenant_id, i.io_id, i.episode_id, m.day, m.source
)
SELECT tenant_id, io_id, coalesce(sum(downloads), 0)::bigint AS impressions,
       max(day) FILTER (WHERE downloads > 0) AS last_day
FROM per_day GROUP BY tenant_id, io_id
"""
AUDIENCE = """
SELECT tenant_id, show_id, source, bucket, share::float8 AS share FROM audience_profiles
WHERE dimension = 'country' AND (%(tenants)s::text[] IS NULL OR tenant_id = ANY (%(tenants)s))
"""
TARGET_COUNTRIES = """
SELECT tenant_id, campaign_id, value FROM campaign_targets
WHERE dimension = 'country' AND (%(tenants)s::text[] IS NULL OR tenant_id = ANY (%(tenants)s))
"""
# The GARM column names come from vocabulary.py (identifiers, never values).
SHOW_SAFETY = (  # noqa: S608
    "SELECT tenant_id, show_id, {garm} FROM show_brand_safety "
    "WHERE %(tenants)s::text[] IS NULL OR tenant_id = ANY (%(tenants)s)"
).format(garm=", ".join(GARM_COLUMNS))
CAMPAIGN_SAFETY = (  # noqa: S608
    "SELECT tenant_id, campaign_id, {garm} FROM campaign_brand_safety "
    "WHERE %(tenants)s::text[] IS NULL OR tenant_id = ANY (%(tenants)s)"
).format(garm=", ".join(GARM_COLUMNS))
TENANTS = "SELECT tenant_id FROM tenants WHERE %(tenants)s::text[] IS NULL OR tenant_id = ANY (%(tenants)s)"

COLUMNS = ("tenant_id", "io_id", "flag", "severity", "rule", "evidence", "as_of")
REPLACE_DELETE = "DELETE FROM io_verification_flags WHERE tenant_id = ANY (%(tenants)s)"
COPY_IN = "COPY io_verification_flags ({}) FROM STDIN".format(", ".join(COLUMNS))


def io_facts(
    conn: psycopg.Connection, *, sources: Sequence[str], tenants: Sequence[str] | None = None
) -> list[tuple[str, IoFacts]]:
    """``(tenant_id, facts)`` per IO with an io_delivery row, of ``tenants`` (None: all).

    ``sources``: the metrics_daily sources whose downloads count as impressions (io_delivery's).
    """
    params = {"tenants": list(tenants) if tenants is not None else None}
    shares: dict[tuple[str, str], dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    targets: dict[tuple[str, str], set[str]] = defaultdict(set)
    with conn.cursor(row_factory=dict_row) as cur:
        ios = cur.execute(IOS, params).fetchall()
        after = {
            (r["tenant_id"], r["io_id"]): r
            for r in cur.execute(
                AFTER_FLIGHT, {**params, "running": list(RUNNING_IO_STATUSES), "sources": list(sources)}
            ).fetchall()
        }
        for r in cur.execute(AUDIENCE, params).fetchall():
            shares[(r["tenant_id"], r["show_id"])][r["source"]][r["bucket"]] = r["share"]
        for r in cur.execute(TARGET_COUNTRIES, params).fetchall():
            targets[(r["tenant_id"], r["campaign_id"])].add(r["value"])
        show_risk = {
            (r["tenant_id"], r["show_id"]): {c: r[c] for c in GARM_COLUMNS}
            for r in cur.execute(SHOW_SAFETY, params).fetchall()
        }
        accepted = {
            (r["tenant_id"], r["campaign_id"]): {c: r[c] for c in GARM_COLUMNS}
            for r in cur.execute(CAMPAIGN_SAFETY, params).fetchall()
        }
    out = []
    for io in ios:
        tenant, show, campaign = io["tenant_id"], io["show_id"], io["campaign_id"]
        late = after.get((tenant, io["io_id"]))
        out.append(
            (
                tenant,
                IoFacts(
                    io_id=io["io_id"],
                    status=io["status"],
                    flight_start=io["flight_start"],
                    flight_end=io["flight_end"],
                    as_of=io["as_of"],
                    booked_impressions=io["booked_impressions"],
                    delivered_impressions=io["delivered_impressions"],
                    expected_to_date=io["expected_to_date"],
                    pacing_ratio=io["pacing_ratio"],
                    pacing_mode=io["pacing_mode"],
                    promo_code=io["promo_code"],
                    vanity_url=io["vanity_url"],
                    conversions=io["conversions"],
                    vanity_visits=io["vanity_visits"],
                    impressions_after_flight=late["impressions"] if late else 0,
                    last_day_after_flight=late["last_day"] if late else None,
                    audience_country_shares={s: dict(b) for s, b in shares.get((tenant, show), {}).items()},
                    target_countries=frozenset(targets.get((tenant, campaign), set())),
                    show_risk=show_risk.get((tenant, show)),
                    accepted_risk=accepted.get((tenant, campaign)),
                    show_explicit=io["show_explicit"],
                    excludes_explicit=io["excludes_explicit"],
                ),
            )
        )
    return out


def flag_rows(
    conn: psycopg.Connection,
    *,
    sources: Sequence[str],
    tenants: Sequence[str] | None = None,
    thresholds: Thresholds | None = None,
) -> list[dict[str, Any]]:
    """One dict per (IO, flag) with the ``io_verification_flags`` columns (rules: :func:`verify_io`;
    ``thresholds`` None: the vocabulary's defaults)."""
    limits = thresholds or Thresholds()
    return [
        {
            "tenant_id": tenant,
            "io_id": facts.io_id,
            "flag": f.flag,
            "severity": f.severity,
            "rule": f.rule,
            "evidence": f.evidence,
            "as_of": facts.as_of,
        }
        for tenant, facts in io_facts(conn, sources=sources, tenants=tenants)
        for f in verify_io(facts, limits)
    ]


def replace_flags(
    conn: psycopg.Connection, rows: list[dict[str, Any]], tenants: Sequence[str] | None = None
) -> list[str]:
    """Replace the rows of ``tenants`` (None: every tenant in ``tenants``) with ``rows`` and commit
    (readers see the old or the new set). Returns the tenants replaced.

    Raises:
        ValueError: a row of a tenant not being replaced.
    """
    replaced = [t for (t,) in conn.execute(TENANTS, {"tenants": list(tenants) if tenants is not None else None})]
    stray = {r["tenant_id"] for r in rows} - set(replaced)
    if stray:
        raise ValueError(f"flag rows of tenants not being replaced: {sorted(stray)}")
    conn.execute(REPLACE_DELETE, {"tenants": replaced})
    with conn.cursor() as cur, cur.copy(COPY_IN) as copy:
        for row in rows:
            copy.write_row([Jsonb(row[c]) if c == "evidence" else row[c] for c in COLUMNS])
    conn.commit()
    return replaced


# Flag rows whose evidence lacks its flag's keys, or judged on another day than the IO's io_delivery.
STORED = """
SELECT f.tenant_id, f.io_id, f.flag, f.evidence, f.as_of, d.as_of AS delivery_as_of
FROM io_verification_flags f
LEFT JOIN io_delivery d ON d.tenant_id = f.tenant_id AND d.io_id = f.io_id
ORDER BY f.tenant_id, f.io_id, f.flag
"""


def evidence_problems(conn: psycopg.Connection) -> list[str]:
    """``'<tenant>/<io>/<flag>: <problem>'`` per stored flag whose evidence lacks a key of its flag, or
    whose as-of day is not its IO's io_delivery as-of day (stale, or the IO has no delivery row)."""
    problems = []
    with conn.cursor(row_factory=dict_row) as cur:
        for r in cur.execute(STORED).fetchall():
            name = f"{r['tenant_id']}/{r['io_id']}/{r['flag']}"
            lacking = missing_evidence(r["flag"], r["evidence"])
            if lacking:
                problems.append(f"{name}: evidence lacks {', '.join(lacking)}")
            if r["delivery_as_of"] != r["as_of"]:
                problems.append(f"{name}: judged as of {r['as_of']}, io_delivery is as of {r['delivery_as_of']}")
    return problems


COUNTS = """
SELECT tenant_id, flag, severity, count(*) AS ios FROM io_verification_flags
GROUP BY tenant_id, flag, severity ORDER BY tenant_id, flag, severity
"""
