"""Owns the ``io_delivery`` asset: one row per IO with delivered vs booked impressions and pacing."""

import os
from datetime import date
from typing import Optional

import dagster as dg

from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.warehouse import delivery

DEFAULT_IMPRESSION_SOURCES = ("megaphone",)


def impression_sources() -> list[str]:
    """metrics_daily sources whose downloads count as impressions: ``SPONSOR_IMPRESSION_SOURCES``
    (comma-separated) or ``megaphone``, the hosting platform of the sample network."""
    raw = os.environ.get("SPONSOR_IMPRESSION_SOURCES", "")
    sources = [s.strip() for s in raw.split(",") if s.strip()]
    return sources or list(DEFAULT_IMPRESSION_SOURCES)


class IoDeliveryConfig(dg.Config):
    as_of: Optional[str] = None                       # YYYY-MM-DD; default: each tenant's last metrics day
    impression_sources: Optional[list[str]] = None    # default: SPONSOR_IMPRESSION_SOURCES or megaphone


@dg.asset(
    name="io_delivery",
    group_name="deals_io",
    owners=["team:sponsorships"],
    kinds={"postgres"},
    deps=["io_bookings", "metrics_daily"],
    description=(
        "One row per IO: delivered impressions within the flight (hosting downloads of the IO's "
        "episode, or of the whole show for run-of-show IOs, per IAB Podcast Measurement Technical "
        "Guidelines v2.1), booked impressions, percent delivered, expected-to-date under even pacing, "
        "pacing ratio, projected delivery at flight end and the make-good owed when a completed IO "
        "under-delivered. Formulas: sponsor_pipeline/pacing.py."
    ),
)
def io_delivery(
    context: dg.AssetExecutionContext, config: IoDeliveryConfig, postgres: PostgresResource
) -> dg.MaterializeResult:
    as_of = date.fromisoformat(config.as_of) if config.as_of else None
    sources = config.impression_sources or impression_sources()
    with postgres.connect() as conn:
        rows = delivery.delivery_rows(conn, as_of=as_of, sources=sources)
        delivery.replace_io_delivery(conn, rows)
    behind = [r for r in rows if r["status"] == "live" and r["pacing_ratio"] is not None
              and r["pacing_ratio"] < 0.9]
    owed = [r for r in rows if r["make_good_impressions"] > 0]
    context.log.info(f"io_delivery: {len(rows)} IOs, {len(behind)} live IOs behind pace, {len(owed)} owe a make-good")
    preview = ["| io | status | booked | delivered | % | pacing | make-good |", "|---|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: (-r["make_good_impressions"], r["io_id"]))[:15]:
        ratio = "–" if r["pacing_ratio"] is None else f"{r['pacing_ratio']:.2f}"
        preview.append(
            f"| {r['io_id']} | {r['status']} | {r['booked_impressions']:,} | {r['delivered_impressions']:,} "
            f"| {r['percent_delivered']:.1f} | {ratio} | {r['make_good_impressions']:,} |"
        )
    return dg.MaterializeResult(metadata={
        "rows": dg.MetadataValue.int(len(rows)),
        "impression_sources": ", ".join(sources),
        "as_of": ", ".join(sorted({f"{r['tenant_id']}={r['as_of']}" for r in rows})) or "–",
        "live_ios_behind_pace": dg.MetadataValue.int(len(behind)),
        "ios_owing_make_good": dg.MetadataValue.int(len(owed)),
        "make_good_impressions": dg.MetadataValue.int(sum(r["make_good_impressions"] for r in owed)),
        "preview": dg.MetadataValue.md("\n".join(preview)),
    })


@dg.asset_check(asset="io_delivery", description="io_delivery has exactly one row per IO in io_bookings.")
def io_delivery_covers_every_io(postgres: PostgresResource) -> dg.AssetCheckResult:
    with postgres.connect() as conn:
        missing, extra = conn.execute(
            "SELECT (SELECT count(*) FROM io_bookings b WHERE NOT EXISTS ("
            "  SELECT 1 FROM io_delivery d WHERE d.tenant_id = b.tenant_id AND d.io_id = b.io_id)),"
            " (SELECT count(*) FROM io_delivery d WHERE NOT EXISTS ("
            "  SELECT 1 FROM io_bookings b WHERE d.tenant_id = b.tenant_id AND d.io_id = b.io_id))"
        ).fetchone()
    return dg.AssetCheckResult(passed=missing == 0 and extra == 0,
                               metadata={"ios_without_row": missing, "rows_without_io": extra})
