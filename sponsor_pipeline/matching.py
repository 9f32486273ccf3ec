"""Owns the show × campaign match score: six signals in [0, 1], the 0–100 score and its rationale.

Pure numpy/pandas (no Dagster, no database). :func:`prepare` turns one tenant's input frames into
per-show and per-campaign arrays; :func:`score_block` scores every show against a block of campaigns
at once (matrix products and broadcasting, no Python loop per pair); :func:`score_matches` walks the
campaigns in blocks so that peak memory stays at one block (shows × block size).

Unknown show data (no audience profile, no topics, no brand-safety profile, no recent downloads, no
history) gives that signal the neutral value 0.5 and is named in the rationale; a campaign that does
not target a dimension (no countries, no age bands or genders) scores 1 on it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Iterator

import numpy as np
import pandas as pd

from sponsor_pipeline.taxonomy import ContentTaxonomy, load_taxonomy

SIGNALS = (
    "geo_overlap", "demographic_overlap", "topic_overlap", "historical_lift", "inventory_fit",
    "brand_safety",
)
NEUTRAL = 0.5

# GARM Brand Safety Floor + Suitability Framework (Global Alliance for Responsible Media, 2022
# edition): twelve categories, each rated floor / high / medium / low risk; "none" = no such content.
GARM_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("garm_adult_sexual", "Adult & Explicit Sexual Content"),
    ("garm_arms_ammunition", "Arms & Ammunition"),
    ("garm_crime_harmful_acts", "Crime & Harmful Acts to Individuals and Society"),
    ("garm_death_injury_conflict", "Death, Injury or Military Conflict"),
    ("garm_online_piracy", "Online Piracy"),
    ("garm_hate_speech", "Hate Speech & Acts of Aggression"),
    ("garm_obscenity_profanity", "Obscenity and Profanity"),
    ("garm_drugs_alcohol_tobacco", "Illegal Drugs / Tobacco / e-Cigarettes / Vaping / Alcohol"),
    ("garm_spam_harmful", "Spam or Harmful Content"),
    ("garm_terrorism", "Terrorism"),
    ("garm_sensitive_social_issues", "Debated Sensitive Social Issues"),
    ("garm_misinformation", "Misinformation"),
)
GARM_COLUMNS = tuple(c for c, _ in GARM_CATEGORIES)
RISK_LEVELS = ("none", "low", "medium", "high", "floor")  # ordinal 0 .. 4
RISK_RANK = {level: i for i, level in enumerate(RISK_LEVELS)}
DEFAULT_ACCEPTED_RISK = "low"  # campaign_brand_safety's column default

AGE_BANDS = ("0-17", "18-22", "23-27", "28-34", "35-44", "45-59", "60+")  # Spotify's bands
GENDERS = ("female", "male", "non_binary", "not_specified")
AGE_GENDER_CELLS = tuple(f"{a}|{g}" for a in AGE_BANDS for g in GENDERS)

COMMITTED_IO_STATUSES = ("scheduled", "live", "paused", "completed")  # hold inventory / count as booked
HISTORY_IO_STATUSES = ("completed",)
DEFAULT_FLIGHT_DAYS = 28  # a campaign without a flight end is sized over the next four weeks


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


def topic_overlap(show_topics: np.ndarray, campaign_topics: np.ndarray, similarity: np.ndarray,
                  show_best: np.ndarray | None = None) -> np.ndarray:
    """Best-match average of topic similarity with partial credit up the IAB taxonomy.

    ``sim(a, b) = 0.5 ** (d(a, lca) + d(b, lca))`` (same category 1, parent/child 0.5, shared parent
    0.25, no shared tier-1 ancestor 0; :mod:`sponsor_pipeline.taxonomy`). For show topics S and
    campaign topics C: ``topic = ½ (mean_{c∈C} max_{s∈S} sim(s, c) + mean_{s∈S} max_{c∈C} sim(s, c))``
    (the symmetric best-match average used for ontology set similarity, Pesquita et al. 2009).
    Inputs are 0/1 incidence matrices over the same K topics: (shows × K), (campaigns × K), (K × K);
    ``show_best`` (shows × K, max_s sim(s, k)) may be passed in when scoring campaigns in blocks.
    """
    if show_best is None:
        show_best = _best_match(show_topics, similarity)
    campaign_best = _best_match(campaign_topics, similarity)  # (campaigns × K)
    n_c = np.maximum(campaign_topics.sum(1), 1.0)
    n_s = np.maximum(show_topics.sum(1), 1.0)
    covered = (show_best @ campaign_topics.T) / n_c[None, :]     # mean over the campaign's topics
    relevant = (show_topics @ campaign_best.T) / n_s[:, None]     # mean over the show's topics
    return np.clip(0.5 * (covered + relevant), 0.0, 1.0)


def historical_lift(lift_ratio: np.ndarray, n_ios: np.ndarray, prior_ios: float = 2.0,
                    evidence_weight: np.ndarray | float = 1.0) -> np.ndarray:
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


def brand_safety(show_risk: np.ndarray, accepted_risk: np.ndarray, show_explicit: np.ndarray,
                 excludes_explicit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------

@dataclass
class MatchInputs:
    """One tenant's inputs, as read from the warehouse (column names are the tables').

    shows: show_id, title, apple_genre, explicit.
    campaigns: campaign_id, advertiser_id, name, flight_start, flight_end, impressions_goal.
    advertisers: advertiser_id, category (IAB id).
    audience: show_id, source, dimension ('country' | 'age_gender'), bucket, share.
    show_topics: show_id, topic_id.  show_safety: show_id + GARM columns (risk level names).
    campaign_safety: campaign_id + GARM columns (highest accepted level) + excludes_explicit.
    campaign_targets: campaign_id, dimension ('country' | 'age_band' | 'gender' | 'topic'), value, weight.
    metrics: show_id, day, source, downloads (metrics_daily rows; summed per show/day/source, the
      largest source per day taken, as hosting downloads include the platforms' plays).
    episodes: show_id, published_at, ad_slots.
    ios: io_id, campaign_id, advertiser_id, show_id, status, flight_start, flight_end,
      booked_impressions, delivered_impressions (io_delivery, NaN when absent), responses
      (promo redemptions + vanity visits, NaN when none reported).
    as_of: the last day of metrics; flights are counted from the day after.
    """

    shows: pd.DataFrame
    campaigns: pd.DataFrame
    advertisers: pd.DataFrame
    audience: pd.DataFrame
    show_topics: pd.DataFrame
    show_safety: pd.DataFrame
    campaign_safety: pd.DataFrame
    campaign_targets: pd.DataFrame
    metrics: pd.DataFrame
    episodes: pd.DataFrame
    ios: pd.DataFrame
    as_of: dt.date


@dataclass
class Prepared:
    """Per-show and per-campaign arrays for :func:`score_block` (rows sorted by id)."""

    show_ids: np.ndarray
    campaign_ids: np.ndarray
    advertiser_of_campaign: np.ndarray
    # geo
    countries: tuple[str, ...]
    show_country: np.ndarray
    has_country: np.ndarray
    target_country: np.ndarray
    targets_country: np.ndarray
    # demographics
    show_demo: np.ndarray
    has_demo: np.ndarray
    target_demo: np.ndarray
    targets_demo: np.ndarray
    # topics
    topic_ids: tuple[str, ...]
    topic_names: tuple[str, ...]
    show_topic: np.ndarray
    has_topic: np.ndarray
    campaign_topic: np.ndarray
    campaign_topic_from_category: np.ndarray
    topic_similarity: np.ndarray
    # history: per level (category, then advertiser) the (groups × shows) lift ratio and IO count,
    # each campaign's group row (-1 none) and the level's evidence weight
    history: list[tuple[np.ndarray, np.ndarray, np.ndarray, float]]
    # inventory
    daily_capacity: np.ndarray
    has_metrics: np.ndarray
    flight_open_start: np.ndarray
    flight_open_end: np.ndarray
    flight_known: np.ndarray
    needed: np.ndarray
    io_show: np.ndarray
    io_daily: np.ndarray
    io_start: np.ndarray
    io_end: np.ndarray
    # brand safety
    show_risk: np.ndarray
    has_safety: np.ndarray
    show_explicit: np.ndarray
    accepted_risk: np.ndarray
    campaign_has_safety: np.ndarray
    excludes_explicit: np.ndarray
    # fingerprints (uint64)
    show_fp: np.ndarray
    campaign_fp: np.ndarray
    as_of: dt.date = field(default_factory=dt.date.today)


def _day_number(values) -> np.ndarray:
    """Dates → int days since 1970-01-01 (NaT → a very large sentinel handled by callers)."""
    ts = pd.to_datetime(pd.Series(values), errors="coerce")
    out = (ts.dt.normalize() - pd.Timestamp("1970-01-01")).dt.days
    return out.to_numpy(dtype="float64")


def _distribution(audience: pd.DataFrame, show_index: pd.Index, dimension: str,
                  buckets: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(shows × buckets) shares: each source's shares normalised to 1, then averaged over sources."""
    n_shows = len(show_index)
    out = np.zeros((n_shows, len(buckets)), dtype=np.float64)
    part = audience[(audience["dimension"] == dimension) & audience["show_id"].isin(show_index)]
    part = part[part["bucket"].isin(buckets)]
    if part.empty:
        return out, np.zeros(n_shows, dtype=bool)
    share = part["share"].astype(float)
    total = share.groupby([part["show_id"], part["source"]]).transform("sum")
    part = part.assign(share=np.where(total > 0, share / total.where(total > 0, 1.0), 0.0))
    part = part[total > 0]
    n_sources = part.groupby("show_id")["source"].nunique()
    summed = part.groupby(["show_id", "bucket"])["share"].sum()
    rows = show_index.get_indexer(summed.index.get_level_values(0))
    cols = pd.Index(buckets).get_indexer(summed.index.get_level_values(1))
    out[rows, cols] = summed.to_numpy() / n_sources.reindex(summed.index.get_level_values(0)).to_numpy()
    has = np.zeros(n_shows, dtype=bool)
    has[show_index.get_indexer(n_sources.index)] = True
    return out, has


def _risk_matrix(frame: pd.DataFrame, key: str, ids: pd.Index, default: str) -> tuple[np.ndarray, np.ndarray]:
    out = np.full((len(ids), len(GARM_COLUMNS)), RISK_RANK[default], dtype=np.int8)
    has = np.zeros(len(ids), dtype=bool)
    if not frame.empty:
        f = frame[frame[key].isin(ids)].drop_duplicates(key)
        rows = ids.get_indexer(f[key])
        for k, col in enumerate(GARM_COLUMNS):
            ranks = f[col].map(RISK_RANK)
            if ranks.isna().any():
                bad = f.loc[ranks.isna(), [key, col]].iloc[0]
                raise ValueError(f"{col}: unknown GARM risk level {bad[col]!r} for {key} {bad[key]}")
            out[rows, k] = ranks.to_numpy(dtype=np.int8)
        has[rows] = True
    return out, has


def _row_fingerprints(frame: pd.DataFrame, key: str, ids: pd.Index) -> np.ndarray:
    """Order-independent uint64 per id: the wrapped sum of its rows' pandas hashes."""
    out = np.zeros(len(ids), dtype=np.uint64)
    if frame.empty:
        return out
    f = frame[frame[key].isin(ids)]
    if f.empty:
        return out
    cols = sorted(f.columns)
    hashed = pd.util.hash_pandas_object(f[cols].astype(str), index=False).to_numpy(dtype=np.uint64)
    idx = ids.get_indexer(f[key])
    np.add.at(out, idx, hashed)
    return out


def _mix(*parts: np.ndarray) -> np.ndarray:
    """splitmix64-style mixing of uint64 arrays (broadcasting)."""
    with np.errstate(over="ignore"):
        h = np.uint64(0x9E3779B97F4A7C15)
        for p in parts:
            h = (h ^ p.astype(np.uint64)) * np.uint64(0xBF58476D1CE4E5B9)
            h = h ^ (h >> np.uint64(31))
    return h


def _history(ios: pd.DataFrame, advertisers: pd.DataFrame, show_index: pd.Index,
             advertiser_of_campaign: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, float]]:
    """History tables per level (category, then advertiser): lift ratio and IO count per (group, show),
    each campaign's group row and the evidence weight; :func:`history_block` turns them into pairs.

    Per past IO: performance = responses per 1,000 delivered impressions when the advertiser's IOs
    report responses on both sides of the comparison, else delivered ÷ booked impressions. The
    comparison is the advertiser's mean on the show ÷ its mean on its other shows; without IOs of the
    advertiser on the show, the same for its IAB category (evidence weight ½). With no IOs elsewhere
    the baseline is the tenant's mean over all other shows.
    """
    n_s, n_c = len(show_index), len(advertiser_of_campaign)
    levels: list[tuple[np.ndarray, np.ndarray, np.ndarray, float]] = []
    if ios.empty or n_c == 0:
        return levels
    past = ios[ios["status"].isin(HISTORY_IO_STATUSES) & ios["delivered_impressions"].notna()]
    past = past[past["booked_impressions"] > 0]
    if past.empty:
        return levels
    category = advertisers.set_index("advertiser_id")["category"]
    past = past.assign(
        category=past["advertiser_id"].map(category),
        delivery=(past["delivered_impressions"] / past["booked_impressions"]).clip(upper=2.0),
        response=np.where(past["delivered_impressions"] > 0,
                          past["responses"] / past["delivered_impressions"].where(past["delivered_impressions"] > 0) * 1000.0,
                          np.nan),
    )

    def lift_table(group_col: str) -> pd.DataFrame:
        g = past.dropna(subset=[group_col])
        if g.empty:
            return pd.DataFrame(columns=["group", "show_id", "ratio", "n"])
        rows = []
        # Aggregates by (group, show) and by group, then "elsewhere" = group total minus this show.
        for metric in ("response", "delivery"):
            m = g.dropna(subset=[metric])
            agg = m.groupby([group_col, "show_id"])[metric].agg(["sum", "count"])
            tot = m.groupby(group_col)[metric].agg(["sum", "count"])
            t = tot.reindex(agg.index.get_level_values(0))
            other_n = t["count"].to_numpy() - agg["count"].to_numpy()
            other_sum = t["sum"].to_numpy() - agg["sum"].to_numpy()
            # Baseline without the group's IOs elsewhere: every IO of the tenant on other shows.
            net_sum = m.groupby("show_id")[metric].agg(["sum", "count"])
            all_sum, all_n = m[metric].sum(), len(m)
            shows_here = agg.index.get_level_values(1)
            net = net_sum.reindex(shows_here)
            fallback_n = all_n - net["count"].to_numpy()
            fallback_sum = all_sum - net["sum"].to_numpy()
            base = np.where(other_n > 0, other_sum / np.maximum(other_n, 1),
                            np.where(fallback_n > 0, fallback_sum / np.maximum(fallback_n, 1), np.nan))
            here = agg["sum"].to_numpy() / agg["count"].to_numpy()
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.where(base > 0, here / base, np.where(here > 0, np.inf, 1.0))
            rows.append(pd.DataFrame({
                "group": agg.index.get_level_values(0), "show_id": shows_here,
                "ratio": r, "n": agg["count"].to_numpy(), "metric": metric,
                "valid": ~np.isnan(base),
            }))
        both = pd.concat(rows, ignore_index=True)
        both = both[both["valid"]]
        # Responses where reported, else delivery.
        both["rank"] = (both["metric"] == "delivery").astype(int)
        return both.sort_values(["group", "show_id", "rank"]).drop_duplicates(["group", "show_id"])

    campaigns_adv = pd.Series(advertiser_of_campaign)
    campaigns_cat = campaigns_adv.map(category)
    for level, group_col, keys, evidence in (
        (1, "category", campaigns_cat, 0.5),
        (0, "advertiser_id", campaigns_adv, 1.0),
    ):
        table = lift_table(group_col)
        if table.empty:
            continue
        # Pivot to (groups × shows), then pick each campaign's group row: vectorised lookup.
        groups = pd.Index(sorted(table["group"].astype(str).unique()))
        gi = groups.get_indexer(table["group"].astype(str))
        si = show_index.get_indexer(table["show_id"])
        ok = si >= 0
        g_ratio = np.ones((len(groups), n_s))
        g_n = np.zeros((len(groups), n_s))
        g_ratio[gi[ok], si[ok]] = table["ratio"].to_numpy()[ok]
        g_n[gi[ok], si[ok]] = table["n"].to_numpy()[ok]
        ci = groups.get_indexer(keys.astype(str))
        levels.append((g_ratio, g_n, ci, evidence))
    return levels


