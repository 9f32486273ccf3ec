"""Dashboard assets against PostgreSQL: tables, previews and plots, reference date, and their checks."""

import base64
from pathlib import Path

import dagster as dg
import psycopg
import pytest

from sponsor_pipeline.dashboards.plots import PNG_SIGNATURE
from sponsor_pipeline.defs.dashboards.assets import advertiser_dashboard, creator_dashboard, ops_dashboard
from sponsor_pipeline.defs.dashboards.checks import (
    advertiser_dashboard_reconciles,
    creator_dashboard_reconciles,
    ops_dashboard_reconciles,
)
from sponsor_pipeline.defs.ingestion.checks import listener_metrics_matches_schema
from sponsor_pipeline.defs.metrics.checks import (
    ReconciliationConfig,
    metrics_daily_key_unique,
    metrics_daily_reconciles_with_listener_metrics,
)
from sponsor_pipeline.resources.settings import settings_from_env
from sponsor_pipeline.warehouse import imports
from sponsor_pipeline.warehouse.metrics import duplicate_metrics_daily_keys, refresh_metrics_daily
from sponsor_pipeline.warehouse.targets import LISTENER_METRICS

from .conftest import SAMPLES

DASHBOARDS = [creator_dashboard, advertiser_dashboard, ops_dashboard]

# io_delivery rows as the io_delivery asset writes them (one per IO; pacing NULL before the flight).
DELIVERY = """
INSERT INTO io_delivery (tenant_id, io_id, campaign_id, show_id, episode_id, status, flight_start, flight_end,
    as_of, booked_impressions, delivered_impressions, percent_delivered, expected_to_date, pacing_ratio,
    projected_delivery, make_good_impressions, cpm)
SELECT tenant_id, io_id, campaign_id, show_id, episode_id, status, flight_start, flight_end, '2026-11-15',
       booked_impressions, %(delivered)s::bigint, 0, %(expected)s, %(pacing)s, 0, %(make_good)s, cpm
FROM io_bookings WHERE tenant_id = %(tenant)s AND io_id = %(io)s
"""


@pytest.fixture
def warehouse(reference: psycopg.Connection) -> psycopg.Connection:
    """Samples loaded, metrics_daily refreshed, a few IOs measured, matches and change-log rows."""
    imports.import_csv(reference, SAMPLES / "metrics_daily.csv", LISTENER_METRICS)
    imports.import_csv(reference, SAMPLES / "metrics_bad_rows.csv", LISTENER_METRICS)
    refresh_metrics_daily(reference)
    for io, delivered, expected, pacing, make_good in [
        ("nw-io-006", 100_000, 200_000, 0.5, 0),  # live, badly under-paced
        ("nw-io-007", 30_000, 31_000, 0.9677, 0),  # live, fine
        ("nw-io-001", 30_000, 35_000, 0.8571, 5_000),  # completed, short: owes a make-good
        ("nw-io-002", 60_000, 47_000, 1.2766, 0),  # completed, over-delivered
    ]:
        reference.execute(
            DELIVERY,
            {
                "tenant": "northwind-audio",
                "io": io,
                "delivered": delivered,
                "expected": expected,
                "pacing": pacing,
                "make_good": make_good,
            },
        )
    reference.execute(
        "INSERT INTO matches (tenant_id, show_id, campaign_id, score, rationale, signals, geo_overlap, "
        "demographic_overlap, topic_overlap, historical_lift, inventory_fit, brand_safety) "
        "SELECT s.tenant_id, s.show_id, c.campaign_id, 40 + length(s.show_id) * 2 + length(c.campaign_id), "
        "'audience overlap', jsonb_build_object('geo_overlap', 0.5, 'demographic_overlap', 0.5, "
        "'topic_overlap', 0.5, 'historical_lift', 0.5, 'inventory_fit', 0.5, 'brand_safety', 1), "
        "0.5, 0.5, 0.5, 0.5, 0.5, 1 FROM shows s JOIN campaigns c USING (tenant_id)"
    )
    # an IO entered outside the import path (an app, psql) has no generated promo code or vanity URL
    reference.execute(
        "UPDATE io_bookings SET promo_code = NULL, vanity_url = NULL "
        "WHERE tenant_id = 'northwind-audio' AND io_id = 'nw-io-006'"
    )
    # the inserts the sample load logged have been processed by the sensors
    reference.execute(
        "INSERT INTO events (tenant_id, event_type, dedupe_key) SELECT tenant_id, 'io.scheduled', "
        "'change_log:' || change_id FROM change_log"
    )
    reference.execute(
        "INSERT INTO change_log (tenant_id, entity_type, entity_id, from_value, to_value, changed_at) VALUES "
        "('northwind-audio', 'io_booking', 'nw-io-006', 'scheduled', 'live', now() - interval '20 minutes'), "
        "('harbor-pods', 'campaign', 'hp-cmp-001', 'negotiation', 'won', now() - interval '2 hours')"
    )
    # the harbor-pods change has been processed by its sensor: only northwind-audio lags
    reference.execute(
        "INSERT INTO events (tenant_id, event_type, dedupe_key) "
        "SELECT tenant_id, 'deal.stage_changed', 'change_log:' || change_id FROM change_log "
        "WHERE tenant_id = 'harbor-pods' ON CONFLICT (dedupe_key) DO NOTHING"
    )
    reference.commit()
    return reference


