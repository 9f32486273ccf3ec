"""Owns the ``io_delivery`` asset: one row per IO with delivered vs booked impressions and pacing."""

from datetime import date

import dagster as dg

from sponsor_pipeline.defs import table_metadata
from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.resources.settings import PipelineSettings
from sponsor_pipeline.vocabulary import UNDER_PACING_RATIO
from sponsor_pipeline.warehouse import delivery


class IoDeliveryConfig(dg.Config):
    as_of: str | None = None  # YYYY-MM-DD; default: each tenant's last metrics day
    impression_sources: list[str] | None = None  # default: the settings resource's (SPONSOR_IMPRESSION_SOURCES)


@dg.asset(
    name="io_delivery",
    group_name="deals_io",
    owners=["team:sponsorships"],
    kinds={"postgres"},
    deps=["io_bookings", "metrics_daily"],
    metadata=table_metadata.table_spec_metadata("io_delivery"),
    description=(
        "One row per IO: delivered impressions within the flight (hosting downloads of the IO's "
        "episode, or of the whole show for run-of-show IOs, per IAB Podcast Measurement Technical "
        "Guidelines v2.2), booked impressions, percent delivered, expected-to-date under the IO's pacing mode (even, "
        "front-loaded, ASAP or daily goal), "
        "pacing ratio, projected delivery at flight end and the make-good owed when a completed IO "
        "under-delivered. Formulas: sponsor_pipeline/pacing.py."
    ),
)
def io_delivery(
    context: dg.AssetExecutionContext,
    config: IoDeliveryConfig,
    postgres: PostgresResource,
    settings: PipelineSettings,
) -> dg.MaterializeResult:
    as_of = date.fromisoformat(config.as_of) if config.as_of else None
    sources = config.impression_sources or settings.impression_source_list()
    with postgres.connect() as conn:
        rows = delivery.delivery_rows(conn, as_of=as_of, sources=sources)
        delivery.replace_io_delivery(conn, rows)
        catalogue = table_metadata.materialization_metadata(conn, "io_delivery")
    behind = [
        r
        for r in rows
        if r["status"] == "live" and r["pacing_ratio"] is not None and r["pacing_ratio"] < UNDER_PACING_RATIO
    ]
    owed = [r for r in rows if r["make_good_impressions"] > 0]
    context.log.info(f"io_delivery: {len(rows)} IOs, {len(behind)} live IOs behind pace, {len(owed)} owe a make-good")
    preview = ["| io | status | booked | delivered | % | pacing | make-good |", "|---|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: (-r["make_good_impressions"], r["io_id"]))[:15]:
        ratio = "–" if r["pacing_ratio"] is None else f"{r['pacing_ratio']:.2f}"
        preview.append(
            f"| {r['io_id']} | {r['status']} | {r['booked_impressions']:,} | {r['delivered_impressions']:,} "
            f"| {r['percent_delivered']:.1f} | {ratio} | {r['make_good_impressions']:,} |"
        )
    return dg.MaterializeResult(
        metadata={
            "rows": dg.MetadataValue.int(len(rows)),
            "impression_sources": ", ".join(sources),
            "as_of": ", ".join(sorted({f"{r['tenant_id']}={r['as_of']}" for r in rows})) or "–",
            "live_ios_behind_pace": dg.MetadataValue.int(len(behind)),
            "ios_owing_make_good": dg.MetadataValue.int(len(owed)),
            "make_good_impressions": dg.MetadataValue.int(sum(r["make_good_impressions"] for r in owed)),
            "preview": dg.MetadataValue.md("\n".join(preview)),
            **catalogue,
        }
    )
