"""Owns the SQL around ``matches``: reading one tenant's matchmaking inputs, writing its scores.

Named, parameterised statements only (psycopg 3); the scoring itself is :mod:`sponsor_pipeline.matchmaking`.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd
import psycopg

from sponsor_pipeline.matchmaking import MATCH_COLUMNS, SIGNALS, MatchInputs
from sponsor_pipeline.vocabulary import GARM_COLUMNS, OPEN_DEAL_STAGES
from sponsor_pipeline.warehouse.events import record_event
from sponsor_pipeline.warehouse.metrics import json_safe

TENANTS = "SELECT tenant_id FROM tenants ORDER BY tenant_id"
TENANTS_OF_CAMPAIGNS = (
    "SELECT DISTINCT tenant_id FROM campaigns WHERE campaign_id = ANY(%(campaign_ids)s) ORDER BY tenant_id"
)
AS_OF = "SELECT max(day) FROM metrics_daily WHERE tenant_id = %(tenant_id)s"

SHOWS = """
SELECT show_id, title, apple_genre, explicit FROM shows WHERE tenant_id = %(tenant_id)s
"""
CAMPAIGNS = """
SELECT campaign_id, advertiser_id, name, stage, flight_start, flight_end, impressions_goal, target_cpm
FROM campaigns
WHERE tenant_id = %(tenant_id)s AND stage = ANY(%(open_stages)s)
  AND (%(campaign_ids)s::text[] IS NULL OR campaign_id = ANY(%(campaign_ids)s))
"""
ADVERTISERS = "SELECT advertiser_id, category FROM advertisers WHERE tenant_id = %(tenant_id)s"
AUDIENCE = """
SELECT show_id, source, dimension, bucket, share::float8 AS share
FROM audience_profiles WHERE tenant_id = %(tenant_id)s
"""
SHOW_TOPICS = "SELECT show_id, topic_id FROM show_topics WHERE tenant_id = %(tenant_id)s"
# The GARM column names come from vocabulary.py (identifiers, never values).
SHOW_SAFETY = "SELECT show_id, {garm} FROM show_brand_safety WHERE tenant_id = %(tenant_id)s".format(  # noqa: S608
    garm=", ".join(GARM_COLUMNS)
)
CAMPAIGN_SAFETY = (  # noqa: S608
    "SELECT campaign_id, {garm}, excludes_explicit FROM campaign_brand_safety WHERE tenant_id = %(tenant_id)s"
).format(garm=", ".join(GARM_COLUMNS))
CAMPAIGN_TARGETS = """
SELECT campaign_id, dimension, value, weight::float8 AS weight
FROM campaign_targets WHERE tenant_id = %(tenant_id)s
"""
# Show-level downloads per day and source over the look-back window (episode rows summed).
METRICS = """
SELECT show_id, day, source, sum(downloads)::float8 AS downloads
FROM metrics_daily
WHERE tenant_id = %(tenant_id)s AND day > %(as_of)s::date - %(lookback)s AND day <= %(as_of)s::date
GROUP BY show_id, day, source
"""
EPISODES = "SELECT show_id, published_at, ad_slots FROM episodes WHERE tenant_id = %(tenant_id)s"
IOS = """
SELECT b.io_id, b.campaign_id, c.advertiser_id, b.show_id, b.status, b.flight_start, b.flight_end,
       b.booked_impressions::float8 AS booked_impressions,
       d.delivered_impressions::float8 AS delivered_impressions,
       r.responses::float8 AS responses
FROM io_bookings b
JOIN campaigns c ON c.tenant_id = b.tenant_id AND c.campaign_id = b.campaign_id
LEFT JOIN io_delivery d ON d.tenant_id = b.tenant_id AND d.io_id = b.io_id
LEFT JOIN (
    SELECT tenant_id, io_id, sum(promo_redemptions + vanity_visits) AS responses
    FROM io_responses GROUP BY tenant_id, io_id
) r ON r.tenant_id = b.tenant_id AND r.io_id = b.io_id
WHERE b.tenant_id = %(tenant_id)s
"""

CREATE_STAGE = """
CREATE TEMPORARY TABLE match_stage (
    show_id text, campaign_id text, score numeric(5, 2),
    geo_overlap numeric(6, 5), demographic_overlap numeric(6, 5), topic_overlap numeric(6, 5),
    historical_lift numeric(6, 5), inventory_fit numeric(6, 5), brand_safety numeric(6, 5),
    brand_safety_conflict boolean, signals jsonb, weights jsonb, rationale text, input_fingerprint text
) ON COMMIT DROP
"""
COPY_STAGE = "COPY match_stage ({cols}) FROM STDIN WITH (FORMAT csv)".format(cols=", ".join(MATCH_COLUMNS))
UPSERT = """
INSERT INTO matches (tenant_id, {cols}, computed_at)
SELECT %(tenant_id)s, {cols}, now() FROM match_stage
ON CONFLICT (tenant_id, show_id, campaign_id) DO UPDATE SET
    {updates}, computed_at = now()
