"""Owns the outcome assets of IOs: ``promo_redemptions`` and ``vanity_visits`` (the advertiser's exports),
``io_attribution`` (conversions, revenue, CPA, ROAS per IO after io_delivery) and ``io_responses`` (the
attributed responses per IO and day, which historical lift reads)."""

from pathlib import Path

import dagster as dg

from sponsor_pipeline.defs import table_metadata
from sponsor_pipeline.defs.ingestion import report
from sponsor_pipeline.defs.ingestion.isolation import FailedSource, sources_check_result, sources_check_spec
from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.resources.settings import PipelineSettings
from sponsor_pipeline.warehouse import attribution, imports
from sponsor_pipeline.warehouse import responses as response_files

RESPONSES_FOLDER = "responses"


class ResponsesConfig(dg.Config):
    folder: str | None = None  # default: <samples folder>/responses (SPONSOR_SAMPLES_DIR)
    files: list[str] | None = None  # only these files (the landing sensor sets it)
    retry_failed: bool = False  # read again files whose same bytes failed on their content before


def _import_kind(
    context: dg.AssetExecutionContext,
    config: ResponsesConfig,
    postgres: PostgresResource,
    settings: PipelineSettings,
    asset: str,
    kind: str,
) -> dg.MaterializeResult:
    root = Path(config.folder) if config.folder else settings.samples(None) / RESPONSES_FOLDER
    if config.files:
        found = [(response_files.tenant_of(Path(f)), Path(f)) for f in config.files]
    else:
        found = response_files.response_files(root, kind)
    failures: list[FailedSource] = []
    lines = ["| file | format | status | read | loaded | quarantined | dropped |", "|---|---|---|---|---|---|---|"]
    totals = {"rows_read": 0, "rows_loaded": 0, "rows_quarantined": 0, "rows_dropped": 0}
    with postgres.connect() as conn:
        for tenant_id, path in found:
            try:
                result, parsed = response_files.import_response_file(
                    conn, path, tenant_id, kind, retry_failed=config.retry_failed
                )
            except imports.ImportFailed as err:  # source isolation: the other files still load
                failures.append(FailedSource.from_import(err))
                context.log.warning(f"{asset}: {path} failed: {err}")
                continue
            for key in totals:
                totals[key] += getattr(result, key)
            lines.append(
                f"| {report.md_cell(f'{tenant_id}/{path.name}')} | {parsed.format if parsed else '–'} | {result.status} | "
                f"{result.rows_read} | {result.rows_loaded} | {result.rows_quarantined} | {result.rows_dropped} |"
            )
        rows = imports.table_rows(conn, asset)
        catalogue = table_metadata.materialization_metadata(conn, asset)
    return dg.MaterializeResult(
        metadata={
            **catalogue,
            "files": dg.MetadataValue.int(len(found)),
            **{k: dg.MetadataValue.int(v) for k, v in totals.items()},
            "table_rows": dg.MetadataValue.int(rows),
            "preview": dg.MetadataValue.md("\n".join(lines)),
        },
        check_results=[sources_check_result(asset, failures, len(found))],
    )


@dg.asset(
    name="promo_redemptions",
    group_name="deals_io",
    owners=["team:sponsorships"],
    kinds={"postgres", "csv", "pandera"},
    deps=["io_bookings"],
    metadata=table_metadata.table_spec_metadata("promo_redemptions"),
    check_specs=[sources_check_spec("promo_redemptions")],
    description=(
        "Orders that used an IO's promo code, from the advertiser's Shopify orders export or a generic "
        "CSV (code, order_id, occurred_at, revenue, currency) in responses/<tenant>/redemptions/. Codes "
        "match the tenant's IOs case- and whitespace-insensitively; unmatched rows are quarantined "
        "naming the code. Parsing rules: sponsor_pipeline/responses.py."
    ),
)
def promo_redemptions(
    context: dg.AssetExecutionContext, config: ResponsesConfig, postgres: PostgresResource, settings: PipelineSettings
) -> dg.MaterializeResult:
    return _import_kind(context, config, postgres, settings, "promo_redemptions", "redemptions")