def history_block(levels: list[tuple[np.ndarray, np.ndarray, np.ndarray, float]], n_shows: int,
                  campaigns: slice) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lift ratio, IOs, evidence weight), each (shows × campaigns in the slice), from the level tables.

    The advertiser's own history (last level) overrides its category's wherever it has IOs.
    """
    n_c = campaigns.stop - campaigns.start
    ratio = np.ones((n_shows, n_c))
    count = np.zeros((n_shows, n_c))
    weight = np.ones((n_shows, n_c))
    for g_ratio, g_n, ci_all, evidence in levels:
        ci = ci_all[campaigns]
        has = ci >= 0
        rows = np.where(has, ci, 0)
        sel_n = np.where(has[None, :], g_n[rows].T, 0.0)
        take = sel_n > 0
        ratio = np.where(take, g_ratio[rows].T, ratio)
        count = np.where(take, sel_n, count)
        weight = np.where(take, evidence, weight)
    return ratio, count, weight


_SORT_KEYS = {
    "audience": ["show_id", "source", "dimension", "bucket"],
    "show_topics": ["show_id", "topic_id"],
    "show_safety": ["show_id"],
    "campaign_safety": ["campaign_id"],
    "campaign_targets": ["campaign_id", "dimension", "value"],
    "metrics": ["show_id", "day", "source"],
    "episodes": ["show_id", "published_at", "ad_slots"],
    "ios": ["io_id"],
    "advertisers": ["advertiser_id"],
}


def _canonical(inputs: MatchInputs) -> MatchInputs:
    """Sort every frame by its key so that floating-point sums never depend on input row order."""
    out = {}
    for name, value in vars(inputs).items():
        keys = _SORT_KEYS.get(name)
        if keys and isinstance(value, pd.DataFrame) and not value.empty:
            value = value.sort_values([k for k in keys if k in value.columns], kind="mergesort").reset_index(drop=True)
        out[name] = value
    # Database NULLs arrive as None in object columns: numbers become float64 with NaN.
    for name, cols in _NUMERIC.items():
        frame = out[name]
        present = [c for c in cols if c in frame.columns]
        if present:
            out[name] = frame.assign(**{c: pd.to_numeric(frame[c], errors="coerce").astype("float64") for c in present})
    return MatchInputs(**out)


_NUMERIC = {
    "ios": ["booked_impressions", "delivered_impressions", "responses"],
    "audience": ["share"], "campaign_targets": ["weight"], "metrics": ["downloads"],
    "episodes": ["ad_slots"], "campaigns": ["impressions_goal"],
}


def prepare(inputs: MatchInputs, taxonomy: ContentTaxonomy | None = None,
            weights: MatchWeights | None = None) -> Prepared:
    """Build the arrays :func:`score_block` needs; ids are sorted so row order never matters.

    Raises:
        ValueError: a GARM column carries an unknown risk level (names the column and id).
    """
    taxonomy = taxonomy or load_taxonomy()
    weights = weights or MatchWeights()
    inputs = _canonical(inputs)
    shows = inputs.shows.sort_values("show_id").drop_duplicates("show_id")
    campaigns = inputs.campaigns.sort_values("campaign_id").drop_duplicates("campaign_id")
    show_index = pd.Index(shows["show_id"].astype(str))
    campaign_index = pd.Index(campaigns["campaign_id"].astype(str))
    n_s, n_c = len(show_index), len(campaign_index)
    targets = inputs.campaign_targets[inputs.campaign_targets["campaign_id"].isin(campaign_index)]

    # Geo: countries seen in profiles or targets.
    aud = inputs.audience
    countries = sorted(set(aud.loc[aud["dimension"] == "country", "bucket"])
                       | set(targets.loc[targets["dimension"] == "country", "value"]))
    show_country, has_country = _distribution(aud, show_index, "country", countries)
    target_country = np.zeros((n_c, len(countries)))
    tc = targets[targets["dimension"] == "country"]
    target_country[campaign_index.get_indexer(tc["campaign_id"]), pd.Index(countries).get_indexer(tc["value"])] = 1.0
    targets_country = target_country.sum(1) > 0

    # Demographics: 7 bands × 4 genders; a campaign targeting only bands takes every gender and v.v.
    show_demo, has_demo = _distribution(aud, show_index, "age_gender", list(AGE_GENDER_CELLS))
    band_w = np.zeros((n_c, len(AGE_BANDS)))
    gender_w = np.zeros((n_c, len(GENDERS)))
    tb = targets[targets["dimension"] == "age_band"]
    band_w[campaign_index.get_indexer(tb["campaign_id"]), pd.Index(AGE_BANDS).get_indexer(tb["value"])] = tb["weight"].astype(float)
    tg = targets[targets["dimension"] == "gender"]
    gender_w[campaign_index.get_indexer(tg["campaign_id"]), pd.Index(GENDERS).get_indexer(tg["value"])] = tg["weight"].astype(float)
    targets_demo = (band_w.sum(1) > 0) | (gender_w.sum(1) > 0)
    band_w[band_w.sum(1) == 0] = 1.0
    gender_w[gender_w.sum(1) == 0] = 1.0
    target_demo = (band_w[:, :, None] * gender_w[:, None, :]).reshape(n_c, len(AGE_GENDER_CELLS))
    target_demo = target_demo / target_demo.sum(1, keepdims=True)

    # Topics: explicit show topics, else the show's Apple genre through IAB's mapping; explicit
    # campaign topics, else the advertiser's IAB category.
    st = inputs.show_topics[inputs.show_topics["show_id"].isin(show_index)][["show_id", "topic_id"]]
    genre = shows[["show_id", "apple_genre"]].dropna()
    genre = genre.assign(topic_id=genre["apple_genre"].map(taxonomy.genre_to_topic)).dropna()
    genre = genre[~genre["show_id"].isin(st["show_id"])][["show_id", "topic_id"]]
    st = pd.concat([st, genre], ignore_index=True)
    st = st[st["topic_id"].isin(taxonomy.index)]
    ct = targets[(targets["dimension"] == "topic")][["campaign_id", "value"]].rename(columns={"value": "topic_id"})
    ct = ct[ct["topic_id"].isin(taxonomy.index)]
    category = inputs.advertisers.set_index("advertiser_id")["category"]
    cat = campaigns[["campaign_id", "advertiser_id"]].assign(topic_id=campaigns["advertiser_id"].map(category))
    cat = cat[~cat["campaign_id"].isin(ct["campaign_id"])].dropna(subset=["topic_id"])
    cat = cat[cat["topic_id"].astype(str).isin(taxonomy.index)]
    from_category = np.zeros(n_c, dtype=bool)
    from_category[campaign_index.get_indexer(cat["campaign_id"])] = True
    ct = pd.concat([ct, cat[["campaign_id", "topic_id"]].astype(str)], ignore_index=True)
    topic_ids = tuple(sorted(set(st["topic_id"]) | set(ct["topic_id"])))
    t_index = pd.Index(topic_ids)
    show_topic = np.zeros((n_s, len(topic_ids)), dtype=np.float32)
    show_topic[show_index.get_indexer(st["show_id"]), t_index.get_indexer(st["topic_id"])] = 1.0
    campaign_topic = np.zeros((n_c, len(topic_ids)), dtype=np.float32)
    campaign_topic[campaign_index.get_indexer(ct["campaign_id"]), t_index.get_indexer(ct["topic_id"])] = 1.0
    tax_idx = np.array([taxonomy.index[t] for t in topic_ids], dtype=np.int64)
    topic_similarity = taxonomy.similarity[np.ix_(tax_idx, tax_idx)] if len(tax_idx) else np.zeros((0, 0), np.float32)
    topic_names = tuple(taxonomy.names[i] for i in tax_idx)

    # History.
    adv = campaigns["advertiser_id"].astype(str).to_numpy()
    history = _history(inputs.ios, inputs.advertisers, show_index, adv)

    # Inventory: recent daily downloads (largest source per show and day) × ad slots per episode.
    as_of = inputs.as_of
    as_of_n = float((pd.Timestamp(as_of) - pd.Timestamp("1970-01-01")).days)
    lookback = weights.inventory_lookback_days
    m = inputs.metrics
    daily_capacity = np.zeros(n_s)
    has_metrics = np.zeros(n_s, dtype=bool)
    if not m.empty:
        day_n = _day_number(m["day"].to_numpy())
        recent = m.assign(day_n=day_n)
        recent = recent[(recent["day_n"] > as_of_n - lookback) & (recent["day_n"] <= as_of_n)
                        & recent["show_id"].isin(show_index)]
        if not recent.empty:
            per_source = recent.groupby(["show_id", "day_n", "source"])["downloads"].sum()
            per_day = per_source.groupby(level=[0, 1]).max()
            rate = per_day.groupby(level=0).sum() / lookback
            idx = show_index.get_indexer(rate.index)
            daily_capacity[idx] = rate.to_numpy(dtype=float)
            has_metrics[idx] = True
    eps = inputs.episodes[inputs.episodes["show_id"].isin(show_index)]
    slots = np.full(n_s, 1.0)
    if not eps.empty:
        pub = _day_number(eps["published_at"].to_numpy())
        recent_eps = eps[(pub > as_of_n - 90) & (pub <= as_of_n)]
        use = recent_eps if not recent_eps.empty else eps
        mean_slots = use.groupby("show_id")["ad_slots"].mean()
        slots[show_index.get_indexer(mean_slots.index)] = mean_slots.to_numpy(dtype=float)
    daily_capacity = daily_capacity * slots

    start_n = _day_number(campaigns["flight_start"].to_numpy())
    end_n = _day_number(campaigns["flight_end"].to_numpy())
    flight_known = ~np.isnan(end_n)
    open_start = np.fmax(np.nan_to_num(start_n, nan=as_of_n + 1), as_of_n + 1)
    open_end = np.where(flight_known, end_n, as_of_n + DEFAULT_FLIGHT_DAYS)
    ios = inputs.ios
    goal = campaigns["impressions_goal"].astype(float).to_numpy()  # NaN: no goal on the campaign
    committed = ios[ios["status"].isin(COMMITTED_IO_STATUSES)] if not ios.empty else ios
    if not committed.empty:
        booked_by_campaign = committed.groupby("campaign_id")["booked_impressions"].sum()
        booked = booked_by_campaign.reindex(campaign_index).fillna(0.0).to_numpy(dtype=float)
    else:
        booked = np.zeros(n_c)
    needed = goal - booked

    holding = committed[committed["status"].isin(("scheduled", "live", "paused"))] if not committed.empty else committed
    holding = holding[holding["show_id"].isin(show_index)] if not holding.empty else holding
    if not holding.empty:
        io_start = np.fmax(_day_number(holding["flight_start"].to_numpy()), as_of_n + 1)
        io_end = _day_number(holding["flight_end"].to_numpy())
        flight_days = io_end - _day_number(holding["flight_start"].to_numpy()) + 1
        remaining_days = np.maximum(io_end - io_start + 1, 0)
        booked_io = holding["booked_impressions"].astype(float).to_numpy()
        delivered = holding["delivered_impressions"].astype(float).to_numpy()
        remaining = np.where(np.isnan(delivered), booked_io * remaining_days / np.maximum(flight_days, 1),
                             np.maximum(booked_io - np.nan_to_num(delivered), 0.0))
        io_daily = np.where(remaining_days > 0, remaining / np.maximum(remaining_days, 1), 0.0)
        io_show = show_index.get_indexer(holding["show_id"])
    else:
        io_start = io_end = io_daily = np.zeros(0)
        io_show = np.zeros(0, dtype=np.int64)

    # Brand safety.
    show_risk, has_safety = _risk_matrix(inputs.show_safety, "show_id", show_index, "none")
    accepted, campaign_has_safety = _risk_matrix(inputs.campaign_safety, "campaign_id", campaign_index,
                                                 DEFAULT_ACCEPTED_RISK)
    if (accepted >= RISK_RANK["floor"]).any():
        raise ValueError("campaign_brand_safety: 'floor' content is never acceptable; use at most 'high'")
    excludes = np.zeros(n_c, dtype=bool)
    if not inputs.campaign_safety.empty:
        cs = inputs.campaign_safety[inputs.campaign_safety["campaign_id"].isin(campaign_index)]
        excludes[campaign_index.get_indexer(cs["campaign_id"])] = cs["excludes_explicit"].astype(bool).to_numpy()
    explicit = shows["explicit"].astype(bool).to_numpy()

    # Fingerprints: every input row that can change a show's or a campaign's signals.
    show_fp = _mix(
        _row_fingerprints(shows, "show_id", show_index),
        _row_fingerprints(aud, "show_id", show_index),
        _row_fingerprints(inputs.show_topics, "show_id", show_index),
        _row_fingerprints(inputs.show_safety, "show_id", show_index),
        _row_fingerprints(inputs.episodes, "show_id", show_index),
        _row_fingerprints(inputs.ios, "show_id", show_index),
        _row_fingerprints(m[_day_number(m["day"].to_numpy()) > as_of_n - lookback] if not m.empty else m,
                          "show_id", show_index),
    )
    campaign_fp = _mix(
        _row_fingerprints(campaigns, "campaign_id", campaign_index),
        _row_fingerprints(inputs.campaign_targets, "campaign_id", campaign_index),
        _row_fingerprints(inputs.campaign_safety, "campaign_id", campaign_index),
        _row_fingerprints(inputs.ios, "campaign_id", campaign_index),
        _row_fingerprints(campaigns[["campaign_id"]].assign(category=campaigns["advertiser_id"].map(category)),
                          "campaign_id", campaign_index),
    )

    return Prepared(
        show_ids=show_index.to_numpy(dtype=object), campaign_ids=campaign_index.to_numpy(dtype=object),
        advertiser_of_campaign=adv,
        countries=tuple(countries), show_country=show_country, has_country=has_country,
        target_country=target_country, targets_country=targets_country,
        show_demo=show_demo, has_demo=has_demo, target_demo=target_demo, targets_demo=targets_demo,
        topic_ids=topic_ids, topic_names=topic_names, show_topic=show_topic,
        has_topic=show_topic.sum(1) > 0, campaign_topic=campaign_topic,
        campaign_topic_from_category=from_category, topic_similarity=topic_similarity,
        history=history,
        daily_capacity=daily_capacity, has_metrics=has_metrics,
        flight_open_start=open_start, flight_open_end=open_end, flight_known=flight_known,
        needed=needed, io_show=io_show, io_daily=io_daily, io_start=io_start, io_end=io_end,
        show_risk=show_risk, has_safety=has_safety, show_explicit=explicit, accepted_risk=accepted,
        campaign_has_safety=campaign_has_safety, excludes_explicit=excludes,
        show_fp=show_fp, campaign_fp=campaign_fp, as_of=as_of,
    )


# ---------------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------------

def _best_match(incidence: np.ndarray, similarity: np.ndarray) -> np.ndarray:
    """(rows × K) → (rows × K): for each topic k, the best similarity of any topic the row has."""
    out = np.zeros(incidence.shape, dtype=np.float32)
    for k in range(incidence.shape[1]):  # loop over topics (K ≤ 704), never over pairs
        has = incidence[:, k] > 0
        if has.any():
            out[has] = np.maximum(out[has], similarity[k][None, :])
    return out


@dataclass
class BlockResult:
    """Scores of all shows × a block of campaigns; arrays are (shows × campaigns in block)."""

    campaign_slice: slice
    signals: np.ndarray  # (shows × campaigns × 6), SIGNALS order
    score: np.ndarray
    conflict: np.ndarray
    available: np.ndarray
    listener_share_in_demo: np.ndarray
    best_campaign_topic: np.ndarray  # index into Prepared.topic_ids, -1 when none
    conflict_category: np.ndarray  # index into GARM_CATEGORIES, -1 explicit/none
    lift_ratio: np.ndarray
    lift_n: np.ndarray
    lift_evidence: np.ndarray


def score_block(p: Prepared, campaigns: slice, weights: MatchWeights, show_best: np.ndarray | None = None) -> BlockResult:
    """Score every show against campaigns ``p.campaign_ids[campaigns]``; see the signal functions."""
    c = campaigns
    n_s = len(p.show_ids)

    geo = geo_overlap(p.show_country, p.target_country[c]) if p.countries else np.zeros((n_s, 0))
    geo = np.where(p.targets_country[c][None, :], geo if geo.size else 0.0, 1.0)
    geo = np.where(p.has_country[:, None] | ~p.targets_country[c][None, :], geo, NEUTRAL)

    demo = demographic_overlap(p.show_demo, p.target_demo[c])
    in_target = p.show_demo @ (p.target_demo[c] > 0).T.astype(np.float64)
    demo = np.where(p.targets_demo[c][None, :], demo, 1.0)
    demo = np.where(p.has_demo[:, None] | ~p.targets_demo[c][None, :], demo, NEUTRAL)

    if p.topic_ids:
        if show_best is None:
            show_best = _best_match(p.show_topic, p.topic_similarity)
        ct = p.campaign_topic[c]
        topic = topic_overlap(p.show_topic, ct, p.topic_similarity, show_best)
        # Which campaign topic the show covers best (for the rationale): a loop over the block's
        # campaigns, each a vectorised argmax over all shows.
        best_topic = np.full((n_s, ct.shape[0]), -1, dtype=np.int64)
        for j in range(ct.shape[0]):
            own = np.flatnonzero(ct[j])
            if len(own):
                best_topic[:, j] = own[show_best[:, own].argmax(1)]
        has_ct = ct.sum(1) > 0
        topic = np.where(p.has_topic[:, None] & has_ct[None, :], topic, NEUTRAL)
    else:
        topic = np.full((n_s, c.stop - c.start), NEUTRAL)
        best_topic = np.full(topic.shape, -1)

    lift_ratio, lift_n, lift_evidence = history_block(p.history, n_s, c)
    lift = historical_lift(lift_ratio, lift_n, weights.lift_prior_ios, lift_evidence)

    open_days = np.maximum(p.flight_open_end[c] - p.flight_open_start[c] + 1, 0)
    capacity = p.daily_capacity[:, None] * open_days[None, :]
    booked = np.zeros_like(capacity)
    if len(p.io_show):
        overlap = np.maximum(
            np.minimum(p.io_end[:, None], p.flight_open_end[c][None, :])
            - np.maximum(p.io_start[:, None], p.flight_open_start[c][None, :]) + 1, 0)
        np.add.at(booked, p.io_show, p.io_daily[:, None] * overlap)
    available = np.maximum(capacity - booked, 0.0)
    inventory = inventory_fit(available, np.broadcast_to(p.needed[c][None, :], available.shape))
    inventory = np.where(p.needed[c][None, :] <= 0, 1.0, inventory)
    inventory = np.where(p.has_metrics[:, None] | (p.needed[c][None, :] <= 0), inventory, NEUTRAL)
    inventory = np.where(np.isnan(p.needed[c])[None, :], NEUTRAL, inventory)  # no impressions goal

    safety, conflict = brand_safety(p.show_risk, p.accepted_risk[c], p.show_explicit, p.excludes_explicit[c])
    over = p.show_risk.astype(np.int16)[:, None, :] - p.accepted_risk[c].astype(np.int16)[None, :, :]
    conflict_category = np.where((over > 0).any(-1), over.argmax(-1), -1)
    safety = np.where(p.has_safety[:, None] | conflict, safety, NEUTRAL)

    signals = np.stack([geo, demo, topic, lift, inventory, safety], axis=-1).astype(np.float64)
    signals = np.round(signals, 5)  # matches' numeric(6, 5) columns
    score = combine(signals, conflict, weights)
    return BlockResult(c, signals, score, conflict, available, in_target, best_topic, conflict_category,
                       lift_ratio, lift_n, lift_evidence)


def score_matches(p: Prepared, weights: MatchWeights, block_size: int = 64) -> Iterator[BlockResult]:
    """Score all shows × all campaigns of ``p``, ``block_size`` campaigns at a time.

    Peak memory is about shows × block_size × 28 float64 (the demographic intersection).
    """
    show_best = _best_match(p.show_topic, p.topic_similarity) if p.topic_ids else None
    for start in range(0, len(p.campaign_ids), block_size):
        yield score_block(p, slice(start, min(start + block_size, len(p.campaign_ids))), weights, show_best)


# ---------------------------------------------------------------------------------------------
# Rationale and rows for ``matches``
# ---------------------------------------------------------------------------------------------

# Rationale strings are numpy object arrays of Python str: selections (take/where) copy references
# only, and numbers are turned into text through small lookup tables instead of per-element formatting.
_PCT = np.array([f"{i}%" for i in range(1000)], dtype=object)
_INT = np.array([str(i) for i in range(10000)], dtype=object)
_TENTHS = np.array([f"{i / 10:.1f}" for i in range(1000)], dtype=object)


def _cat(*parts) -> np.ndarray:
    """Element-wise concatenation of string arrays (object dtype) and literals."""
    acc = parts[0]
    for part in parts[1:]:
        acc = np.add(acc, part, dtype=object)
    return acc


def _when(cond: np.ndarray, yes, no="") -> np.ndarray:
    """``np.where`` over strings; two literals become a two-row table lookup."""
    if isinstance(yes, str) and isinstance(no, str):
        return np.array([no, yes], dtype=object)[np.asarray(cond).astype(np.intp)]
    return np.where(cond, yes, no).astype(object)


def _pct(x: np.ndarray) -> np.ndarray:
    return _PCT[np.clip(np.round(np.asarray(x, dtype=np.float64) * 100), 0, 999).astype(np.intp)]


def _int_text(x: np.ndarray) -> np.ndarray:
    return _INT[np.clip(np.round(np.asarray(x, dtype=np.float64)), 0, 9999).astype(np.intp)]


def _join(parts: list[np.ndarray], sep: str) -> np.ndarray:
    """Element-wise join of string arrays, skipping empty strings; work is proportional to the
    non-empty elements of each part (vectorised over pairs)."""
    acc = np.array(parts[0], dtype=object, copy=True)
    for part in parts[1:]:
        nonempty = part != ""
        if not nonempty.any():
            continue
        both = nonempty & (acc != "")
        acc[both] = _cat(acc[both], sep, part[both])
        only = nonempty & ~both
        acc[only] = part[only]
    return acc


def _phrase(cond: np.ndarray, *parts) -> np.ndarray:
    """``parts`` concatenated where ``cond`` holds, "" elsewhere; only the selected pairs are built."""
    cond = np.asarray(cond, dtype=bool)
    out = np.full(cond.shape, "", dtype=object)
    if cond.any():
        out[cond] = _cat(*(part if isinstance(part, str) else np.broadcast_to(part, cond.shape)[cond]
                           for part in parts))
    return out


def _lookup(names: tuple[str, ...] | list[str], idx: np.ndarray) -> np.ndarray:
    table = np.array(list(names) + [""], dtype=object)
    return table[np.where(idx >= 0, idx, len(names))]


def rationale(p: Prepared, r: BlockResult) -> np.ndarray:
    """A sentence per pair a salesperson can read, e.g. ``"82 — strong topic fit (Technology &
    Computing), 64% of listeners in target countries, no brand-safety conflicts; weak inventory: 40%
    of needed impressions available before flight end"``. Missing data is named, never hidden."""
    c = r.campaign_slice
    s = r.signals
    shape = r.score.shape
    geo, demo, topic, lift, inv, safety = (s[..., k] for k in range(6))

    head = _cat(_int_text(r.score), " — ")

    # Brand safety first when it gates.
    garm = r.conflict_category >= 0
    cat_cols = np.where(garm, r.conflict_category, 0)[..., None]
    show_level = np.take_along_axis(np.broadcast_to(p.show_risk[:, None, :], (*shape, len(GARM_COLUMNS))),
                                    cat_cols, -1)[..., 0]
    accepted_level = np.take_along_axis(np.broadcast_to(p.accepted_risk[c][None, :, :], (*shape, len(GARM_COLUMNS))),
                                        cat_cols, -1)[..., 0]
    conflict_text = _phrase(garm, "brand-safety conflict: ", _lookup([n for _, n in GARM_CATEGORIES], r.conflict_category),
                            " (", _lookup(RISK_LEVELS, show_level), " content, campaign accepts ",
                            _lookup(RISK_LEVELS, accepted_level), ")")
    explicit_conflict = p.show_explicit[:, None] & p.excludes_explicit[c][None, :]
    conflict_text = np.where(~garm & explicit_conflict,
                             "brand-safety conflict: explicit show, campaign excludes explicit content", conflict_text)
    has_safety = np.broadcast_to(p.has_safety[:, None], shape)
    safety_ok = _when(~r.conflict & has_safety & (safety >= 0.5), "no brand-safety conflicts")
    safety_ok = np.where(~r.conflict & has_safety & (safety < 0.5),
                         "no brand-safety conflicts (near the campaign's GARM limits)", safety_ok)
    safety_missing = _when(~has_safety & ~r.conflict, "no brand-safety profile (not gated)")

    # Topic.
    has_topic = np.broadcast_to(p.has_topic[:, None], shape) & (r.best_campaign_topic >= 0)
    topic_name = _lookup(p.topic_names, r.best_campaign_topic)
    topic_strong = _phrase(has_topic & (topic >= 0.7), "strong topic fit (", topic_name, ")")
    partial = has_topic & (topic >= 0.4) & (topic < 0.7)
    topic_strong[partial] = _phrase(partial, "partial topic fit (", topic_name, ")")[partial]
    topic_weak = _phrase(has_topic & (topic < 0.4), "weak topic fit (", topic_name, ")")
    topic_missing = _when(~np.broadcast_to(p.has_topic[:, None], shape), "no show topics on file")
    from_cat = np.broadcast_to(p.campaign_topic_from_category[c][None, :], shape)
    topic_note = _when(from_cat & has_topic, "note: topics taken from the advertiser's IAB category")

    # Geo.
    targets_geo = np.broadcast_to(p.targets_country[c][None, :], shape)
    has_geo = np.broadcast_to(p.has_country[:, None], shape)
    geo_pct = _pct(geo)
    geo_strong = _phrase(targets_geo & has_geo & (geo >= 0.5), geo_pct, " of listeners in target countries")
    geo_weak = _phrase(targets_geo & has_geo & (geo < 0.5), "only ", geo_pct, " of listeners in target countries")
    geo_missing = _when(targets_geo & ~has_geo, "no country profile")

    # Demographics.
    targets_demo = np.broadcast_to(p.targets_demo[c][None, :], shape)
    has_demo = np.broadcast_to(p.has_demo[:, None], shape)
    in_target, match = _pct(r.listener_share_in_demo), _pct(demo)
    # The intersection also rewards the target's shape, so the share in target cells is said beside it.
    demo_strong = _phrase(targets_demo & has_demo & (demo >= 0.3), "demographic match ", match, " (",
                          in_target, " of listeners in target age/gender)")
    demo_weak = _phrase(targets_demo & has_demo & (demo < 0.3), "weak demographic match ", match, " (",
                        in_target, " of listeners in target age/gender)")
    demo_missing = _when(targets_demo & ~has_demo, "no age/gender profile")

    # History.
    n = r.lift_n
    has_history = n > 0
    ratio = np.clip(np.nan_to_num(r.lift_ratio, posinf=99.0), 0, 99.0)
    lift_text = _phrase(has_history, "past IOs here performed ",
                        _TENTHS[np.clip(np.round(ratio * 10), 0, 999).astype(np.intp)], "× the ",
                        _when(r.lift_evidence < 1.0, "category's", "advertiser's"), " average elsewhere (",
                        _int_text(n), _when(n == 1, " IO)", " IOs)"))
    lift_strong = np.where(has_history & (lift > 0.45), lift_text, "")
    lift_weak = np.where(has_history & (lift <= 0.45), lift_text, "")
    lift_missing = _when(~has_history, "no delivery history of this advertiser or its category here (neutral)")

    # Inventory.
    needed = np.broadcast_to(p.needed[c][None, :], shape)
    has_metrics = np.broadcast_to(p.has_metrics[:, None], shape)
    open_days = np.broadcast_to((p.flight_open_end[c] - p.flight_open_start[c] + 1)[None, :], shape)
    known = np.broadcast_to(p.flight_known[c][None, :], shape)
    share_avail = np.where(needed > 0, r.available / np.where(needed > 0, needed, 1.0), 1.0)
    measurable = (needed > 0) & has_metrics & (open_days > 0)
    avail_pct = _pct(np.minimum(share_avail, 9.99))
    inv_strong = _phrase(measurable & (inv >= 0.8) & (share_avail < 1.0), "inventory: ", avail_pct,
                         " of needed impressions available before flight end")
    inv_strong = np.where(measurable & (share_avail >= 1.0),
                          "inventory covers all needed impressions before flight end", inv_strong)
    inv_weak = _phrase(measurable & (inv < 0.8), "weak inventory: ", avail_pct,
                       " of needed impressions available before flight end")
    inv_weak = np.where((needed > 0) & (open_days <= 0), "no inventory: the flight has ended", inv_weak)
    inv_note = _when(needed <= 0, "campaign's impressions already booked")
    inv_missing = _when((needed > 0) & ~has_metrics, "no recent downloads in metrics_daily")
    inv_missing = np.where(np.isnan(needed), "no impressions goal on the campaign", inv_missing)
    flight_missing = _when(~known, f"no flight end date (next {DEFAULT_FLIGHT_DAYS} days assumed)")

    strengths = _join([conflict_text, topic_strong, geo_strong, demo_strong, safety_ok, lift_strong, inv_strong,
                       inv_note], ", ")
    weaknesses = _join([topic_weak, geo_weak, demo_weak, inv_weak, lift_weak], ", ")
    missing = _join([topic_missing, geo_missing, demo_missing, safety_missing, inv_missing, flight_missing, lift_missing], ", ")
    missing = _phrase(missing != "", "missing data: ", missing)
    body = _join([strengths, weaknesses, missing, topic_note], "; ")
    return _cat(head, body)