def _materialize(postgres, tmp_path, assets=DASHBOARDS, **config):
    ops = {a.key.to_user_string(): {"config": {"plots_dir": str(tmp_path / "plots"), **config}} for a in assets}
    result = dg.materialize(
        assets, resources={"postgres": postgres, "settings": settings_from_env()}, run_config={"ops": ops}
    )
    assert result.success
    mats = [ev.event_specific_data.materialization for ev in result.get_asset_materialization_events()]
    return {m.asset_key.to_user_string(): m.metadata for m in mats}


def test_creator_dashboard_matches_metrics_daily_and_names_the_top_show(warehouse, postgres, tmp_path):
    meta = _materialize(postgres, tmp_path, [creator_dashboard])["creator_dashboard"]
    expected = warehouse.execute(
        "SELECT s.title, sum(m.downloads) FROM metrics_daily m JOIN shows s USING (tenant_id, show_id) "
        "WHERE m.day > date '2026-11-15' - 30 GROUP BY s.title ORDER BY 2 DESC LIMIT 1"
    ).fetchone()
    top = warehouse.execute(
        "SELECT show_title, downloads_30d, as_of FROM creator_dashboard WHERE episode_id IS NULL "
        "ORDER BY downloads_30d DESC LIMIT 1"
    ).fetchone()
    assert top[:2] == expected and str(top[2]) == "2026-11-15" == meta["as_of"].value
    assert meta["top_show"].value == expected[0]
    # every episode rank starts at 1 per show, and booked revenue per show is Σ booked × CPM / 1000
    assert (
        warehouse.execute("SELECT count(DISTINCT show_id) FROM creator_dashboard WHERE episode_rank = 1").fetchone()[0]
        == 12
    )
    revenue = warehouse.execute(
        "SELECT booked_revenue, delivered_revenue FROM creator_dashboard "
        "WHERE show_id = 'nw-tech-talk' AND episode_id IS NULL"
    ).fetchone()
    source = warehouse.execute(
        "SELECT sum(round(booked_impressions * cpm / 1000, 2)) FROM io_bookings WHERE show_id = 'nw-tech-talk' "
        "AND status IN ('scheduled', 'live', 'paused', 'completed')"
    ).fetchone()[0]
    assert revenue[0] == source
    # nw-io-001 delivered 30,000 at 26.45; nw-io-002 over-delivered: billed 47,000 at 28.50; nw-io-006 100,000 at 26.55
    assert float(revenue[1]) == pytest.approx(30_000 * 26.45 / 1000 + 47_000 * 28.50 / 1000 + 100_000 * 26.55 / 1000)


