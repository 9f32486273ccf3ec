"""Attribution of an IO (window, de-duplication, spend, CPA, ROAS, response rate) by hand-computed cases."""

from datetime import UTC, date, datetime

import pytest

from sponsor_pipeline.attribution import Redemption, attribute_io, attribution_window


def _r(order_id, day, revenue, currency="USD", hour=12):
    return Redemption(order_id, datetime(day.year, day.month, day.day, hour, tzinfo=UTC), revenue, currency)


FLIGHT = {"flight_start": date(2026, 9, 1), "flight_end": date(2026, 9, 30)}


def test_window_runs_from_flight_start_to_flight_end_plus_the_days():
    assert attribution_window(date(2026, 9, 1), date(2026, 9, 30), None) == (date(2026, 9, 1), date(2026, 10, 30))
    assert attribution_window(date(2026, 9, 1), date(2026, 9, 30), 7) == (date(2026, 9, 1), date(2026, 10, 7))
    with pytest.raises(ValueError, match="window_days"):
        attribution_window(date(2026, 9, 1), date(2026, 9, 30), -1)


def test_io_figures_match_the_hand_computation():
    # Booked 25,000 at $22.65 CPM, delivered 20,000 → spend 20,000 × 22.65 / 1,000 = $453.00.
    # Orders: A (9-03, $60), B (9-20, $40), A again (9-21: same order id, counted once),
    # C on 10-30 (last window day, $50), D on 10-31 (outside), E on 8-31 (before the flight).
    # → 3 conversions, revenue $150, CPA 453 / 3 = $151.00, ROAS 150 / 453 = 0.33113.
    # Visits: 9-02 × 100, 10-15 × 30 in the window, 11-01 × 5 outside → 130.
    # Responses per 1,000: (3 + 130) × 1,000 / 20,000 = 6.65.
    a = attribute_io(
        **FLIGHT,
        window_days=None,
        booked_impressions=25_000,
        delivered_impressions=20_000,
        cpm=22.65,
        redemptions=[
            _r("A", date(2026, 9, 3), 60.0),
            _r("B", date(2026, 9, 20), 40.0),
            _r("A", date(2026, 9, 21), 60.0),
            _r("C", date(2026, 10, 30), 50.0, hour=23),
            _r("D", date(2026, 10, 31), 70.0),
            _r("E", date(2026, 8, 31), 10.0),
        ],
        visits=[(date(2026, 9, 2), 100), (date(2026, 10, 15), 30), (date(2026, 11, 1), 5)],
    )
    assert (a.window_start, a.window_end, a.window_days) == (date(2026, 9, 1), date(2026, 10, 30), 30)
    assert a.spend == pytest.approx(453.0)
    assert (a.conversions, a.duplicate_orders, a.outside_window) == (3, 1, 3)
    assert (a.revenue, a.revenue_currency, a.spend_currency) == (pytest.approx(150.0), "USD", "USD")
    assert a.cpa == pytest.approx(151.0)
    assert a.roas == pytest.approx(150 / 453)
    assert a.vanity_visits == 130
    assert a.responses_per_1000 == pytest.approx(6.65)


def test_over_delivery_is_not_billed_and_no_orders_leave_cpa_empty():
    # delivered 30,000 of 25,000 booked at $20 → billed 25,000 × 20 / 1,000 = $500; no orders
    a = attribute_io(
        **FLIGHT,
        window_days=0,
        booked_impressions=25_000,
        delivered_impressions=30_000,
        cpm=20.0,
        redemptions=[],
        visits=[(date(2026, 10, 1), 9)],  # the day after flight end, window 0 → outside
    )
    assert a.spend == pytest.approx(500.0)
    assert (a.conversions, a.cpa, a.revenue, a.roas) == (0, None, 0, 0.0)
    assert (a.vanity_visits, a.outside_window, a.responses_per_1000) == (0, 1, 0.0)


def test_orders_in_several_currencies_have_no_revenue_total_and_no_roas():
    a = attribute_io(
        **FLIGHT,
        window_days=30,
        booked_impressions=10_000,
        delivered_impressions=10_000,
        cpm=25.0,
        redemptions=[_r("A", date(2026, 9, 3), 60.0, "USD"), _r("B", date(2026, 9, 4), 50.0, "EUR")],
        visits=[],
    )
    assert (a.conversions, a.revenue, a.revenue_currency, a.roas) == (2, None, None, None)
    assert a.cpa == pytest.approx(125.0)  # 250 / 2


def test_revenue_in_another_currency_has_no_roas():
    a = attribute_io(
        **FLIGHT,
        window_days=30,
        booked_impressions=10_000,
        delivered_impressions=0,
        cpm=25.0,
        redemptions=[_r("A", date(2026, 9, 3), 60.0, "EUR")],
        visits=[],
    )
    assert (a.revenue, a.revenue_currency, a.roas, a.spend, a.responses_per_1000) == (60.0, "EUR", None, 0, None)