MATCH_COLUMNS = ("show_id", "campaign_id", "score", *SIGNALS, "brand_safety_conflict", "signals",
                 "weights", "rationale", "input_fingerprint")


# Part of every input fingerprint: change it whenever a formula or the rationale wording changes, so
# that the next run rewrites rows whose inputs did not change.
SCORING_VERSION = "2026.11.2"


def weights_fingerprint(weights: MatchWeights) -> np.uint64:
    """uint64 of the weights and :data:`SCORING_VERSION`."""
    payload = {"weights": weights.as_dict(), "scoring_version": SCORING_VERSION}
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).digest()
    return np.frombuffer(digest[:8], dtype=np.uint64)[0]


def block_rows(p: Prepared, r: BlockResult, weights: MatchWeights) -> pd.DataFrame:
    """The ``matches`` rows of one block: one per (show, campaign), with rationale and fingerprint.

    ``signals`` (jsonb) carries the six signals plus the figures behind them (available and needed
    impressions, listener share in the target demo, history IO count and lift ratio).
    """
    c = r.campaign_slice
    shape = r.score.shape
    show_ids = np.repeat(p.show_ids, shape[1])
    campaign_ids = np.tile(p.campaign_ids[c], shape[0])
    # inputs of the show and of the campaign, the weights and scoring version, and the metrics day
    # the flight is counted from
    fp = _mix(p.show_fp[:, None], p.campaign_fp[c][None, :], np.full(shape, weights_fingerprint(weights)),
              np.full(shape, np.uint64(pd.Timestamp(p.as_of).toordinal())))
    fingerprint = pd.Series(fp.ravel()).map("{:016x}".format).to_numpy()
    frame = pd.DataFrame({"show_id": show_ids, "campaign_id": campaign_ids, "score": r.score.ravel()})
    for k, name in enumerate(SIGNALS):
        frame[name] = r.signals[..., k].ravel()
    frame["brand_safety_conflict"] = r.conflict.ravel()
    details = pd.DataFrame({
        **{name: frame[name] for name in SIGNALS},
        "available_impressions": np.round(r.available.ravel()).astype(np.int64),
        "needed_impressions": np.broadcast_to(p.needed[c][None, :], shape).ravel().round(),
        "listener_share_in_target_demo": np.round(r.listener_share_in_demo.ravel(), 5),
        "history_ios": r.lift_n.ravel().astype(np.int64),
    })
    frame["signals"] = details.to_json(orient="records", lines=True).splitlines() if len(details) else []
    frame["weights"] = json.dumps(weights.signal_weights() | {"conflict_cap": weights.conflict_cap}, sort_keys=True)
    frame["rationale"] = rationale(p, r).ravel()
    frame["input_fingerprint"] = fingerprint
    return frame[list(MATCH_COLUMNS)]