def test_creator_materialization_attaches_preview_and_trend_plot(warehouse, postgres, tmp_path):
    meta = _materialize(postgres, tmp_path, [creator_dashboard])["creator_dashboard"]
    assert "| tenant_id | show_title |" in meta["preview"].value
    embedded = meta["downloads_trend"].value.split("data:image/png;base64,", 1)[1].rstrip(")")
    assert base64.b64decode(embedded).startswith(PNG_SIGNATURE)
    path = Path(meta["downloads_trend_png"].value)
    assert path.parent == tmp_path / "plots" and path.read_bytes().startswith(PNG_SIGNATURE)


def test_reference_date_is_configurable(warehouse, postgres, tmp_path):
    _materialize(postgres, tmp_path, [creator_dashboard], reference_date="2026-10-01")
    as_of, d7 = warehouse.execute(
        "SELECT max(as_of), sum(downloads_7d) FROM creator_dashboard WHERE episode_id IS NULL"
    ).fetchone()
    expected = warehouse.execute(
        "SELECT sum(downloads) FROM metrics_daily WHERE day BETWEEN '2026-09-25' AND '2026-10-01'"
    ).fetchone()[0]
    assert str(as_of) == "2026-10-01" and d7 == expected


def test_advertiser_dashboard_pacing_spend_and_recommendations(warehouse, postgres, tmp_path):
    meta = _materialize(postgres, tmp_path, [advertiser_dashboard])["advertiser_dashboard"]
    io6 = warehouse.execute(
        "SELECT pacing_ratio, spend_to_date, effective_cpm FROM advertiser_dashboard WHERE io_id = 'nw-io-006'"
    ).fetchone()
    assert float(io6[0]) == 0.5 and float(io6[1]) == pytest.approx(2655.00) and float(io6[2]) == 26.55
    io2 = warehouse.execute(
        "SELECT spend_to_date, effective_cpm FROM advertiser_dashboard WHERE io_id = 'nw-io-002'"
    ).fetchone()
    assert float(io2[0]) == pytest.approx(47_000 * 28.50 / 1000)
    assert float(io2[1]) == pytest.approx(47_000 * 28.50 / 60_000, abs=0.006)  # over-delivery lowers eCPM
    assert meta["most_under_paced_io"].value.startswith("nw-io-006")
    assert Path(meta["pacing_png"].value).read_bytes().startswith(PNG_SIGNATURE)
    recs = warehouse.execute(
        "SELECT rank, show_id, score FROM advertiser_recommendations WHERE campaign_id = 'nw-cmp-001' ORDER BY rank"
    ).fetchall()
    best = warehouse.execute(
        "SELECT show_id, score FROM matches WHERE campaign_id = 'nw-cmp-001' ORDER BY score DESC, show_id LIMIT 3"
    ).fetchall()
    assert [r[0] for r in recs] == [1, 2, 3] and [(r[1], r[2]) for r in recs] == best


def test_ops_dashboard_raises_the_expected_alerts(warehouse, postgres, tmp_path):
    meta = _materialize(postgres, tmp_path, [ops_dashboard])["ops_dashboard"]
    alerts = {(t, e) for t, e in warehouse.execute("SELECT alert_type, entity_id FROM ops_alerts")}
    assert ("io_under_pacing", "nw-io-006") in alerts and ("io_under_pacing", "nw-io-007") not in alerts
    assert ("make_good_owed", "nw-io-001") in alerts and ("make_good_owed", "nw-io-002") not in alerts
    assert ("flight_ending", "hp-io-011") in alerts  # flight ends 2026-11-22
    assert ("missing_vanity_url", "nw-io-006") in alerts
    assert ("sensor_lag", "io_booking") in alerts and ("sensor_lag", "campaign") not in alerts
    assert ("stale_source", "hp-long-run/acast") in alerts
    quarantined = [e for t, e in alerts if t == "import_quarantined"]
    assert len(quarantined) == 1  # metrics_bad_rows.csv, 5 rows
    assert meta["alerts_io_under_pacing"].value == 1
    # a stricter pacing threshold catches nw-io-007 (0.9677) too
    _materialize(postgres, tmp_path, [ops_dashboard], under_pacing_ratio=0.98)
    assert warehouse.execute("SELECT count(*) FROM ops_alerts WHERE alert_type = 'io_under_pacing'").fetchone()[0] == 2


