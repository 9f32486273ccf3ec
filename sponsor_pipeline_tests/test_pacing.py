"""IO pacing math and transition naming, checked against hand-computed cases."""

import itertools
from datetime import date

import pytest

from sponsor_pipeline import transitions
from sponsor_pipeline.pacing import elapsed_flight_days, expected_curve, expected_to_date, flight_days, pace_io


def test_flight_not_started_expects_nothing_and_projects_the_booking():
    # flight 2026-12-01..2026-12-28 (28 days), as of 2026-11-15: 0 days elapsed
    p = pace_io(
        flight_start=date(2026, 12, 1),
        flight_end=date(2026, 12, 28),
        booked_impressions=28_000,
        delivered_impressions=0,
        as_of=date(2026, 11, 15),
        status="scheduled",
    )
    assert (p.flight_days, p.elapsed_days) == (28, 0)
    assert p.expected_to_date == 0
    assert p.pacing_ratio is None
    assert p.percent_delivered == 0
    assert p.projected_delivery == 28_000
    assert p.make_good_impressions == 0


def test_flight_in_progress_paces_evenly_and_projects_the_run_rate():
    # flight 2026-11-01..2026-11-30 (30 days), as of 2026-11-15: 15 days elapsed.
    # booked 60,000 → expected 60,000 × 15/30 = 30,000; delivered 24,000 → ratio 0.8,
    # 40 % delivered, projected 24,000 × 30/15 = 48,000; still live → no make-good.
    p = pace_io(
        flight_start=date(2026, 11, 1),
        flight_end=date(2026, 11, 30),
        booked_impressions=60_000,
        delivered_impressions=24_000,
        as_of=date(2026, 11, 15),
        status="live",
    )
    assert (p.flight_days, p.elapsed_days) == (30, 15)
    assert p.expected_to_date == 30_000
    assert p.pacing_ratio == pytest.approx(0.8)
    assert p.percent_delivered == pytest.approx(40.0)
    assert p.projected_delivery == pytest.approx(48_000)
    assert p.make_good_impressions == 0


def test_completed_short_owes_the_shortfall_as_make_good():
    # flight 2026-09-01..2026-09-30 (30 days), over by 2026-11-15; booked 50,000, delivered 41,250
    # → 82.5 %, expected 50,000, ratio 0.825, projected = delivered, make-good 8,750.
    p = pace_io(
        flight_start=date(2026, 9, 1),
        flight_end=date(2026, 9, 30),
        booked_impressions=50_000,
        delivered_impressions=41_250,
        as_of=date(2026, 11, 15),
        status="completed",
    )
    assert (p.flight_days, p.elapsed_days) == (30, 30)
    assert p.expected_to_date == 50_000
    assert p.pacing_ratio == pytest.approx(0.825)
    assert p.percent_delivered == pytest.approx(82.5)
    assert p.projected_delivery == 41_250
    assert p.make_good_impressions == 8_750


def test_over_delivery_and_unfinished_ios_owe_no_make_good():
    over = pace_io(
        flight_start=date(2026, 9, 1),
        flight_end=date(2026, 9, 30),
        booked_impressions=10_000,
        delivered_impressions=12_000,
        as_of=date(2026, 10, 1),
        status="completed",
    )
    cancelled = pace_io(
        flight_start=date(2026, 9, 1),
        flight_end=date(2026, 9, 30),
        booked_impressions=10_000,
        delivered_impressions=1_000,
        as_of=date(2026, 10, 1),
        status="cancelled",
    )
    assert over.make_good_impressions == 0 and over.percent_delivered == pytest.approx(120.0)
    assert cancelled.make_good_impressions == 0


def test_flight_day_counts_include_both_ends():
    assert flight_days(date(2026, 1, 1), date(2026, 1, 1)) == 1
    assert elapsed_flight_days(date(2026, 1, 1), date(2026, 1, 10), date(2026, 1, 1)) == 1
    assert elapsed_flight_days(date(2026, 1, 1), date(2026, 1, 10), date(2025, 12, 31)) == 0
    with pytest.raises(ValueError, match="before flight_start"):
        flight_days(date(2026, 1, 2), date(2026, 1, 1))
    with pytest.raises(ValueError, match="booked_impressions"):
        pace_io(
            flight_start=date(2026, 1, 1),
            flight_end=date(2026, 1, 2),
            booked_impressions=0,
            delivered_impressions=0,
            as_of=date(2026, 1, 1),
            status="live",
        )


@pytest.mark.parametrize(
    ("from_status", "to_status", "event_type"),
    [
        (None, "draft", "io.scheduled"),
        (None, "scheduled", "io.scheduled"),
        ("draft", "scheduled", "io.scheduled"),
        ("paused", "scheduled", "io.scheduled"),
        ("live", "completed", "io.delivered"),
        ("scheduled", "live", "io.status_changed"),
        ("live", "paused", "io.status_changed"),
        ("scheduled", "cancelled", "io.status_changed"),
    ],
)
def test_io_event_types(from_status, to_status, event_type):
    assert transitions.io_event_type(from_status, to_status) == event_type


