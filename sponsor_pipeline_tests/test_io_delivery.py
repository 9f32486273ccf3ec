"""io_delivery against hand-computed cases: a flight not started, one in progress, one completed short."""

from decimal import Decimal

import dagster as dg
import pytest

from sponsor_pipeline.defs.deals_io.assets import io_delivery
from sponsor_pipeline.defs.deals_io.checks import io_delivery_covers_every_io
from sponsor_pipeline.resources.settings import settings_from_env
from sponsor_pipeline.warehouse.metrics import refresh_metrics_daily

TENANT = "northwind-audio"


def _metrics(conn, rows):
    conn.cursor().executemany(
        "INSERT INTO listener_metrics (tenant_id, day, show_id, episode_id, source, downloads) "
        "VALUES (%s, %s, %s, %s, %s, %s)",
        [(TENANT, *r) for r in rows],
    )


@pytest.fixture
def delivery_data(reference):
    days = lambda start, n: [f"2026-{start[0]:02d}-{start[1] + i:02d}" for i in range(n)]  # noqa: E731
    rows = []
    # nw-io-010: episode nw-margin-call-e231, flight 2026-11-02..11-29. 1,000 hosting downloads a day
    # 11-02..11-15; platform plays and a day before the flight must not count.
    for day in days((11, 2), 14):
        rows += [
            (day, "nw-margin-call", "nw-margin-call-e231", "megaphone", 1000),
            (day, "nw-margin-call", "nw-margin-call-e231", "spotify", 300),
        ]
    rows.append(("2026-11-01", "nw-margin-call", "nw-margin-call-e231", "megaphone", 5000))
    # nw-io-003: run-of-show nw-late-checkout, flight 2026-08-24..10-18 (56 days), completed.
    # Two episodes at 100 a day each, and on 08-24 a show-level series of 500 that replaces them.
    episodes = [
        r[0]
        for r in reference.execute(
            "SELECT episode_id FROM episodes WHERE tenant_id = %s AND show_id = 'nw-late-checkout' "
            "ORDER BY episode_id LIMIT 2",
            (TENANT,),
        ).fetchall()
    ]
    flight = days((8, 24), 8) + days((9, 1), 30) + days((10, 1), 18)
    assert len(flight) == 56
    for day in flight:
        rows += [(day, "nw-late-checkout", ep, "megaphone", 100) for ep in episodes]
    rows.append(("2026-08-24", "nw-late-checkout", None, "megaphone", 500))
    _metrics(reference, rows)
    reference.commit()
    refresh_metrics_daily(reference)
    return reference


def _row(conn, io_id):
    cur = conn.execute(
        "SELECT as_of::text, booked_impressions, delivered_impressions, percent_delivered, expected_to_date, "
        "pacing_ratio, projected_delivery, make_good_impressions FROM io_delivery WHERE io_id = %s",
        (io_id,),
    )
    return dict(zip([d.name for d in cur.description], cur.fetchone(), strict=True))