def test_dashboard_checks_pass_then_catch_drift(warehouse, postgres, tmp_path):
    _materialize(postgres, tmp_path)
    for check in (creator_dashboard_reconciles, advertiser_dashboard_reconciles, ops_dashboard_reconciles):
        assert check(postgres=postgres).passed, check.check_key
    warehouse.execute(
        "UPDATE creator_dashboard SET downloads_90d = downloads_90d + 1 "
        "WHERE show_id = 'nw-tech-talk' AND episode_id IS NULL"
    )
    warehouse.execute("UPDATE advertiser_dashboard SET delivered_impressions = 0 WHERE io_id = 'nw-io-006'")
    warehouse.execute("DELETE FROM ops_alerts WHERE alert_type = 'missing_promo_code'")
    warehouse.commit()
    for check in (creator_dashboard_reconciles, advertiser_dashboard_reconciles, ops_dashboard_reconciles):
        result = check(postgres=postgres)
        assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN, check.check_key
        assert result.metadata["mismatches"].value >= 1


def test_match_range_check_blocks_an_empty_rationale(warehouse, postgres):
    from sponsor_pipeline.defs.matchmaking.checks import match_scores_in_range

    assert match_scores_in_range(postgres=postgres).passed
    warehouse.execute("UPDATE matches SET rationale = '' WHERE campaign_id = 'nw-cmp-001' AND show_id = 'nw-tech-talk'")
    warehouse.commit()
    result = match_scores_in_range(postgres=postgres)
    assert not result.passed
    assert result.metadata["sample"].value[0]["show_id"] == "nw-tech-talk"


def test_listener_metrics_schema_check_reports_every_failure(warehouse, postgres):
    assert listener_metrics_matches_schema(postgres=postgres).passed
    # rows written around the import path: a bad tenant slug, and a bad source with negative listeners
    warehouse.execute(
        "INSERT INTO listener_metrics (tenant_id, day, show_id, episode_id, source, downloads, listeners) VALUES "
        "('Bad_Tenant', '2026-11-01', 'nw-tech-talk', NULL, 'megaphone', 5, 1), "
        "('northwind-audio', '2026-11-01', 'nw-tech-talk', NULL, 'Not A Source', 5, 1)"
    )
    warehouse.commit()
    result = listener_metrics_matches_schema(postgres=postgres)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert result.metadata["failure_cases"].value == 2  # both rows, not only the first failure
    table = result.metadata["by_column_and_check"].value
    assert "| tenant_id |" in table and "| source |" in table


def test_metrics_daily_key_check_passes_and_its_query_finds_duplicates(warehouse, postgres):
    assert metrics_daily_key_unique(postgres=postgres).passed
    # A session-local table shadows the view (pg_temp is searched first) to feed the query duplicates.
    warehouse.execute("CREATE TEMP TABLE metrics_daily AS SELECT * FROM public.metrics_daily LIMIT 3")
    warehouse.execute("INSERT INTO metrics_daily SELECT * FROM metrics_daily LIMIT 1")
    count, sample = duplicate_metrics_daily_keys(warehouse)
    assert count == 1 and sample[0]["copies"] == 2
    warehouse.rollback()


def test_metrics_daily_key_check_fails_on_duplicate_keys_and_names_them(warehouse, postgres):
    # The table cannot hold duplicates (unique index), so a plain table stands in for it while the check runs.
    warehouse.execute("ALTER TABLE metrics_daily RENAME TO metrics_daily_kept")
    warehouse.execute("CREATE TABLE metrics_daily AS SELECT * FROM metrics_daily_kept")
    warehouse.execute("INSERT INTO metrics_daily SELECT * FROM metrics_daily_kept ORDER BY day LIMIT 2")
    warehouse.commit()
    try:
        result = metrics_daily_key_unique(postgres=postgres)
    finally:
        warehouse.execute("DROP TABLE metrics_daily")
        warehouse.execute("ALTER TABLE metrics_daily_kept RENAME TO metrics_daily")
        warehouse.commit()
    assert not result.passed and result.metadata["duplicate_keys"].value == 2
    sample = result.metadata["sample"].value
    assert {row["copies"] for row in sample} == {2} and all(row["tenant_id"] and row["day"] for row in sample)