WHERE matches.input_fingerprint IS DISTINCT FROM EXCLUDED.input_fingerprint
""".format(
    cols=", ".join(MATCH_COLUMNS),
    updates=", ".join(f"{c} = EXCLUDED.{c}" for c in MATCH_COLUMNS if c not in ("show_id", "campaign_id")),
)
# Rows of campaigns in scope that this run did not produce: campaigns now won or lost.
DELETE_STALE = """
DELETE FROM matches m
WHERE m.tenant_id = %(tenant_id)s
  AND (%(campaign_ids)s::text[] IS NULL OR m.campaign_id = ANY(%(campaign_ids)s))
  AND NOT EXISTS (SELECT 1 FROM match_stage s WHERE s.show_id = m.show_id AND s.campaign_id = m.campaign_id)
"""

# Scores outside [0, 100] and rows with a signal (column or jsonb) outside [0, 1] or missing.
RANGE_VIOLATIONS = """
SELECT tenant_id, show_id, campaign_id, score, signals
FROM matches m
WHERE m.score < 0 OR m.score > 100
   OR NOT (m.signals ?& %(signals)s)
   OR EXISTS (
        SELECT 1 FROM jsonb_each(m.signals) e
        WHERE e.key = ANY(%(signals)s)
          AND (jsonb_typeof(e.value) <> 'number' OR (e.value)::numeric < 0 OR (e.value)::numeric > 1))
   OR m.geo_overlap NOT BETWEEN 0 AND 1 OR m.demographic_overlap NOT BETWEEN 0 AND 1
   OR m.topic_overlap NOT BETWEEN 0 AND 1 OR m.historical_lift NOT BETWEEN 0 AND 1
   OR m.inventory_fit NOT BETWEEN 0 AND 1 OR m.brand_safety NOT BETWEEN 0 AND 1
   OR btrim(m.rationale) = ''
ORDER BY tenant_id, campaign_id, show_id
"""

TOP_MATCHES = """
SELECT c.tenant_id, c.campaign_id, c.name, c.stage, s.title, m.score, m.rationale
FROM campaigns c
JOIN LATERAL (
    SELECT * FROM matches m WHERE m.tenant_id = c.tenant_id AND m.campaign_id = c.campaign_id
    ORDER BY m.score DESC, m.show_id LIMIT %(top)s
) m ON true
JOIN shows s ON s.tenant_id = m.tenant_id AND s.show_id = m.show_id
WHERE c.stage = ANY(%(open_stages)s)
ORDER BY c.tenant_id, c.campaign_id, m.score DESC, m.show_id
"""


def _frame(conn: psycopg.Connection, query: str, params: dict) -> pd.DataFrame:
    with conn.cursor() as cur:
        cur.execute(query, params)
        columns = [d.name for d in cur.description]
        return pd.DataFrame(cur.fetchall(), columns=columns)


def tenants_in_scope(conn: psycopg.Connection, campaign_ids: Sequence[str] | None) -> list[str]:
    """Every tenant, or the tenants owning ``campaign_ids`` (a subset run)."""
    if campaign_ids:
        return [r[0] for r in conn.execute(TENANTS_OF_CAMPAIGNS, {"campaign_ids": list(campaign_ids)})]
    return [r[0] for r in conn.execute(TENANTS)]


def read_inputs(
    conn: psycopg.Connection,
    tenant_id: str,
    campaign_ids: Sequence[str] | None,
    lookback_days: int,
    today: dt.date | None = None,
) -> MatchInputs:
    """One tenant's inputs; campaigns are the open ones (all, or those of ``campaign_ids``).

    ``as_of`` is the tenant's last day in metrics_daily (yesterday when it has none).
    """
    as_of = conn.execute(AS_OF, {"tenant_id": tenant_id}).fetchone()[0]
    as_of = as_of or (today or dt.datetime.now(dt.UTC).date()) - dt.timedelta(days=1)
    p = {
        "tenant_id": tenant_id,
        "campaign_ids": list(campaign_ids) if campaign_ids else None,
        "open_stages": list(OPEN_DEAL_STAGES),
        "as_of": as_of,
        "lookback": lookback_days,
    }
    return MatchInputs(
        shows=_frame(conn, SHOWS, p),
        campaigns=_frame(conn, CAMPAIGNS, p),
        advertisers=_frame(conn, ADVERTISERS, p),
        audience=_frame(conn, AUDIENCE, p),
        show_topics=_frame(conn, SHOW_TOPICS, p),
        show_safety=_frame(conn, SHOW_SAFETY, p),
        campaign_safety=_frame(conn, CAMPAIGN_SAFETY, p),
        campaign_targets=_frame(conn, CAMPAIGN_TARGETS, p),
        metrics=_frame(conn, METRICS, p),
        episodes=_frame(conn, EPISODES, p),
        ios=_frame(conn, IOS, p),
        as_of=as_of,
    )


@dataclass
class WriteResult:
    """Counts of one tenant's write: pairs scored, rows inserted or changed, stale rows removed."""

    tenant_id: str
    pairs: int = 0
    changed: int = 0
    removed: int = 0
    campaigns: int = 0
    shows: int = 0
    conflicts: int = 0
    score_sum: float = 0.0
    campaign_ids: list[str] = field(default_factory=list)


