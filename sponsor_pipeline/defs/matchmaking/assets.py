"""Owns the ``match_scores`` asset: every open campaign × every show per tenant, scored into ``matches``.

A thin shell: reads one tenant at a time (:mod:`sponsor_pipeline.warehouse.matches`), scores with
:mod:`sponsor_pipeline.matchmaking` in campaign blocks, writes with ``COPY`` + upsert, and records
``match.recalculated`` per tenant, all in one transaction per tenant. Run config
``{"ops": {"match_scores": {"config": {"campaign_ids": [...]}}}}`` recomputes only those campaigns
(the deal-stage sensor's reruns); an empty list recomputes every open campaign.
"""

import time

import dagster as dg

from sponsor_pipeline import matchmaking
from sponsor_pipeline.defs import table_metadata
from sponsor_pipeline.defs.matchmaking.resources import MatchWeightsResource
from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.warehouse import matches as matches_sql

UPSTREAM = [
    "shows",
    "episodes",
    "advertisers",
    "campaigns",
    "io_bookings",
    "metrics_daily",
    "io_delivery",
    "io_responses",
    "audience_profiles",
    "show_topics",
    "show_brand_safety",
    "campaign_brand_safety",
    "campaign_targets",
]
# A block holds shows × campaigns pairs at once (signals, rationale strings): about 50,000 pairs.
BLOCK_PAIRS = 50_000


class MatchScoresConfig(dg.Config):
    campaign_ids: list[str] = []


@dg.asset(
    name="match_scores",
    group_name="matchmaking",
    owners=["team:sponsorships"],
    kinds={"postgres", "numpy"},
    deps=UPSTREAM,
    metadata=table_metadata.table_spec_metadata("matches"),
    description=(
        "0–100 fit of every show for every open campaign (stage not won/lost), per tenant, in "
        "matches: six signals in [0, 1] (geo, demographic, topic, historical lift, inventory, brand "
        "safety), the weights used, an input fingerprint and a readable rationale. Brand safety gates "
        "the score. Run config campaign_ids recomputes only those campaigns."
    ),
)
def match_scores(
    context: dg.AssetExecutionContext,
    config: MatchScoresConfig,
    postgres: PostgresResource,
    match_weights: MatchWeightsResource,
) -> dg.MaterializeResult:
    weights = match_weights.weights()
    requested = sorted(set(config.campaign_ids)) or None
    started = time.perf_counter()
    per_tenant = []
    with postgres.connect() as conn:
        tenants = matches_sql.tenants_in_scope(conn, requested)
        conn.commit()
        for tenant_id in tenants:
            with conn.transaction():  # one tenant: read, score, write and event, all or nothing
                inputs = matches_sql.read_inputs(conn, tenant_id, requested, weights.inventory_lookback_days)
                prepared = matchmaking.prepare(inputs, weights=weights)
                result = matches_sql.WriteResult(
                    tenant_id,
                    campaigns=len(prepared.campaign_ids),
                    shows=len(prepared.show_ids),
                    campaign_ids=list(prepared.campaign_ids),
                )
                blocks = (
                    matchmaking.block_rows(prepared, block, weights)
                    for block in matchmaking.score_matches(
                        prepared, weights, max(1, BLOCK_PAIRS // max(len(prepared.show_ids), 1))
                    )
                    if len(prepared.show_ids)
                )
                matches_sql.write_matches(conn, tenant_id, blocks, requested, result)
                matches_sql.record_recalculated(conn, result, context.run_id, requested)
            per_tenant.append(result)
            context.log.info(
                f"{tenant_id}: {result.pairs} pairs ({result.campaigns} campaigns × {result.shows} shows), "
                f"{result.changed} changed, {result.removed} removed, {result.conflicts} brand-safety conflicts"
            )
        top = matches_sql.top_matches(conn, 3)
        catalogue = table_metadata.materialization_metadata(conn, "matches")
    seconds = time.perf_counter() - started
    preview = ["| tenant | campaign | show | score | rationale |", "|---|---|---|---|---|"]
    preview += [
        f"| {t} | {name} | {title} | {score} | {text.replace('|', '/')} |"
        for t, _cid, name, _stage, title, score, text in top[:60]
    ]
    table = [
        "| tenant | campaigns | shows | pairs | changed | removed | conflicts | mean score |",
        "|---|---|---|---|---|---|---|---|",
    ]
    table += [
        f"| {r.tenant_id} | {r.campaigns} | {r.shows} | {r.pairs} | {r.changed} | {r.removed} | "
        f"{r.conflicts} | {r.score_sum / r.pairs if r.pairs else 0:.1f} |"
        for r in per_tenant
    ]
    return dg.MaterializeResult(
        metadata={
            "requested_campaign_ids": dg.MetadataValue.json(requested or []),
            "pairs": dg.MetadataValue.int(sum(r.pairs for r in per_tenant)),
            "changed": dg.MetadataValue.int(sum(r.changed for r in per_tenant)),
            "removed": dg.MetadataValue.int(sum(r.removed for r in per_tenant)),
            "seconds": dg.MetadataValue.float(round(seconds, 3)),
            "weights": dg.MetadataValue.json(weights.as_dict()),
            "per_tenant": dg.MetadataValue.md("\n".join(table)),
            "top_3_per_open_campaign": dg.MetadataValue.md("\n".join(preview)),
            **catalogue,
        }
    )
