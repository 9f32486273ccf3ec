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
    # every redemption and visit of the response plan of the sample IOs with a code / URL
    # (scripts/generate_response_samples.py)
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


def test_io_responses_are_the_attributed_responses_and_move_historical_lift(reference, postgres):
    from sponsor_pipeline.defs.deals_io.responses import io_responses
    from sponsor_pipeline.defs.matchmaking.assets import match_scores
    from sponsor_pipeline.defs.matchmaking.resources import MatchWeightsResource
    from sponsor_pipeline.warehouse import imports
    from sponsor_pipeline.warehouse.metrics import refresh_metrics_daily
    from sponsor_pipeline.warehouse.targets import LISTENER_METRICS

    imports.import_csv(reference, PROJECT_ROOT / "samples" / "metrics_daily.csv", LISTENER_METRICS)
    reference.commit()
    refresh_metrics_daily(reference)
    _materialize([promo_redemptions, vanity_visits, io_delivery, io_attribution, io_responses], postgres)
    # per IO, the days of io_responses add up to what io_attribution counted in the window
    mismatched = reference.execute(
        "SELECT a.io_id FROM io_attribution a LEFT JOIN (SELECT tenant_id, io_id, sum(promo_redemptions) AS p, "
        "sum(vanity_visits) AS v FROM io_responses GROUP BY 1, 2) r USING (tenant_id, io_id) "
        "WHERE coalesce(r.p, 0) <> a.conversions OR coalesce(r.v, 0) <> a.vanity_visits"
    ).fetchall()
    assert mismatched == []
    # the sample exports are the plan of generate_matchmaking_samples.response_plan: 156 orders (the
    # refunded, code-less and store-wide orders left out) and 446 visits on 12 completed IOs, all in
    # their windows
    totals = reference.execute(
        "SELECT count(DISTINCT io_id), sum(promo_redemptions), sum(vanity_visits) FROM io_responses"
    ).fetchone()
    assert totals == (12, 156, 446)

    def lifts() -> dict[tuple[str, str], tuple[float, float]]:
        result = dg.materialize(
            [match_scores],
            resources={"postgres": postgres, "match_weights": MatchWeightsResource()},
            instance=dg.DagsterInstance.ephemeral(),
        )
        assert result.success
        return {
            (c, s): (float(lift), float(score))
            for c, s, lift, score in reference.execute(
                "SELECT campaign_id, show_id, historical_lift, score FROM matches"
            ).fetchall()
        }

    with_responses = lifts()
    # without the exports, io_responses is empty and history falls back to delivered ÷ booked
    reference.execute("DELETE FROM promo_redemptions")
    reference.execute("DELETE FROM vanity_visits")
    reference.commit()
    _materialize([io_responses], postgres)
    assert reference.execute("SELECT count(*) FROM io_responses").fetchone()[0] == 0
    without = lifts()
    moved = {k for k in with_responses if with_responses[k] != without[k]}
    assert moved, "the attributed responses changed no historical lift"
    assert any(with_responses[k][1] != without[k][1] for k in moved)  # ... and the lift moves scores