@dg.asset(
    name="vanity_visits",
    group_name="deals_io",
    owners=["team:sponsorships"],
    kinds={"postgres", "csv", "pandera"},
    deps=["io_bookings", "campaigns"],
    metadata=table_metadata.table_spec_metadata("vanity_visits"),
    check_specs=[sources_check_spec("vanity_visits")],
    description=(
        "Daily visits to each IO's vanity URL, from Plausible's CSV export (imported_pages), a GA4 "
        "report CSV by page path and date, or a generic CSV (url, day, visits) in "
        "responses/<tenant>/visits/. URLs match case-, scheme-, www- and trailing-slash-insensitively; "
        "GA4's bare paths match within each IO's attribution window; unmatched rows are quarantined."
    ),
)
def vanity_visits(
    context: dg.AssetExecutionContext, config: ResponsesConfig, postgres: PostgresResource, settings: PipelineSettings
) -> dg.MaterializeResult:
    return _import_kind(context, config, postgres, settings, "vanity_visits", "visits")


@dg.asset(
    name="io_attribution",
    group_name="deals_io",
    owners=["team:sponsorships"],
    kinds={"postgres"},
    deps=["io_delivery", "promo_redemptions", "vanity_visits", "campaigns"],
    metadata=table_metadata.table_spec_metadata("io_attribution"),
    description=(
        "One row per IO: promo-code conversions (distinct orders) and vanity-URL visits inside its "
        "attribution window (flight start to flight end + the campaign's days, default 30), revenue "
        "with its currency, spend (billable impressions × CPM / 1,000, USD), CPA, ROAS and responses "
        "per 1,000 delivered impressions. Formulas and sources: sponsor_pipeline/attribution.py."
    ),
)
def io_attribution(context: dg.AssetExecutionContext, postgres: PostgresResource) -> dg.MaterializeResult:
    with postgres.connect() as conn:
        rows = attribution.attribution_rows(conn)
        attribution.replace_io_attribution(conn, rows)
        campaigns = attribution.campaign_totals(conn)
        catalogue = table_metadata.materialization_metadata(conn, "io_attribution")
    preview = ["| campaign | IOs | conversions | revenue | spend | CPA | ROAS |", "|---|---|---|---|---|---|---|"]
    for c in campaigns:
        revenue = "–" if c["revenue"] is None else f"{c['revenue']:,.2f} {c['revenue_currency'] or ''}"
        cpa = "–" if c["cpa"] is None else f"{c['cpa']:,.2f} {c['spend_currency']}"
        roas = "–" if c["roas"] is None else f"{c['roas']:.2f}"
        preview.append(
            f"| {c['campaign_id']} | {c['ios']} | {c['conversions']} | {revenue} | "
            f"{c['spend']:,.2f} {c['spend_currency']} | {cpa} | {roas} |"
        )
    context.log.info(f"io_attribution: {len(rows)} IOs, {sum(r['conversions'] for r in rows)} conversions")
    return dg.MaterializeResult(
        metadata={
            "rows": dg.MetadataValue.int(len(rows)),
            "conversions": dg.MetadataValue.int(sum(r["conversions"] for r in rows)),
            "vanity_visits": dg.MetadataValue.int(sum(r["vanity_visits"] for r in rows)),
            "campaigns": dg.MetadataValue.md("\n".join(preview)),
            **catalogue,
        }
    )


@dg.asset(
    name="io_responses",
    group_name="deals_io",
    owners=["team:sponsorships"],
    kinds={"postgres"},
    deps=["promo_redemptions", "vanity_visits", "io_bookings", "campaigns"],
    metadata=table_metadata.table_spec_metadata("io_responses"),
    description=(
        "Direct response per IO and day, derived from the attributed responses: distinct orders with "
        "the IO's promo code and visits to its vanity URL inside its attribution window (the ones "
        "io_attribution counts), on the day they happened. The historical_lift signal of match_scores "
        "reads it (responses per 1,000 delivered impressions). Rules: sponsor_pipeline/attribution.py."
    ),
)
def io_responses(context: dg.AssetExecutionContext, postgres: PostgresResource) -> dg.MaterializeResult:
    with postgres.connect() as conn:
        rows = attribution.response_rows(conn)
        attribution.replace_io_responses(conn, rows)
        catalogue = table_metadata.materialization_metadata(conn, "io_responses")
    promo = sum(r["promo_redemptions"] for r in rows)
    visits = sum(r["vanity_visits"] for r in rows)
    ios = len({(r["tenant_id"], r["io_id"]) for r in rows})
    context.log.info(f"io_responses: {len(rows)} IO-days on {ios} IOs, {promo} redemptions, {visits} visits")
    return dg.MaterializeResult(
        metadata={
            "rows": dg.MetadataValue.int(len(rows)),
            "ios": dg.MetadataValue.int(ios),
            "promo_redemptions": dg.MetadataValue.int(promo),
            "vanity_visits": dg.MetadataValue.int(visits),
            **catalogue,
        }
    )