def _reconcile(postgres) -> dg.AssetCheckResult:
    """The reconciliation check invoked directly: no materialization recorded, so the whole table."""
    return metrics_daily_reconciles_with_listener_metrics(
        dg.build_asset_check_context(), ReconciliationConfig(), postgres=postgres
    )


def test_metrics_daily_reconciliation_fails_with_the_drifted_keys_in_json_metadata(warehouse, postgres):
    assert _reconcile(postgres).passed
    # five keys written to listener_metrics after the last refresh: the view has drifted from its source
    warehouse.execute(
        "INSERT INTO listener_metrics (tenant_id, day, show_id, episode_id, source, downloads, listeners, "
        "listen_seconds) SELECT 'northwind-audio', date '2026-12-01' + g, 'nw-tech-talk', NULL, 'megaphone', "
        "100 + g, 10, 3600 FROM generate_series(0, 4) g"
    )
    warehouse.commit()
    result = _reconcile(postgres)
    assert not result.passed and result.metadata["mismatched_keys"].value == 5
    sample = result.metadata["sample"].value  # Decimal sums arrive as JSON numbers, not an error
    assert sample[0] == {
        "tenant_id": "northwind-audio",
        "day": "2026-12-01",
        "show_id": "nw-tech-talk",
        "episode_id": None,
        "source": "megaphone",
        "source_downloads": 100,
        "view_downloads": None,
        "source_listeners": 10,
        "view_listeners": None,
        "source_listen_seconds": 3600,
        "view_listen_seconds": None,
    }


def test_ops_dashboard_attaches_a_plot_of_alerts_by_kind(warehouse, postgres, tmp_path):
    meta = _materialize(postgres, tmp_path, [ops_dashboard])["ops_dashboard"]
    embedded = meta["alerts_by_kind"].value.split("data:image/png;base64,", 1)[1].rstrip(")")
    assert base64.b64decode(embedded).startswith(PNG_SIGNATURE)
    assert Path(meta["alerts_by_kind_png"].value).read_bytes().startswith(PNG_SIGNATURE)


def test_each_materialization_keeps_its_own_plot_file(warehouse, postgres, tmp_path):
    first = _materialize(postgres, tmp_path, [creator_dashboard])["creator_dashboard"]["downloads_trend_png"].value
    kept = Path(first).read_bytes()
    second = _materialize(postgres, tmp_path, [creator_dashboard], reference_date="2026-10-01")["creator_dashboard"]
    assert second["downloads_trend_png"].value != first
    assert Path(first).read_bytes() == kept  # the later run did not overwrite the earlier run's plot
    assert Path(second["downloads_trend_png"].value).read_bytes() != kept


def test_dashboard_materializations_carry_row_counts_and_column_schemas_of_both_tables(warehouse, postgres, tmp_path):
    meta = _materialize(postgres, tmp_path)
    for asset, table, other in (
        ("creator_dashboard", "creator_dashboard", "creator_source_split"),
        ("advertiser_dashboard", "advertiser_dashboard", "advertiser_recommendations"),
        ("ops_dashboard", "ops_alerts", None),
    ):
        count = warehouse.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        assert meta[asset]["dagster/row_count"].value == count > 0, asset
        assert {c.name for c in meta[asset]["dagster/column_schema"].value.columns} >= {"tenant_id", "as_of"}
        if other:
            other_count = warehouse.execute(f"SELECT count(*) FROM {other}").fetchone()[0]
            assert meta[asset][f"{other}/row_count"].value == other_count, other
            assert meta[asset][f"{other}/column_schema"].value.columns, other


