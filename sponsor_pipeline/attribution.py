"""Owns the attribution math of an IO: its window, conversions, revenue, spend, CPA, ROAS, response rate.

Pure logic (no Dagster, no database), so every figure of the ``io_attribution`` asset is checked by hand.

Terms and sources:

* **Response**: a promo-code redemption (an order using the IO's code) or a visit to the IO's vanity
  URL — the direct-response signals host-read podcast ads carry (IAB *Podcast Advertising
  Playbook*: promo codes and vanity URLs as the common attribution methods).
* **Attribution window**: flight start to flight end + N days, both ends included (N = the
  campaign's ``attribution_window_days``, default 30: ``vocabulary.DEFAULT_ATTRIBUTION_WINDOW_DAYS``).
  Listeners act on episodes after they are downloaded, so responses keep arriving after the flight.
  A redemption's day is its ``occurred_at`` in UTC.
* **Conversion**: one distinct order inside the window; an order id seen twice (two exports, or two
  sources) counts once, its earliest occurrence kept.
* **Spend**: what the advertiser pays for the IO, billable impressions × CPM / 1,000, where billable =
  min(delivered, booked): CPM is priced per 1,000 impressions delivered and delivery beyond the
  booking is not billed (IAB/4A's *Standard Terms and Conditions for Internet Advertising* v3.0,
  payment on delivered impressions up to the IO's amount). Currency: ``vocabulary.SPEND_CURRENCY``.
* **CPA** (cost per acquisition) = spend / conversions; **ROAS** (return on ad spend) = revenue /
  spend (IAB *Glossary of Interactive Advertising Terms*). No exchange rates are applied: ROAS
  exists only when every order is in the spend currency.
* **Responses per 1,000 delivered impressions** = (conversions + vanity visits) × 1,000 / delivered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sponsor_pipeline.vocabulary import DEFAULT_ATTRIBUTION_WINDOW_DAYS, SPEND_CURRENCY


@dataclass(frozen=True)
class Redemption:
    """One order that used the IO's promo code: ``revenue`` in ``currency`` (ISO 4217)."""

    order_id: str
    occurred_at: datetime
    revenue: float
    currency: str


@dataclass(frozen=True)
class Attribution:
    """What one IO earned the advertiser.

    Units: dates inclusive; impressions and visits counts; ``spend``, ``cpa`` in ``spend_currency``;
    ``revenue`` in ``revenue_currency`` (both None when orders came in several currencies); ``roas``
    unitless (None without spend, or when revenue is not in the spend currency); ``cpa`` None without
    conversions; ``responses_per_1000`` None without delivered impressions.
    """

    window_start: date
    window_end: date
    window_days: int
    delivered_impressions: int
    spend: float
    spend_currency: str
    conversions: int
    revenue: float | None
    revenue_currency: str | None
    cpa: float | None
    roas: float | None
    vanity_visits: int
    responses_per_1000: float | None
    duplicate_orders: int
    outside_window: int


def attribution_window(flight_start: date, flight_end: date, window_days: int | None) -> tuple[date, date]:
    """(flight start, flight end + window days); ``window_days`` None: the default (30).

    Raises:
        ValueError: a negative window, or a flight ending before it starts.
    """
    days = DEFAULT_ATTRIBUTION_WINDOW_DAYS if window_days is None else window_days
    if days < 0:
        raise ValueError(f"window_days must be >= 0, got {days}")
    if flight_end < flight_start:
        raise ValueError(f"flight_end {flight_end} is before flight_start {flight_start}")
    return flight_start, flight_end + timedelta(days=days)


def billable_spend(*, delivered_impressions: int, booked_impressions: int, cpm: float) -> float:
    """min(delivered, booked) × CPM / 1,000 (see the module docstring for the source)."""
    return min(delivered_impressions, booked_impressions) * cpm / 1000


def _utc_day(moment: datetime) -> date:
    return (moment.astimezone(UTC) if moment.tzinfo else moment).date()


@dataclass(frozen=True)
class _Kept:
    orders: dict[str, Redemption]  # order id -> its earliest redemption inside the window
    visits: list[tuple[date, int]]  # (day, visits) inside the window
    outside: int
    duplicates: int