def test_io_delivery_matches_hand_computed_figures(delivery_data, postgres):
    result = dg.materialize(
        [io_delivery],
        resources={"postgres": postgres, "settings": settings_from_env()},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    conn = delivery_data
    assert conn.execute("SELECT count(*) FROM io_delivery").fetchone()[0] == 37

    # not started: nw-io-011, flight 2026-11-30..12-27, scheduled; as_of = last metrics day 2026-11-15
    not_started = _row(conn, "nw-io-011")
    assert not_started["as_of"] == "2026-11-15"
    assert not_started["delivered_impressions"] == 0 and not_started["expected_to_date"] == 0
    assert not_started["pacing_ratio"] is None
    assert not_started["projected_delivery"] == not_started["booked_impressions"]

    # in progress: nw-io-010, 28-day flight, 14 days elapsed, 14 × 1,000 hosting downloads
    live = _row(conn, "nw-io-010")
    booked = live["booked_impressions"]
    assert live["delivered_impressions"] == 14_000
    assert live["expected_to_date"] == Decimal(booked * 14 / 28).quantize(Decimal("0.01"))
    assert live["pacing_ratio"] == Decimal(14_000 / (booked / 2)).quantize(Decimal("0.0001"))
    assert live["projected_delivery"] == Decimal("28000.00")
    assert live["make_good_impressions"] == 0

    # completed short: nw-io-003, 55 days × 200 + 500 (show-level series on the first day) = 11,500
    done = _row(conn, "nw-io-003")
    assert done["booked_impressions"] == 446_000
    assert done["delivered_impressions"] == 11_500
    assert done["percent_delivered"] == Decimal("2.5785")  # 11,500 / 446,000 × 100
    assert done["expected_to_date"] == Decimal("446000.00")
    assert done["projected_delivery"] == Decimal("11500.00")
    assert done["make_good_impressions"] == 434_500

    metadata = result.get_asset_materialization_events()[0].event_specific_data.materialization.metadata
    assert metadata["make_good_impressions"].value >= 434_500


def test_io_delivery_as_of_and_impression_sources_are_configurable(delivery_data, postgres):
    config = {
        "ops": {"io_delivery": {"config": {"as_of": "2026-11-08", "impression_sources": ["megaphone", "spotify"]}}}
    }
    assert dg.materialize(
        [io_delivery],
        resources={"postgres": postgres, "settings": settings_from_env()},
        run_config=config,
        instance=dg.DagsterInstance.ephemeral(),
    ).success
    live = _row(delivery_data, "nw-io-010")
    assert live["as_of"] == "2026-11-08"
    assert live["delivered_impressions"] == 7 * 1300  # 11-02..11-08, both sources
    assert live["projected_delivery"] == Decimal(7 * 1300 * 28 / 7).quantize(Decimal("0.01"))


def test_io_delivery_check_catches_a_missing_row(delivery_data, postgres):
    assert dg.materialize(
        [io_delivery],
        resources={"postgres": postgres, "settings": settings_from_env()},
        instance=dg.DagsterInstance.ephemeral(),
    ).success
    assert io_delivery_covers_every_io(postgres=postgres).passed
    delivery_data.execute("DELETE FROM io_delivery WHERE io_id = 'nw-io-003'")
    delivery_data.commit()
    result = io_delivery_covers_every_io(postgres=postgres)
    assert not result.passed and result.metadata["ios_without_row"].value == 1
    assert result.metadata["sample_ios_without_row"].value == ["northwind-audio/nw-io-003"]


def test_io_delivery_paces_each_io_by_its_own_mode(delivery_data, postgres):
    # nw-io-010: booked 14,500 over a 28-day flight, day 14 of it, 14,000 delivered (as above).
    # Daily goal 500 → expected min(14,500, 500 × 14) = 7,000, ratio 2.0; the plan ends at
    # min(14,500, 500 × 28) = 14,000 → projected 14,000 × 14,000 / 7,000 = 28,000.
    delivery_data.execute(
        "UPDATE io_bookings SET pacing_mode = 'daily_goal', daily_goal_impressions = 500 WHERE io_id = 'nw-io-010'"
    )
    delivery_data.execute("UPDATE io_bookings SET pacing_mode = 'front_loaded' WHERE io_id = 'nw-io-006'")
    delivery_data.commit()
    assert dg.materialize(
        [io_delivery],
        resources={"postgres": postgres, "settings": settings_from_env()},
        instance=dg.DagsterInstance.ephemeral(),
    ).success
    live = _row(delivery_data, "nw-io-010")
    assert live["booked_impressions"] == 14_500
    assert live["expected_to_date"] == Decimal("7000.00")
    assert live["pacing_ratio"] == Decimal("2.0000")
    assert live["projected_delivery"] == Decimal("28000.00")
    modes = dict(
        delivery_data.execute(
            "SELECT io_id, pacing_mode FROM io_delivery WHERE io_id IN ('nw-io-010', 'nw-io-006', 'nw-io-003')"
        ).fetchall()
    )
    assert modes == {"nw-io-010": "daily_goal", "nw-io-006": "front_loaded", "nw-io-003": "even"}