def test_creator_dashboard_writes_episode_performance_windows_from_daily_rows_and_exports(
    warehouse, postgres, tmp_path
):
    # an episode released after metrics_daily starts, with daily rows in its first 7 days
    episode = warehouse.execute(
        "SELECT e.tenant_id, e.show_id, e.episode_id, e.published_at FROM episodes e WHERE e.published_at > "
        "(SELECT min(day) FROM metrics_daily) AND EXISTS (SELECT 1 FROM metrics_daily m WHERE m.episode_id = "
        "e.episode_id AND m.day = e.published_at) ORDER BY e.episode_id LIMIT 1"
    ).fetchone()
    # an exported window series for a source without daily rows: 7d lower than 3d (flagged, kept)
    for window_days, downloads in ((1, 40), (3, 100), (7, 95), (None, 500)):
        warehouse.execute(
            "INSERT INTO episode_download_windows (tenant_id, show_id, episode_id, source, window_days, as_of, "
            "downloads) VALUES (%s, %s, %s, 'podlove', %s, '2026-11-01', %s)",
            (*episode[:3], window_days, downloads),
        )
    warehouse.commit()
    meta = _materialize(postgres, tmp_path, [creator_dashboard])["creator_dashboard"]
    # daily: the sum over the release day and the 6 days after it, per source, computed here in SQL
    expected = dict(
        warehouse.execute(
            "SELECT m.source, sum(m.downloads) FROM metrics_daily m JOIN episodes e USING (tenant_id, show_id, "
            "episode_id) WHERE e.episode_id = %s AND m.day BETWEEN e.published_at AND "
            "e.published_at + 6 GROUP BY m.source",
            (episode[2],),
        ).fetchall()
    )
    got = dict(
        warehouse.execute(
            "SELECT source, downloads_7d FROM episode_performance WHERE episode_id = %s AND basis = 'daily'",
            (episode[2],),
        ).fetchall()
    )
    assert got == expected and expected
    exported = warehouse.execute(
        "SELECT released_on, downloads_1d, downloads_7d, downloads_30d, downloads_all_time, decreasing, flags "
        "FROM episode_performance WHERE episode_id = %s AND source = 'podlove'",
        (episode[2],),
    ).fetchone()
    assert exported[:6] == (episode[3], 40, 95, None, 500, True)
    assert "7d 95 < 3d 100 (cumulative window decreased)" in exported[6]
    assert meta["episode_performance/row_count"].value == meta["episode_performance_rows"].value > 1
    assert meta["episode_performance_decreasing"].value == 1
    assert "### Episode performance" in meta["preview"].value


def test_creator_preview_lists_the_latest_followers_per_platform_by_the_reference_date(warehouse, postgres, tmp_path):
    meta = _materialize(postgres, tmp_path, [creator_dashboard])["creator_dashboard"]
    assert "No follower counts or audience sizes reported yet." in meta["preview"].value
    warehouse.execute(
        "INSERT INTO show_audience_size (tenant_id, show_id, source, metric, day, value) VALUES "
        "('northwind-audio', 'nw-tech-talk', 'spotify', 'followers', '2026-10-01', 1200), "
        "('northwind-audio', 'nw-tech-talk', 'spotify', 'followers', '2026-11-14', 1480), "
        "('northwind-audio', 'nw-tech-talk', 'spotify', 'followers', '2026-11-20', 9999), "  # after as_of
        "('northwind-audio', 'nw-tech-talk', 'anchor', 'audience_size', '2026-11-10', 830)"
    )
    warehouse.commit()
    meta = _materialize(postgres, tmp_path, [creator_dashboard])["creator_dashboard"]
    assert meta["audience_size_rows"].value == 2
    preview = meta["preview"].value.split("### Followers and audience size per platform", 1)[1]
    assert "| spotify | followers | 2026-11-14 | 1,480 | 1,200 |" in preview
    assert "| anchor | audience_size | 2026-11-10 | 830 |  |" in preview
    assert "9,999" not in preview