def _attributed(start: date, end: date, redemptions: Iterable[Redemption], visits: Iterable[tuple[date, int]]) -> _Kept:
    """The redemptions and visit days inside ``start .. end``, each order id once (its earliest)."""
    outside = duplicates = 0
    orders: dict[str, Redemption] = {}
    for r in sorted(redemptions, key=lambda r: (r.occurred_at, r.order_id)):
        if not start <= _utc_day(r.occurred_at) <= end:
            outside += 1
        elif r.order_id in orders:
            duplicates += 1
        else:
            orders[r.order_id] = r
    kept_visits = []
    for day, count in visits:
        if start <= day <= end:
            kept_visits.append((day, count))
        else:
            outside += 1
    return _Kept(orders, kept_visits, outside, duplicates)


def daily_responses(
    *,
    flight_start: date,
    flight_end: date,
    window_days: int | None,
    redemptions: Iterable[Redemption],
    visits: Iterable[tuple[date, int]],
) -> list[tuple[date, int, int]]:
    """``(day, promo redemptions, vanity visits)`` per day with any attributed response, by day.

    The same responses :func:`attribute_io` counts: inside the attribution window, each order id once
    (on the UTC day of its earliest occurrence); the sums over the days equal its ``conversions`` and
    ``vanity_visits``. This is the ``io_responses`` table the historical-lift match signal reads.

    Raises:
        ValueError: as :func:`attribution_window`.
    """
    start, end = attribution_window(flight_start, flight_end, window_days)
    kept = _attributed(start, end, redemptions, visits)
    per_day: dict[date, list[int]] = {}
    for r in kept.orders.values():
        per_day.setdefault(_utc_day(r.occurred_at), [0, 0])[0] += 1
    for day, count in kept.visits:
        per_day.setdefault(day, [0, 0])[1] += count
    return [(day, promo, vanity) for day, (promo, vanity) in sorted(per_day.items())]


def attribute_io(
    *,
    flight_start: date,
    flight_end: date,
    window_days: int | None,
    booked_impressions: int,
    delivered_impressions: int,
    cpm: float,
    redemptions: Iterable[Redemption],
    visits: Iterable[tuple[date, int]],
) -> Attribution:
    """Attribution of one IO from its redemptions and its ``(day, visits)`` vanity-URL counts.

    Formulas (module docstring for sources): conversions = distinct order ids with occurred_at (UTC
    day) inside the window; revenue = sum of their revenue when they share one currency; spend =
    min(delivered, booked) × CPM / 1,000; CPA = spend / conversions; ROAS = revenue / spend when the
    revenue currency is the spend currency; responses per 1,000 = (conversions + visits in the
    window) × 1,000 / delivered. ``outside_window`` counts redemptions and visit days left out.

    Raises:
        ValueError: as :func:`attribution_window`; negative impressions or CPM.
    """
    if delivered_impressions < 0 or booked_impressions < 0 or cpm < 0:
        raise ValueError("impressions and cpm must be >= 0")
    start, end = attribution_window(flight_start, flight_end, window_days)
    kept = _attributed(start, end, redemptions, visits)
    orders, outside, duplicates = kept.orders, kept.outside, kept.duplicates
    visit_total = sum(count for _, count in kept.visits)
    currencies = {r.currency for r in orders.values()}
    currency = currencies.pop() if len(currencies) == 1 else None
    revenue = sum(r.revenue for r in orders.values()) if currency or not orders else None
    spend = billable_spend(delivered_impressions=delivered_impressions, booked_impressions=booked_impressions, cpm=cpm)
    conversions = len(orders)
    roas = revenue / spend if spend and revenue is not None and currency in (SPEND_CURRENCY, None) else None
    return Attribution(
        window_start=start,
        window_end=end,
        window_days=(end - flight_end).days,
        delivered_impressions=delivered_impressions,
        spend=spend,
        spend_currency=SPEND_CURRENCY,
        conversions=conversions,
        revenue=revenue,
        revenue_currency=currency,
        cpa=spend / conversions if conversions else None,
        roas=roas,
        vanity_visits=visit_total,
        responses_per_1000=(conversions + visit_total) * 1000 / delivered_impressions
        if delivered_impressions
        else None,
        duplicate_orders=duplicates,
        outside_window=outside,
    )
