"""Owns the six match signals in [0, 1], their weights and the 0–100 score that combines them.

Pure numpy (no Dagster, no database). Each signal is one function over arrays whose rows are shows
and whose columns are campaigns; the formula and its source are in each function's docstring.
:data:`NEUTRAL` is the value a signal takes when the show's data for it is unknown.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

SIGNALS = (
    "geo_overlap",
    "demographic_overlap",
    "topic_overlap",
    "historical_lift",
    "inventory_fit",
    "brand_safety",
)
NEUTRAL = 0.5


@dataclass(frozen=True)
class MatchWeights:
    """Weights of the six signals in the score (normalised to sum 1) and the brand-safety cap.

    Defaults: topic 0.25, inventory 0.20, geo 0.15, demographic 0.15, historical lift 0.15, brand
    safety 0.10. ``conflict_cap`` is the highest score a pair with a brand-safety conflict can get
    (0: a conflict removes the show from the campaign's list). ``lift_prior_ios`` is the number of
    pseudo-IOs of neutral evidence historical lift is shrunk with; ``inventory_lookback_days`` the
    window of recent metrics_daily that sets a show's daily downloads.
    """

    geo_overlap: float = 0.15
    demographic_overlap: float = 0.15
    topic_overlap: float = 0.25
    historical_lift: float = 0.15
    inventory_fit: float = 0.20
    brand_safety: float = 0.10
    conflict_cap: float = 0.0
    lift_prior_ios: float = 2.0
    inventory_lookback_days: int = 28

    def __post_init__(self) -> None:
        w = self.vector()
        if (w < 0).any() or w.sum() <= 0:
            raise ValueError(f"signal weights must be >= 0 with a positive sum, got {self.signal_weights()}")
        if not 0 <= self.conflict_cap <= 100:
            raise ValueError(f"conflict_cap must be within [0, 100], got {self.conflict_cap}")
        if self.lift_prior_ios <= 0 or self.inventory_lookback_days <= 0:
            raise ValueError("lift_prior_ios and inventory_lookback_days must be positive")

    def vector(self) -> np.ndarray:
        return np.array([getattr(self, s) for s in SIGNALS], dtype=np.float64)

    def signal_weights(self) -> dict[str, float]:
        return {s: float(getattr(self, s)) for s in SIGNALS}

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


# ---------------------------------------------------------------------------------------------
# The six signals, one function each over arrays (rows: shows, columns: campaigns)
# ---------------------------------------------------------------------------------------------


def geo_overlap(show_country_share: np.ndarray, campaign_countries: np.ndarray) -> np.ndarray:
    """Share of each show's audience inside each campaign's target countries.

    ``geo[s, c] = Σ_k p[s, k] · t[c, k]`` where ``p[s, ·]`` is the show's listener share by country
    (summing to 1; the unknown bucket ``ZZ`` counts as outside every target) and ``t[c, k]`` is 1 for
    a targeted country, else 0. Shapes: (shows × countries), (campaigns × countries) → (shows ×
    campaigns), values in [0, 1].
    """
    return np.clip(show_country_share @ campaign_countries.T, 0.0, 1.0)


def demographic_overlap(show_age_gender: np.ndarray, target_age_gender: np.ndarray) -> np.ndarray:
    """Histogram intersection (Swain & Ballard 1991) of age × gender distributions.

    ``demo[s, c] = Σ_i min(p[s, i], q[c, i])`` over the 28 cells (7 Spotify age bands × 4 genders),
    with ``p`` the show's listener distribution and ``q`` the campaign's target distribution (both
    summing to 1; ``q`` is the product of the targeted bands' and genders' weights, normalised). 1 when
    the audience has exactly the target's shape, 0 when no listener is in a targeted cell. Shapes:
    (shows × 28), (campaigns × 28) → (shows × campaigns).
    """
    p = show_age_gender.astype(np.float32)[:, None, :]
    q = target_age_gender.astype(np.float32)[None, :, :]
    return np.clip(np.minimum(p, q).sum(-1, dtype=np.float64), 0.0, 1.0)


def topic_overlap(
    show_topics: np.ndarray, campaign_topics: np.ndarray, similarity: np.ndarray, show_best: np.ndarray | None = None
) -> np.ndarray:
    """Best-match average of topic similarity with partial credit up the IAB taxonomy.

    ``sim(a, b) = 0.5 ** (d(a, lca) + d(b, lca))`` (same category 1, parent/child 0.5, shared parent
    0.25, no shared tier-1 ancestor 0; :mod:`sponsor_pipeline.matchmaking.taxonomy`). For show topics S and
    campaign topics C: ``topic = ½ (mean_{c∈C} max_{s∈S} sim(s, c) + mean_{s∈S} max_{c∈C} sim(s, c))``
    (the symmetric best-match average used for ontology set similarity, Pesquita et al. 2009).
    Inputs are 0/1 incidence matrices over the same K topics: (shows × K), (campaigns × K), (K × K);
    ``show_best`` (shows × K, max_s sim(s, k)) may be passed in when scoring campaigns in blocks.
    """
    if show_best is None:
        show_best = best_match(show_topics, similarity)
    campaign_best = best_match(campaign_topics, similarity)  # (campaigns × K)
    n_c = np.maximum(campaign_topics.sum(1), 1.0)
    n_s = np.maximum(show_topics.sum(1), 1.0)
    covered = (show_best @ campaign_topics.T) / n_c[None, :]  # mean over the campaign's topics
    relevant = (show_topics @ campaign_best.T) / n_s[:, None]  # mean over the show's topics
    return np.clip(0.5 * (covered + relevant), 0.0, 1.0)


def historical_lift(
    lift_ratio: np.ndarray, n_ios: np.ndarray, prior_ios: float = 2.0, evidence_weight: np.ndarray | float = 1.0
) -> np.ndarray:
    """Past performance here versus elsewhere, shrunk toward neutral (0.5).

    ``raw = L / (1 + L)`` maps the lift ratio L (performance on this show ÷ the same advertiser's, or
    its category's, average on its other shows; performance is direct responses — promo-code
    redemptions + vanity-URL visits — per 1,000 delivered impressions where reported, else delivered
    ÷ booked impressions) to [0, 1) with L = 1 → 0.5. Shrinkage (empirical-Bayes style, n pseudo-IOs of
    neutral evidence): ``lift = 0.5 + e · n / (n + prior_ios) · (raw − 0.5)`` with n the IOs behind L
    and e the evidence weight (1 for the advertiser's own IOs, ½ for its category's). n = 0 gives
    exactly 0.5.
    """
    ratio = np.nan_to_num(np.asarray(lift_ratio, dtype=np.float64), nan=1.0, posinf=1e6)
    ratio = np.maximum(ratio, 0.0)
    raw = ratio / (1.0 + ratio)
    n = np.asarray(n_ios, dtype=np.float64)
    shrink = n / (n + prior_ios) * evidence_weight
    return np.clip(NEUTRAL + shrink * (raw - NEUTRAL), 0.0, 1.0)


def inventory_fit(available: np.ndarray, needed: np.ndarray) -> np.ndarray:
    """Impressions the show can still sell in the flight against what the campaign still needs.

    ``inventory = min(1, available / needed)`` with ``available = max(0, daily downloads × ad slots
    per episode × open flight days − impressions already booked on the show in those days)`` and
    ``needed = impressions_goal − impressions on the campaign's committed IOs``. An IO's remaining
    impressions are spread evenly over its remaining flight days (IAB even pacing). needed ≤ 0 → 1.
    """
    needed = np.asarray(needed, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(needed > 0, np.maximum(available, 0.0) / np.where(needed > 0, needed, 1.0), 1.0)
    return np.clip(ratio, 0.0, 1.0)


def brand_safety(
    show_risk: np.ndarray, accepted_risk: np.ndarray, show_explicit: np.ndarray, excludes_explicit: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """GARM suitability gate graded by margin; returns (signal, conflict), both (shows × campaigns).

    Risk ranks: none 0, low 1, medium 2, high 3, floor 4. A conflict is any category where the show's
    risk r_k exceeds the campaign's highest accepted risk a_k (floor always does: GARM's floor is
    never monetisable), or an explicit show for a campaign that excludes explicit content; a conflict
    gives 0. Otherwise ``safety = min_k (a_k − r_k + 1) / (a_k + 1)``: 1 when the show carries no risk
    the campaign cares about, 1 / (a_k + 1) when it sits exactly at the limit of category k.
    Shapes: (shows × 12), (campaigns × 12), (shows,), (campaigns,).
    """
    r = show_risk.astype(np.float32)[:, None, :]
    a = accepted_risk.astype(np.float32)[None, :, :]
    conflict = (r > a).any(-1) | (show_explicit[:, None] & excludes_explicit[None, :])
    margin = ((a - r + 1.0) / (a + 1.0)).min(-1)
    return np.where(conflict, 0.0, np.clip(margin, 0.0, 1.0)), conflict


def combine(signals: np.ndarray, conflict: np.ndarray, weights: MatchWeights) -> np.ndarray:
    """Score 0–100: ``100 · Σ_j w_j s_j / Σ_j w_j``, then ``min(score, conflict_cap)`` on a
    brand-safety conflict (the gate is applied after the mean, so good fit never averages it away).
    ``signals`` is (..., 6) in :data:`SIGNALS` order; rounded to 0.01 (``matches.score``)."""
    w = weights.vector()
    score = 100.0 * (signals @ w) / w.sum()
    score = np.where(conflict, np.minimum(score, weights.conflict_cap), score)
    return np.round(np.clip(score, 0.0, 100.0), 2)


def best_match(incidence: np.ndarray, similarity: np.ndarray) -> np.ndarray:
    """(rows × K) → (rows × K): for each topic k, the best similarity of any topic the row has."""
    out = np.zeros(incidence.shape, dtype=np.float32)
    for k in range(incidence.shape[1]):  # loop over topics (K ≤ 704), never over pairs
        has = incidence[:, k] > 0
        if has.any():
            out[has] = np.maximum(out[has], similarity[k][None, :])
    return out
