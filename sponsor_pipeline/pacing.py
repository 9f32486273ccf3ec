"""Owns the IO pacing math: delivered vs booked impressions, each pacing mode's curve, projection, make-good.

Pure logic (no Dagster, no database), so every figure of the ``io_delivery`` asset is checked by hand.

Terms and sources:

* **Impression**: one qualified download of an episode carrying the ad, as counted by the hosting
  platform under the IAB Tech Lab *Podcast Measurement Technical Guidelines v2.2* (downloads are the
  industry's impression currency for podcast ads; platform-reported plays are not added on top, they
  are a subset of the hosting downloads). The asset sums the ``downloads`` of the impression sources
  in ``metrics_daily`` for the IO's episode, or for the whole show when the IO is run-of-show.
* **Flight**: the inclusive date range ``flight_start .. flight_end`` of an insertion order (IO).
* **Pacing mode**: the plan an IO's delivery follows; each has an expected-to-date curve (B = booked,
  F = flight days, E = elapsed flight days, G = daily goal), see :func:`expected_to_date`:

  - **even** — an equal share per flight day (Megaphone "Even Pacing", ART19 "Evenly", Google Ad
    Manager ``EVENLY``): B × E / F.
  - **front_loaded** — Megaphone "Front Loaded": 25 % over the even daily rate while less than half
    of the booking is delivered, then the rest evenly (Google Ad Manager ``FRONTLOADED`` serves "more
    aggressively in the beginning"): B × 1.25 E / F up to half the booking (reached at E = 0.4 F),
    then B × (0.5 + 0.5 (E − 0.4 F) / 0.6 F).
  - **asap** — as fast as possible (Megaphone "Accelerated", ART19 "As Fast as Possible", Google Ad
    Manager ``AS_FAST_AS_POSSIBLE``): the whole booking is due from the first flight day: B once E ≥ 1.
  - **daily_goal** — ART19 "Daily Goal": delivery stops each day at G impressions: min(B, G × E).
* **Pacing ratio**: delivered / expected-to-date under the IO's mode (1.0 = on pace, below 1 = behind).
* **Projected delivery**: delivery at flight end if the IO keeps its pacing ratio to its own plan,
  delivered × plan(F) / plan(E) (for even pacing the run rate, delivered × F / E); for ASAP the run
  rate capped at the booking, which an ASAP IO stops at.
* **Make-good**: the impressions owed back to the advertiser when a completed IO delivered fewer than
  it booked (the shortfall, booked − delivered), which the publisher runs as added spots.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sponsor_pipeline.vocabulary import (
    DEFAULT_PACING_MODE,
    FRONT_LOADED_BOOST,
    FRONT_LOADED_UNTIL_SHARE,
    PACING_MODES,
)


@dataclass(frozen=True)
class Pacing:
    """Delivery figures of one IO as of one day.

    Units: impressions (counts); ``percent_delivered`` in percent (0–100+); ratios unitless;
    ``elapsed_days`` / ``flight_days`` in whole days.
    """

    flight_days: int
    elapsed_days: int
    pacing_mode: str
    booked_impressions: int
    delivered_impressions: int
    percent_delivered: float
    expected_to_date: float
    pacing_ratio: float | None
    projected_delivery: float
    make_good_impressions: int


def flight_days(flight_start: date, flight_end: date) -> int:
    """Days in the flight, both ends included (a one-day flight has 1).

    Raises:
        ValueError: ``flight_end`` before ``flight_start``.
    """
    if flight_end < flight_start:
        raise ValueError(f"flight_end {flight_end} is before flight_start {flight_start}")
    return (flight_end - flight_start).days + 1


def elapsed_flight_days(flight_start: date, flight_end: date, as_of: date) -> int:
    """Flight days up to and including ``as_of``: 0 before the flight, all of them after it."""
    total = flight_days(flight_start, flight_end)
    return max(0, min(total, (as_of - flight_start).days + 1))


def expected_to_date(
    mode: str, *, booked_impressions: int, flight_days: int, elapsed_days: int, daily_goal: int | None = None
) -> float:
    """Impressions the IO's plan expects delivered after ``elapsed_days`` of ``flight_days``.

    The curves of the module docstring (sources there): even B × E / F; front_loaded B × 1.25 E / F
    until half the booking, then the rest evenly; asap B from the first day; daily_goal min(B, G × E).
    Zero before the flight (E = 0); B at its end for every mode but a daily goal too small to reach
    the booking (G × F < B), whose plan ends at G × F.

    Raises:
        ValueError: an unknown mode, a daily_goal IO without a positive ``daily_goal``, booked ≤ 0,
            flight_days < 1 or elapsed_days outside 0 .. flight_days.
    """
    if mode not in PACING_MODES:
        raise ValueError(f"pacing mode {mode!r} is not one of {', '.join(PACING_MODES)}")
    if booked_impressions <= 0:
        raise ValueError(f"booked_impressions must be > 0, got {booked_impressions}")
    if flight_days < 1 or not 0 <= elapsed_days <= flight_days:
        raise ValueError(f"elapsed_days {elapsed_days} outside 0 .. flight_days {flight_days}")
    b, f, e = booked_impressions, flight_days, elapsed_days
    if mode == "even":
        return b * e / f
    if mode == "front_loaded":
        boosted_days = FRONT_LOADED_UNTIL_SHARE * f / FRONT_LOADED_BOOST  # 0.4 F: half the booking reached
        if e <= boosted_days:
            return b * FRONT_LOADED_BOOST * e / f
        rest = (e - boosted_days) / (f - boosted_days)
        return b * (FRONT_LOADED_UNTIL_SHARE + (1 - FRONT_LOADED_UNTIL_SHARE) * rest)
    if mode == "asap":
        return float(b) if e >= 1 else 0.0
    if daily_goal is None or daily_goal <= 0:
        raise ValueError(f"a daily_goal IO needs a daily goal > 0, got {daily_goal}")
    return float(min(b, daily_goal * e))


def expected_curve(
    mode: str, *, booked_impressions: int, flight_days: int, daily_goal: int | None = None
) -> list[float]:
    """Expected-to-date after each flight day 1 .. F (the IO's own pacing curve, for plots).

    Raises the errors of :func:`expected_to_date`.
    """
    return [
        expected_to_date(
            mode, booked_impressions=booked_impressions, flight_days=flight_days, elapsed_days=e, daily_goal=daily_goal
        )
        for e in range(1, flight_days + 1)
    ]


def pace_io(
    *,
    flight_start: date,
    flight_end: date,
    booked_impressions: int,
    delivered_impressions: int,
    as_of: date,
    status: str,
    pacing_mode: str = DEFAULT_PACING_MODE,
    daily_goal: int | None = None,
) -> Pacing:
    """Pacing of one IO with ``delivered_impressions`` counted from ``flight_start`` to ``as_of``.

    Formulas (F = flight days, E = elapsed flight days up to ``as_of``, B = booked, D = delivered,
    plan(E) = :func:`expected_to_date` under ``pacing_mode``):

    * percent delivered = D / B × 100
    * expected-to-date = plan(E)
    * pacing ratio = D / plan(E); None before the flight starts (E = 0, nothing expected)
    * projected delivery at flight end = D × plan(F) / plan(E) (keeping the pacing ratio; for even
      pacing the run rate D × F / E); for asap the run rate capped at the booking, max(D, min(B,
      D × F / E)); = B before the flight (nothing contradicts the plan yet); = D once the flight is
      over (E = F)
    * make-good = max(0, B − D) when ``status`` is ``completed``, else 0 (an IO still running may
      catch up; a cancelled IO is not made good). The booking is what was sold, whatever the mode.

    Raises:
        ValueError: booked ≤ 0, delivered < 0, the flight ends before it starts, an unknown pacing
            mode, or a daily_goal IO without a daily goal.
    """
    if booked_impressions <= 0:
        raise ValueError(f"booked_impressions must be > 0, got {booked_impressions}")
    if delivered_impressions < 0:
        raise ValueError(f"delivered_impressions must be >= 0, got {delivered_impressions}")
    total = flight_days(flight_start, flight_end)
    elapsed = elapsed_flight_days(flight_start, flight_end, as_of)

    def plan(days: int) -> float:
        return expected_to_date(
            pacing_mode,
            booked_impressions=booked_impressions,
            flight_days=total,
            elapsed_days=days,
            daily_goal=daily_goal,
        )

    expected = plan(elapsed)
    ratio = delivered_impressions / expected if elapsed else None
    if not elapsed:
        projected = float(booked_impressions)
    elif elapsed == total:
        projected = float(delivered_impressions)
    elif pacing_mode == "asap":
        run_rate = delivered_impressions * total / elapsed
        projected = max(float(delivered_impressions), min(float(booked_impressions), run_rate))
    else:
        projected = delivered_impressions * plan(total) / expected
    shortfall = max(0, booked_impressions - delivered_impressions) if status == "completed" else 0
    return Pacing(
        flight_days=total,
        elapsed_days=elapsed,
        pacing_mode=pacing_mode,
        booked_impressions=booked_impressions,
        delivered_impressions=delivered_impressions,
        percent_delivered=delivered_impressions / booked_impressions * 100,
        expected_to_date=expected,
        pacing_ratio=ratio,
        projected_delivery=projected,
        make_good_impressions=shortfall,
    )