@pytest.mark.parametrize(
    ("from_stage", "to_stage", "skipped", "backward", "reversal"),
    [
        ("lead", "qualified", (), False, False),
        ("lead", "proposal", ("qualified",), False, False),
        ("lead", "won", ("qualified", "proposal", "negotiation"), False, False),
        ("negotiation", "lost", (), False, False),
        ("lead", "lost", (), False, False),
        ("proposal", "qualified", (), True, False),
        ("won", "negotiation", (), True, False),
        ("won", "lost", (), False, True),
    ],
)
def test_deal_stage_moves_flag_skips_and_backward_moves(from_stage, to_stage, skipped, backward, reversal):
    move = transitions.classify_stage_move(from_stage, to_stage)
    assert move.skipped_stages == skipped
    assert move.is_skip == bool(skipped)
    assert move.is_backward is backward
    assert move.is_outcome_reversal is reversal
    assert move.is_new is False


def test_new_deal_and_unknown_stage():
    assert transitions.classify_stage_move(None, "proposal").as_payload() == {
        "is_new": True,
        "is_skip": False,
        "skipped_stages": [],
        "is_backward": False,
        "is_outcome_reversal": False,
    }
    with pytest.raises(ValueError, match="unknown deal stage 'closed'"):
        transitions.classify_stage_move("lead", "closed")


# --- Pacing modes (curves: sponsor_pipeline/pacing.py) ------------------------------------------
NOV = {"flight_start": date(2026, 11, 1), "flight_end": date(2026, 11, 30), "booked_impressions": 60_000}


def test_front_loaded_runs_25_percent_over_even_until_half_the_booking():
    # F = 30, B = 60,000: half the booking is due after 0.5 × 30 / 1.25 = 12 days.
    # Day 6: 60,000 × 1.25 × 6/30 = 15,000 (even would be 12,000).
    early = pace_io(
        **NOV, delivered_impressions=15_000, as_of=date(2026, 11, 6), status="live", pacing_mode="front_loaded"
    )
    assert early.expected_to_date == pytest.approx(15_000)
    assert early.pacing_ratio == pytest.approx(1.0)
    # Day 21: 30,000 + 30,000 × (21 − 12)/(30 − 12) = 45,000; delivered 40,500 → ratio 0.9,
    # projected 40,500 × 60,000 / 45,000 = 54,000.
    late = pace_io(
        **NOV, delivered_impressions=40_500, as_of=date(2026, 11, 21), status="live", pacing_mode="front_loaded"
    )
    assert late.expected_to_date == pytest.approx(45_000)
    assert late.pacing_ratio == pytest.approx(0.9)
    assert late.projected_delivery == pytest.approx(54_000)
    assert late.pacing_mode == "front_loaded"


def test_asap_expects_the_whole_booking_from_the_first_day_and_projects_up_to_it():
    # Day 10 of 30: expected 60,000; delivered 30,000 → ratio 0.5; run rate 30,000 × 30/10 = 90,000,
    # capped at the booking an ASAP IO stops at → 60,000.
    p = pace_io(**NOV, delivered_impressions=30_000, as_of=date(2026, 11, 10), status="live", pacing_mode="asap")
    assert p.expected_to_date == 60_000
    assert p.pacing_ratio == pytest.approx(0.5)
    assert p.projected_delivery == pytest.approx(60_000)
    before = pace_io(**NOV, delivered_impressions=0, as_of=date(2026, 10, 31), status="scheduled", pacing_mode="asap")
    assert (before.expected_to_date, before.pacing_ratio) == (0, None)


def test_daily_goal_expects_the_goal_per_day_up_to_the_booking():
    # Goal 2,500 a day: day 10 → 25,000; delivered 20,000 → 0.8; the plan ends at
    # min(60,000, 2,500 × 30) = 60,000 → projected 20,000 × 60,000 / 25,000 = 48,000.
    p = pace_io(
        **NOV,
        delivered_impressions=20_000,
        as_of=date(2026, 11, 10),
        status="live",
        pacing_mode="daily_goal",
        daily_goal=2_500,
    )
    assert p.expected_to_date == 25_000
    assert p.pacing_ratio == pytest.approx(0.8)
    assert p.projected_delivery == pytest.approx(48_000)
    # day 28: 2,500 × 28 = 70,000 is more than the booking → 60,000
    assert (
        expected_to_date("daily_goal", booked_impressions=60_000, flight_days=30, elapsed_days=28, daily_goal=2_500)
        == 60_000
    )


def test_every_mode_expects_the_booking_at_flight_end_and_nothing_before():
    for mode in ("even", "front_loaded", "asap", "daily_goal"):
        curve = expected_curve(mode, booked_impressions=60_000, flight_days=30, daily_goal=2_000)
        assert curve[-1] == pytest.approx(60_000)
        assert all(a <= b for a, b in itertools.pairwise(curve))
        assert expected_to_date(mode, booked_impressions=60_000, flight_days=30, elapsed_days=0, daily_goal=2_000) == 0


def test_unknown_mode_and_daily_goal_without_a_goal_raise():
    with pytest.raises(ValueError, match="pacing mode"):
        pace_io(**NOV, delivered_impressions=0, as_of=date(2026, 11, 5), status="live", pacing_mode="turbo")
    with pytest.raises(ValueError, match="daily goal"):
        pace_io(**NOV, delivered_impressions=0, as_of=date(2026, 11, 5), status="live", pacing_mode="daily_goal")