# ---------------------------------------------------------------------------------------------
# Per-pair reference (a plain Python loop over the same prepared arrays), for tests and benchmarks
# ---------------------------------------------------------------------------------------------

def io_index(p: Prepared) -> dict[int, list[int]]:
    """Show row → indices of the IOs holding its inventory (for :func:`score_pair_loop`)."""
    out: dict[int, list[int]] = {}
    for k, i in enumerate(p.io_show.tolist()):
        out.setdefault(i, []).append(k)
    return out


def score_pair_loop(p: Prepared, i: int, j: int, weights: MatchWeights,
                    ios_by_show: dict[int, list[int]] | None = None) -> tuple[float, list[float]]:
    """Score one (show i, campaign j) with scalar Python arithmetic; same formulas as score_block."""
    # geo
    if not p.targets_country[j]:
        geo = 1.0
    elif not p.has_country[i]:
        geo = NEUTRAL
    else:
        geo = min(1.0, sum(a * b for a, b in zip(p.show_country[i], p.target_country[j])))
    # demographics
    if not p.targets_demo[j]:
        demo = 1.0
    elif not p.has_demo[i]:
        demo = NEUTRAL
    else:
        demo = min(1.0, sum(min(a, b) for a, b in zip(p.show_demo[i], p.target_demo[j])))
    # topics
    s_t = [k for k, v in enumerate(p.show_topic[i]) if v > 0]
    c_t = [k for k, v in enumerate(p.campaign_topic[j]) if v > 0]
    if s_t and c_t:
        sim = p.topic_similarity
        covered = sum(max(float(sim[a, b]) for a in s_t) for b in c_t) / len(c_t)
        relevant = sum(max(float(sim[a, b]) for b in c_t) for a in s_t) / len(s_t)
        topic = 0.5 * (covered + relevant)
    else:
        topic = NEUTRAL
    # history
    n, ratio, evidence = 0.0, 1.0, 1.0
    for g_ratio, g_n, ci, level_evidence in p.history:
        g = int(ci[j])
        if g >= 0 and g_n[g, i] > 0:
            n, ratio, evidence = float(g_n[g, i]), float(g_ratio[g, i]), level_evidence
    raw = ratio / (1.0 + ratio) if np.isfinite(ratio) else 1.0
    lift = NEUTRAL + n / (n + weights.lift_prior_ios) * evidence * (raw - NEUTRAL)
    # inventory
    needed = float(p.needed[j])
    if np.isnan(needed):
        inv = NEUTRAL
    elif needed <= 0:
        inv = 1.0
    elif not p.has_metrics[i]:
        inv = NEUTRAL
    else:
        start, end = p.flight_open_start[j], p.flight_open_end[j]
        days = max(end - start + 1, 0)
        booked = 0.0
        own = ios_by_show.get(i, []) if ios_by_show is not None else [
            k for k in range(len(p.io_show)) if p.io_show[k] == i]
        for k in own:
            booked += p.io_daily[k] * max(min(p.io_end[k], end) - max(p.io_start[k], start) + 1, 0)
        inv = min(1.0, max(p.daily_capacity[i] * days - booked, 0.0) / needed)
    # brand safety
    conflict = bool(p.show_explicit[i] and p.excludes_explicit[j])
    margin = 1.0
    for r_k, a_k in zip(p.show_risk[i], p.accepted_risk[j]):
        if r_k > a_k:
            conflict = True
        margin = min(margin, (a_k - r_k + 1) / (a_k + 1))
    safety = 0.0 if conflict else (margin if p.has_safety[i] else NEUTRAL)
    signals = [round(float(x), 5) for x in (geo, demo, topic, lift, inv, safety)]
    w = weights.vector()
    score = 100.0 * sum(a * b for a, b in zip(signals, w)) / float(w.sum())
    if conflict:
        score = min(score, weights.conflict_cap)
    return round(min(max(score, 0.0), 100.0), 2), signals
