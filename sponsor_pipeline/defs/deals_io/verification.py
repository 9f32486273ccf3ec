"""Owns the ``io_verification_flags`` asset: per IO, what a sponsor would question, with rule and evidence."""

from collections import Counter

import dagster as dg

from sponsor_pipeline.defs import table_metadata
from sponsor_pipeline.defs.ingestion import report
from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.resources.settings import PipelineSettings
from sponsor_pipeline.verification import Thresholds
from sponsor_pipeline.vocabulary import VERIFICATION_FLAGS
from sponsor_pipeline.warehouse import verification

PREVIEW_ROWS = 20


class VerificationConfig(dg.Config):
    tenant_ids: list[str] | None = None  # default: every tenant
    impression_sources: list[str] | None = None  # default: the settings resource's (SPONSOR_IMPRESSION_SOURCES)


def _evidence_cell(evidence: dict) -> str:
    parts = []
    for key, value in evidence.items():
        if key == "categories":
            value = ", ".join(f"{c['category']} {c['show_risk']}>{c['accepted']}" for c in value) or "–"
        parts.append(f"{key}={value}")
    return report.md_cell("; ".join(parts))


@dg.asset(
    name="io_verification_flags",
    group_name="deals_io",
    owners=["team:sponsorships"],
    kinds={"postgres"},
    deps=[
        "io_delivery",
        "io_attribution",
        "io_bookings",
        "shows",
        "metrics_daily",
        "audience_profiles",
        "campaign_targets",
        "show_brand_safety",
        "campaign_brand_safety",
    ],
    metadata=table_metadata.table_spec_metadata("io_verification_flags"),
    description=(
        "Per IO, the verification flags a sponsor would question, each with its severity, its rule "
        "(with the threshold) and the figures behind it: under_delivered, under_pacing, "
        "missing_promo_code, unused_promo_code, no_vanity_traffic, audience_outside_targets, "
        "brand_safety_conflict, delivery_after_flight. Judged as of each IO's io_delivery day; a "
        "tenant's rows are replaced each run. Rules and sources: sponsor_pipeline/verification.py."
    ),
)
def io_verification_flags(
    context: dg.AssetExecutionContext,
    config: VerificationConfig,
    postgres: PostgresResource,
    settings: PipelineSettings,
) -> dg.MaterializeResult:
    sources = config.impression_sources or settings.impression_source_list()
    thresholds = Thresholds(response_grace_days=settings.verification_grace_days())
    with postgres.connect() as conn:
        rows = verification.flag_rows(conn, sources=sources, tenants=config.tenant_ids, thresholds=thresholds)
        tenants = verification.replace_flags(conn, rows, config.tenant_ids)
        catalogue = table_metadata.materialization_metadata(conn, "io_verification_flags")
    per_flag = Counter(r["flag"] for r in rows)
    critical = sum(r["severity"] == "critical" for r in rows)
    ios = len({(r["tenant_id"], r["io_id"]) for r in rows})
    context.log.info(f"io_verification_flags: {len(rows)} flags on {ios} IOs ({critical} critical)")
    preview = ["| tenant | io | flag | severity | evidence |", "|---|---|---|---|---|"]
    ordered = sorted(rows, key=lambda r: (r["severity"] != "critical", r["tenant_id"], r["io_id"], r["flag"]))
    preview += [
        f"| {report.md_cell(r['tenant_id'])} | {report.md_cell(r['io_id'])} | {r['flag']} | {r['severity']} "
        f"| {_evidence_cell(r['evidence'])} |"
        for r in ordered[:PREVIEW_ROWS]
    ]
    if len(rows) > PREVIEW_ROWS:
        preview.append(f"\n{len(rows) - PREVIEW_ROWS} more flags in the table.")
    return dg.MaterializeResult(
        metadata={
            "rows": dg.MetadataValue.int(len(rows)),
            "flagged_ios": dg.MetadataValue.int(ios),
            "critical": dg.MetadataValue.int(critical),
            "tenants": ", ".join(tenants) or "–",
            **{f"flag_{f}": dg.MetadataValue.int(per_flag.get(f, 0)) for f in VERIFICATION_FLAGS},
            "thresholds": dg.MetadataValue.json(thresholds.as_dict()),
            "preview": dg.MetadataValue.md("\n".join(preview)),
            **catalogue,
        }
    )