def write_matches(
    conn: psycopg.Connection,
    tenant_id: str,
    blocks: Iterable[pd.DataFrame],
    campaign_ids: Sequence[str] | None,
    result: WriteResult,
) -> WriteResult:
    """Stage every block with ``COPY``, upsert rows whose fingerprint changed, delete stale rows.

    Runs in the caller's transaction; ``campaign_ids`` (None = every campaign of the tenant) bounds
    the deletion of rows this run did not produce.
    """
    conn.execute("DROP TABLE IF EXISTS pg_temp.match_stage")
    conn.execute(CREATE_STAGE)
    with conn.cursor() as cur:
        for frame in blocks:
            if frame.empty:
                continue
            buffer = io.StringIO()
            frame.to_csv(buffer, index=False, header=False)
            with cur.copy(COPY_STAGE) as copy:
                copy.write(buffer.getvalue())
            result.pairs += len(frame)
            result.conflicts += int(frame["brand_safety_conflict"].sum())
            result.score_sum += float(frame["score"].sum())
        cur.execute(UPSERT, {"tenant_id": tenant_id})
        result.changed = cur.rowcount
        cur.execute(
            DELETE_STALE, {"tenant_id": tenant_id, "campaign_ids": list(campaign_ids) if campaign_ids else None}
        )
        result.removed = cur.rowcount
    conn.execute("DROP TABLE pg_temp.match_stage")
    return result


def record_recalculated(
    conn: psycopg.Connection, result: WriteResult, run_id: str, requested: Sequence[str] | None
) -> int | None:
    """``match.recalculated`` for one tenant and run (dedupe key ``match.recalculated:<run>:<tenant>``)."""
    return record_event(
        conn,
        "match.recalculated",
        tenant_id=result.tenant_id,
        entity_type="tenant",
        entity_id=result.tenant_id,
        dedupe_key=f"match.recalculated:{run_id}:{result.tenant_id}",
        payload={
            "run_id": run_id,
            "requested_campaign_ids": list(requested) if requested else None,
            "campaigns": result.campaigns,
            "shows": result.shows,
            "pairs": result.pairs,
            "changed": result.changed,
            "unchanged": result.pairs - result.changed,
            "removed": result.removed,
            "brand_safety_conflicts": result.conflicts,
        },
    )


def range_violations(conn: psycopg.Connection, limit: int = 5) -> tuple[int, list[dict]]:
    """(number of matches rows with a score or signal out of range or an empty rationale, up to ``limit``)."""
    with conn.cursor() as cur:
        cur.execute(RANGE_VIOLATIONS, {"signals": list(SIGNALS)})
        names = [d.name for d in cur.description]
        rows = cur.fetchall()
    return len(rows), [
        json_safe({k: (str(v) if k == "score" else v) for k, v in zip(names, r, strict=True)}) for r in rows[:limit]
    ]


def top_matches(conn: psycopg.Connection, top: int = 3) -> list[tuple]:
    """(tenant, campaign_id, name, stage, show title, score, rationale) for the top shows per open campaign."""
    return conn.execute(TOP_MATCHES, {"top": top, "open_stages": list(OPEN_DEAL_STAGES)}).fetchall()
