"""io_attribution against a hand-computed IO, and the sample network's response exports end to end."""

from decimal import Decimal
from pathlib import Path

import dagster as dg

from sponsor_pipeline.defs.deals_io.assets import io_delivery
from sponsor_pipeline.defs.deals_io.responses import io_attribution, promo_redemptions, vanity_visits
from sponsor_pipeline.resources.settings import settings_from_env
from sponsor_pipeline.settings import PROJECT_ROOT
from sponsor_pipeline.warehouse import attribution

DATA = Path(__file__).parent / "data" / "responses"
TENANT = "northwind-audio"


def _materialize(assets, postgres, run_config=None):
    result = dg.materialize(
        assets,
        resources={"postgres": postgres, "settings": settings_from_env()},
        run_config=run_config or {},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert result.success
    return result


def test_io_attribution_matches_the_hand_computation(reference, postgres, tmp_path):
    folder = tmp_path / "responses" / TENANT
    for kind, names in (
        ("redemptions", ["generic_redemptions.csv"]),
        ("visits", ["generic_visits.csv", "ga4_pages_and_screens.csv"]),
    ):
        (folder / kind).mkdir(parents=True)
        for name in names:
            (folder / kind / name).write_bytes((DATA / name).read_bytes())
    config = {"folder": str(tmp_path / "responses")}
    _materialize(
        [promo_redemptions, vanity_visits, io_delivery],
        postgres,
        {"ops": {"promo_redemptions": {"config": config}, "vanity_visits": {"config": config}}},
    )
    reference.execute("UPDATE io_delivery SET delivered_impressions = 20000 WHERE io_id = 'nw-io-004'")
    reference.commit()
    _materialize([io_attribution], postgres)
    # nw-io-004: booked 25,000 at $22.65, delivered 20,000 → spend $453.00. Orders A-9001 ($59.00)
    # and A-9002 ($61.50) → 2 conversions, $120.50, CPA $226.50, ROAS 120.50 / 453 = 0.2660.
    # Visits: GA4 25 + 15, generic 5 + 3 = 48 → (2 + 48) × 1,000 / 20,000 = 2.5 per 1,000.
    row = reference.execute(
        "SELECT window_start::text, window_end::text, spend, spend_currency, conversions, revenue, "
        "revenue_currency, cpa, roas, vanity_visits, responses_per_1000 FROM io_attribution WHERE io_id = 'nw-io-004'"
    ).fetchone()
    assert row == (
        "2026-09-01",
        "2026-10-30",
        Decimal("453.00"),
        "USD",
        2,
        Decimal("120.50"),
        "USD",
        Decimal("226.50"),
        Decimal("0.2660"),
        48,
        Decimal("2.5000"),
    )
    # a campaign's window override narrows it: 0 days after flight end
    reference.execute("UPDATE campaigns SET attribution_window_days = 0 WHERE campaign_id = 'nw-cmp-001'")
    reference.commit()
    _materialize([io_attribution], postgres)
    assert reference.execute(
        "SELECT window_end::text, window_days FROM io_attribution WHERE io_id = 'nw-io-004'"
    ).fetchone() == ("2026-09-30", 0)


def test_sample_response_exports_load_and_attribute(reference, postgres):
    _materialize([promo_redemptions, vanity_visits, io_delivery, io_attribution], postgres)
    loaded = dict(
        reference.execute(
            "SELECT 'redemptions', count(*) FROM promo_redemptions UNION ALL SELECT 'visits', sum(visits) FROM vanity_visits"
        ).fetchall()
    )
    # every redemption and visit of the sample IOs with a code / URL in io_responses.csv, for the
    # advertisers with exports (scripts/generate_response_samples.py)
    assert loaded == {"redemptions": 156, "visits": 446}
    quarantined = reference.execute(
        "SELECT DISTINCT reason FROM quarantined_rows q JOIN etl_imports i USING (import_id) "
        "WHERE i.source_uri LIKE %s ORDER BY 1",
        (str(PROJECT_ROOT / "samples" / "responses") + "%",),
    ).fetchall()
    assert ("promo code matches no IO of this tenant: WELCOME10",) in quarantined
    totals = {r["campaign_id"]: r for r in attribution.campaign_totals(reference)}
    assert totals["nw-cmp-001"]["conversions"] > 0
    assert totals["nw-cmp-001"]["revenue_currency"] == "USD"


def test_landing_sensor_routes_response_files_and_its_run_config_imports_them(reference, postgres, tmp_path):
    from sponsor_pipeline.defs.ingestion.sensors import landing_files, run_config

    target = tmp_path / "responses" / TENANT / "redemptions" / "orders_export.csv"
    target.parent.mkdir(parents=True)
    target.write_bytes((DATA / "shopify_orders_export.csv").read_bytes())
    found = landing_files(tmp_path)
    assert [(asset, kind) for asset, kind, _ in found] == [("promo_redemptions", "csv")]
    _materialize([promo_redemptions], postgres, run_config("promo_redemptions", found[0][2], tmp_path))
    assert reference.execute("SELECT count(*) FROM promo_redemptions").fetchone()[0] == 2
