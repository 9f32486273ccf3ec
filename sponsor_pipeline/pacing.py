"""Owns the IO pacing math: delivered vs booked impressions, even pacing, projection and make-good.

Pure logic (no Dagster, no database), so every figure of the ``io_delivery`` asset is checked by hand.

Terms and sources:

* **Impression**: one qualified download of an episode carrying the ad, as counted by the hosting
  platform under the IAB Tech Lab *Podcast Measurement Technical Guidelines v2.1* (downloads are the
  industry's impression currency for podcast ads; platform-reported plays are not added on top, they
  are a subset of the hosting downloads). The asset sums the ``downloads`` of the impression sources
  in ``metrics_daily`` for the IO's episode, or for the whole show when the IO is run-of-show.
* **Flight**: the inclusive date range ``flight_start .. flight_end`` of an insertion order (IO).
* **Even pacing**: the common plan for a flight — an equal share of the booked impressions per flight
  day (also called linear or evenly paced delivery): expected-to-date = booked × elapsed days / flight days.
* **Pacing ratio**: delivered / expected-to-date (1.0 = on pace, below 1 = behind).
* **Projected delivery**: the run-rate projection to flight end, delivered × flight days / elapsed days.
* **Make-good**: the impressions owed back to the advertiser when a completed IO delivered fewer than
  it booked (the shortfall, booked − delivered), which the publisher runs as added spots.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Pacing:
    """Delivery figures of one IO as of one day.

    Units: impressions (counts); ``percent_delivered`` in percent (0–100+); ratios unitless;
    ``elapsed_days`` / ``flight_days`` in whole days.
    """

    flight_days: int
    elapsed_days: int
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


def pace_io(
    *,
    flight_start: date,
    flight_end: date,
    booked_impressions: int,
    delivered_impressions: int,
    as_of: date,
    status: str,
) -> Pacing:
    """Pacing of one IO with ``delivered_impressions`` counted from ``flight_start`` to ``as_of``.

    Formulas (F = flight days, E = elapsed flight days up to ``as_of``, B = booked, D = delivered):

    * percent delivered = D / B × 100
    * expected-to-date (even pacing) = B × E / F
    * pacing ratio = D / expected-to-date; None before the flight starts (E = 0, nothing expected)
    * projected delivery at flight end = D × F / E (run rate); = B before the flight (nothing
      contradicts the plan yet); = D once the flight is over (E = F)
    * make-good = max(0, B − D) when ``status`` is ``completed``, else 0 (an IO still running may
      catch up; a cancelled IO is not made good)

    Raises:
        ValueError: booked ≤ 0, delivered < 0, or the flight ends before it starts.
    """
    if booked_impressions <= 0:
        raise ValueError(f"booked_impressions must be > 0, got {booked_impressions}")
    if delivered_impressions < 0:
        raise ValueError(f"delivered_impressions must be >= 0, got {delivered_impressions}")
    total = flight_days(flight_start, flight_end)
    elapsed = elapsed_flight_days(flight_start, flight_end, as_of)
    expected = booked_impressions * elapsed / total
    ratio = delivered_impressions / expected if elapsed else None
    projected = delivered_impressions * total / elapsed if elapsed else float(booked_impressions)
    shortfall = max(0, booked_impressions - delivered_impressions) if status == "completed" else 0
    return Pacing(
        flight_days=total,
        elapsed_days=elapsed,
        booked_impressions=booked_impressions,
        delivered_impressions=delivered_impressions,
        percent_delivered=delivered_impressions / booked_impressions * 100,
        expected_to_date=expected,
        pacing_ratio=ratio,
        projected_delivery=projected,
        make_good_impressions=shortfall,
    )
