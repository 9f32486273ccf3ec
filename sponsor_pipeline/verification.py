"""Owns the verification rules of an IO: what a sponsor would question, each with its rule and evidence.

Pure logic (no Dagster, no database), so every flag of the ``io_verification_flags`` asset is checked
by hand. An IO is judged as of its ``io_delivery`` day (the tenant's last metrics day); only IOs in a
committed status (``vocabulary.COMMITTED_IO_STATUSES``: scheduled, live, paused, completed) are judged
— a draft has not been sold and a cancelled IO owes nothing.

The flags (``vocabulary.VERIFICATION_FLAGS``), their rules and severities:

* **under_delivered** — the flight is over (status completed, or the as-of day after the flight end)
  and delivered < booked impressions: the shortfall is the make-good owed (pacing.py; IAB/4A
  *Standard Terms and Conditions for Internet Advertising* v3.0, make-goods for under-delivery).
  Critical below ``UNDER_DELIVERY_CRITICAL_RATIO`` (90 %) of the booking.
* **under_pacing** — a running IO in flight on the as-of day whose pacing ratio (delivered ÷
  expected to date under its pacing mode) is below ``UNDER_PACING_RATIO`` (0.9, the common pacing
  floor of make-good clauses); critical below ``CRITICAL_PACING_RATIO`` (0.7).
* **missing_promo_code** — no promo code: redemptions cannot be attributed (IAB *Podcast Advertising
  Playbook*: promo codes and vanity URLs are the common attribution methods of host-read ads).
  Critical once the flight has started (responses are being lost), a warning before.
* **unused_promo_code** — a code is set, at least ``response_grace_days`` (14) days have passed since
  the flight start, and no order used it inside the attribution window. Critical when the whole
  flight is over without one.
* **no_vanity_traffic** — the same rule for the vanity URL and its visits.
* **audience_outside_targets** — the campaign targets countries and the show's listeners in them
  (audience_profiles' country shares, each source normalised to 1 then averaged over sources — the
  geo_overlap match signal's reading) are below ``AUDIENCE_IN_TARGETS_MIN_SHARE`` (0.5): most of
  the impressions reach listeners the advertiser did not buy. Critical when none are in them. Not
  judged without country targets or without an audience profile.
* **brand_safety_conflict** — in a GARM category the show's risk level is above the highest level
  the campaign accepts (campaign_brand_safety; its column default, ``DEFAULT_ACCEPTED_RISK``, when
  the campaign has no row), the show sits at GARM's floor in any category (never monetisable), or
  the show is explicit and the campaign excludes explicit content — the matchmaking brand-safety
  gate applied to the booked IO. Critical for the floor or an explicit conflict, a warning for a
  suitability tier above what the campaign accepts. Not judged without a show_brand_safety row.
* **delivery_after_flight** — the IO is still running (scheduled, live or paused) after its flight
  end and its episode (or show, for run-of-show IOs) logged impressions after that day: delivery
  outside the flight the IO bought, which it does not bill. Critical once more than
  ``AFTER_FLIGHT_CRITICAL_DAYS`` days have passed since the flight end.

Evidence: each flag's figures as a JSON object whose keys include :data:`EVIDENCE_KEYS` of the flag.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sponsor_pipeline.vocabulary import (
    AUDIENCE_IN_TARGETS_MIN_SHARE,
    COMMITTED_IO_STATUSES,
    CRITICAL_PACING_RATIO,
    DEFAULT_ACCEPTED_RISK,
    GARM_CATEGORIES,
    GARM_FLOOR,
    GARM_RISK_RANK,
    RESPONSE_GRACE_DAYS,
    RUNNING_IO_STATUSES,
    UNDER_DELIVERY_CRITICAL_RATIO,
    UNDER_PACING_RATIO,
    VERIFICATION_FLAGS,
)

# An IO still running a week after its flight end is no longer a status update running late.
AFTER_FLIGHT_CRITICAL_DAYS = 7

# The keys every flag's evidence holds (the asset check requires them).
EVIDENCE_KEYS: dict[str, tuple[str, ...]] = {
    "under_delivered": ("booked_impressions", "delivered_impressions", "percent_delivered", "shortfall"),
    "under_pacing": ("pacing_ratio", "pacing_mode", "delivered_impressions", "expected_to_date"),
    "missing_promo_code": ("status", "flight_start"),
    "unused_promo_code": ("promo_code", "days_since_flight_start", "conversions"),
    "no_vanity_traffic": ("vanity_url", "days_since_flight_start", "vanity_visits"),
    "audience_outside_targets": ("share_in_targets", "target_countries", "top_countries"),
    "brand_safety_conflict": ("categories", "explicit_conflict"),
    "delivery_after_flight": ("flight_end", "impressions_after_flight", "days_after_flight_end"),
}
assert tuple(EVIDENCE_KEYS) == VERIFICATION_FLAGS
_GARM_LABEL = dict(GARM_CATEGORIES)


@dataclass(frozen=True)
class Thresholds:
    """Thresholds of the rules (module docstring); defaults from :mod:`sponsor_pipeline.vocabulary`.

    Ratios and shares unitless in [0, 1]; ``response_grace_days`` whole days.

    Raises:
        ValueError: a ratio or share outside (0, 1], ``critical_pacing_ratio`` above
            ``under_pacing_ratio``, or negative grace days.
    """

    under_pacing_ratio: float = UNDER_PACING_RATIO
    critical_pacing_ratio: float = CRITICAL_PACING_RATIO
    under_delivery_critical_ratio: float = UNDER_DELIVERY_CRITICAL_RATIO
    response_grace_days: int = RESPONSE_GRACE_DAYS
    audience_in_targets_min_share: float = AUDIENCE_IN_TARGETS_MIN_SHARE

    def __post_init__(self) -> None:
        for name in ("under_pacing_ratio", "critical_pacing_ratio", "under_delivery_critical_ratio"):
            if not 0 < getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in (0, 1], got {getattr(self, name)}")
        if not 0 < self.audience_in_targets_min_share <= 1:
            raise ValueError(
                f"audience_in_targets_min_share must be in (0, 1], got {self.audience_in_targets_min_share}"
            )
        if self.critical_pacing_ratio > self.under_pacing_ratio:
            raise ValueError("critical_pacing_ratio must not exceed under_pacing_ratio")
        if self.response_grace_days < 0:
            raise ValueError(f"response_grace_days must be >= 0, got {self.response_grace_days}")

    def as_dict(self) -> dict[str, float]:
        return {
            "under_pacing_ratio": self.under_pacing_ratio,
            "critical_pacing_ratio": self.critical_pacing_ratio,
            "under_delivery_critical_ratio": self.under_delivery_critical_ratio,
            "response_grace_days": self.response_grace_days,
            "audience_in_targets_min_share": self.audience_in_targets_min_share,
        }


@dataclass(frozen=True)
class IoFacts:
    """What the rules read about one IO.

    Units: impressions, conversions (distinct orders) and visits are counts; ``pacing_ratio`` and
    shares unitless; ``audience_country_shares`` maps source → ISO 3166-1 alpha-2 country → share
    of that source's listeners; ``show_risk`` / ``accepted_risk`` map GARM column → risk level
    (``accepted_risk`` None: the campaign has no campaign_brand_safety row; ``show_risk`` None: the
    show was never assessed). ``conversions`` and ``vanity_visits`` are inside the IO's attribution
    window (io_attribution); ``impressions_after_flight`` are the days after the flight end up to
    ``as_of``.
    """

    io_id: str
    status: str
    flight_start: date
    flight_end: date
    as_of: date
    booked_impressions: int
    delivered_impressions: int
    expected_to_date: float
    pacing_ratio: float | None
    pacing_mode: str
    promo_code: str | None
    vanity_url: str | None
    conversions: int = 0
    vanity_visits: int = 0
    impressions_after_flight: int = 0
    last_day_after_flight: date | None = None
    audience_country_shares: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    target_countries: frozenset[str] = frozenset()
    show_risk: Mapping[str, str] | None = None
    accepted_risk: Mapping[str, str] | None = None
    show_explicit: bool = False
    excludes_explicit: bool = False


@dataclass(frozen=True)
class Flag:
    """One verification flag: ``flag`` of ``VERIFICATION_FLAGS``, ``severity`` warning or critical,
    ``rule`` in words with its threshold, ``evidence`` the figures (JSON-serialisable)."""

    flag: str
    severity: str
    rule: str
    evidence: dict[str, Any]


def _blank(value: str | None) -> bool:
    return value is None or not str(value).strip()


def share_in_targets(shares: Mapping[str, Mapping[str, float]], targets: frozenset[str]) -> float | None:
    """Share of listeners in ``targets``: per source, Σ share in targets ÷ Σ share, averaged over the
    sources with a positive total (the reading of ``matchmaking.inputs``' audience distribution).

    None when no source has a share.
    """
    per_source = []
    for buckets in shares.values():
        total = sum(buckets.values())
        if total > 0:
            per_source.append(sum(v for k, v in buckets.items() if k in targets) / total)
    return sum(per_source) / len(per_source) if per_source else None


def _top_countries(shares: Mapping[str, Mapping[str, float]], n: int = 5) -> dict[str, float]:
    """The ``n`` largest countries by share averaged over sources (each normalised), rounded to 4."""
    sources = [(b, sum(b.values())) for b in shares.values() if sum(b.values()) > 0]
    averaged: dict[str, float] = {}
    for buckets, total in sources:
        for country, value in buckets.items():
            averaged[country] = averaged.get(country, 0.0) + value / total / len(sources)
    top = sorted(averaged.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    return {country: round(value, 4) for country, value in top}


def _under_delivered(io: IoFacts, t: Thresholds) -> Flag | None:
    over = io.status == "completed" or io.as_of > io.flight_end
    if not over or io.delivered_impressions >= io.booked_impressions:
        return None
    share = io.delivered_impressions / io.booked_impressions if io.booked_impressions else 1.0
    return Flag(
        "under_delivered",
        "critical" if share < t.under_delivery_critical_ratio else "warning",
        "flight over and delivered < booked impressions (the shortfall is the make-good owed); "
        f"critical below {t.under_delivery_critical_ratio:.0%} of the booking",
        {
            "booked_impressions": io.booked_impressions,
            "delivered_impressions": io.delivered_impressions,
            "percent_delivered": round(100 * share, 2),
            "shortfall": io.booked_impressions - io.delivered_impressions,
            "flight_end": io.flight_end.isoformat(),
        },
    )


def _under_pacing(io: IoFacts, t: Thresholds) -> Flag | None:
    in_flight = io.flight_start <= io.as_of <= io.flight_end
    ratio = io.pacing_ratio
    if io.status not in RUNNING_IO_STATUSES or not in_flight or ratio is None or ratio >= t.under_pacing_ratio:
        return None
    return Flag(
        "under_pacing",
        "critical" if ratio < t.critical_pacing_ratio else "warning",
        f"running IO in flight with pacing ratio (delivered ÷ expected to date under its pacing mode) "
        f"below {t.under_pacing_ratio:.2f}; critical below {t.critical_pacing_ratio:.2f}",
        {
            "pacing_ratio": round(ratio, 4),
            "pacing_mode": io.pacing_mode,
            "delivered_impressions": io.delivered_impressions,
            "expected_to_date": round(io.expected_to_date, 2),
            "status": io.status,
        },
    )


def _missing_promo_code(io: IoFacts) -> Flag | None:
    if not _blank(io.promo_code):
        return None
    started = io.as_of >= io.flight_start
    return Flag(
        "missing_promo_code",
        "critical" if started else "warning",
        "IO without a promo code: no redemption can be attributed to it; critical once its flight has started",
        {"status": io.status, "flight_start": io.flight_start.isoformat(), "flight_started": started},
    )


def _no_response(io: IoFacts, t: Thresholds, *, flag: str, column: str, count_key: str, count: int) -> Flag | None:
    value = getattr(io, column)
    days = (io.as_of - io.flight_start).days
    if _blank(value) or days < t.response_grace_days or count > 0:
        return None
    what = "orders with the promo code" if column == "promo_code" else "visits to the vanity URL"
    return Flag(
        flag,
        "critical" if io.as_of > io.flight_end else "warning",
        f"no {what} inside the attribution window {t.response_grace_days} or more days after the flight "
        "start; critical once the flight is over",
        {column: value, "days_since_flight_start": days, count_key: count, "flight_end": io.flight_end.isoformat()},
    )


def _audience_outside_targets(io: IoFacts, t: Thresholds) -> Flag | None:
    if not io.target_countries:
        return None
    share = share_in_targets(io.audience_country_shares, io.target_countries)
    if share is None or share >= t.audience_in_targets_min_share:
        return None
    return Flag(
        "audience_outside_targets",
        "critical" if share == 0 else "warning",
        f"share of the show's listeners in the campaign's target countries below "
        f"{t.audience_in_targets_min_share:.0%} (audience_profiles, sources averaged); critical at 0",
        {
            "share_in_targets": round(share, 4),
            "target_countries": sorted(io.target_countries),
            "top_countries": _top_countries(io.audience_country_shares),
            "sources": sorted(io.audience_country_shares),
        },
    )


def _brand_safety_conflict(io: IoFacts) -> Flag | None:
    if io.show_risk is None:
        return None
    categories = []
    floor = False
    for column, level in io.show_risk.items():
        accepted = (io.accepted_risk or {}).get(column, DEFAULT_ACCEPTED_RISK)
        if level == GARM_FLOOR or GARM_RISK_RANK[level] > GARM_RISK_RANK[accepted]:
            floor = floor or level == GARM_FLOOR
            categories.append(
                {"category": column, "label": _GARM_LABEL.get(column, column), "show_risk": level, "accepted": accepted}
            )
    explicit = io.show_explicit and io.excludes_explicit
    if not categories and not explicit:
        return None
    return Flag(
        "brand_safety_conflict",
        "critical" if floor or explicit else "warning",
        "the show's GARM risk level is above what the campaign accepts in a category, at GARM's floor, "
        "or explicit against an explicit exclusion; critical for the floor or explicit content",
        {"categories": categories, "explicit_conflict": explicit, "at_floor": floor},
    )


def _delivery_after_flight(io: IoFacts) -> Flag | None:
    days = (io.as_of - io.flight_end).days
    if io.status not in RUNNING_IO_STATUSES or days <= 0 or io.impressions_after_flight <= 0:
        return None
    return Flag(
        "delivery_after_flight",
        "critical" if days > AFTER_FLIGHT_CRITICAL_DAYS else "warning",
        "IO still running after its flight end with impressions logged after that day; critical more than "
        f"{AFTER_FLIGHT_CRITICAL_DAYS} days after the flight end",
        {
            "status": io.status,
            "flight_end": io.flight_end.isoformat(),
            "impressions_after_flight": io.impressions_after_flight,
            "days_after_flight_end": days,
            "last_day_with_impressions": None
            if io.last_day_after_flight is None
            else io.last_day_after_flight.isoformat(),
        },
    )


def verify_io(io: IoFacts, thresholds: Thresholds | None = None) -> list[Flag]:
    """Every flag ``io`` raises, in ``VERIFICATION_FLAGS`` order (rules: module docstring;
    ``thresholds`` None: the vocabulary's defaults).

    Raises:
        KeyError: a GARM risk level outside ``vocabulary.GARM_RISK_LEVELS``.
    """
    if io.status not in COMMITTED_IO_STATUSES:
        return []
    thresholds = thresholds or Thresholds()
    found = [
        _under_delivered(io, thresholds),
        _under_pacing(io, thresholds),
        _missing_promo_code(io),
        _no_response(
            io, thresholds, flag="unused_promo_code", column="promo_code", count_key="conversions", count=io.conversions
        ),
        _no_response(
            io,
            thresholds,
            flag="no_vanity_traffic",
            column="vanity_url",
            count_key="vanity_visits",
            count=io.vanity_visits,
        ),
        _audience_outside_targets(io, thresholds),
        _brand_safety_conflict(io),
        _delivery_after_flight(io),
    ]
    return [f for f in found if f is not None]


def missing_evidence(flag: str, evidence: Mapping[str, Any] | None) -> list[str]:
    """The :data:`EVIDENCE_KEYS` of ``flag`` that ``evidence`` lacks (all of them for an unknown flag)."""
    keys = EVIDENCE_KEYS.get(flag, ("<known flag>",))
    return [k for k in keys if not evidence or k not in evidence]
