"""Owns the matchmaking inputs: one tenant's frames (:class:`MatchInputs`) and the arrays scored from them.

Pure numpy/pandas (no Dagster, no database). :func:`prepare` turns one tenant's input frames into
per-show and per-campaign arrays (:class:`Prepared`), one named step per signal's inputs, plus the
fingerprints that tell the writer which pairs changed. Ids are sorted and every frame is put in key
order first, so the result never depends on the order rows were read in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sponsor_pipeline.matchmaking.fingerprints import input_fingerprints
from sponsor_pipeline.matchmaking.history import HistoryLevel, history_tables
from sponsor_pipeline.matchmaking.signals import MatchWeights
from sponsor_pipeline.matchmaking.taxonomy import ContentTaxonomy, load_taxonomy
from sponsor_pipeline.vocabulary import (
    AGE_BANDS,
    AGE_GENDER_CELLS,
    COMMITTED_IO_STATUSES,
    DEFAULT_ACCEPTED_RISK,
    GARM_COLUMNS,
    GARM_FLOOR,
    GARM_RISK_LEVELS,
    GARM_RISK_RANK,
    GENDERS,
    RUNNING_IO_STATUSES,
)

DEFAULT_FLIGHT_DAYS = 28  # a campaign without a flight end is sized over the next four weeks


@dataclass
class MatchInputs:
    """One tenant's inputs, as read from the warehouse (column names are the tables').

    shows: show_id, title, apple_genre, explicit.
    campaigns: campaign_id, advertiser_id, name, flight_start, flight_end, impressions_goal.
    advertisers: advertiser_id, category (IAB id).
    audience: show_id, source, dimension ('country' | 'age_gender' | 'age_band' | 'gender'), bucket,
      share (age_band / gender: marginal shares; see :func:`demographic_cells`).
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
    history: list[HistoryLevel]
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


def _distribution(
    audience: pd.DataFrame, show_index: pd.Index, dimension: str, buckets: list[str]
) -> tuple[np.ndarray, np.ndarray]:
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


def demographic_cells(audience: pd.DataFrame) -> pd.DataFrame:
    """The ``age_gender`` rows the demographic signal reads: per (show, source), the source's own
    age × gender cells when it reports any; else, when it reports marginal shares (``age_band`` and/or
    ``gender``, as Anchor does), cells built from them as the product of the two marginals (each
    normalised to 1; a missing one spread evenly over its buckets). Independence of age and gender
    is the assumption; it is used only for a source that reports no cells, so no source is counted
    twice. Columns: show_id, source, dimension (always ``age_gender``), bucket, share.
    """
    columns = ["show_id", "source", "dimension", "bucket", "share"]
    if audience.empty:
        return pd.DataFrame(columns=columns)
    cells = audience[audience["dimension"] == "age_gender"][columns]
    marginal = audience[audience["dimension"].isin(("age_band", "gender"))]
    with_cells = set(zip(cells["show_id"], cells["source"], strict=True))
    built = []
    for (show_id, source), part in marginal.groupby(["show_id", "source"], sort=True):
        if (show_id, source) in with_cells:
            continue
        bands = _marginal(part, "age_band", AGE_BANDS)
        genders = _marginal(part, "gender", GENDERS)
        if bands is None and genders is None:
            continue
        band_w = bands if bands is not None else np.full(len(AGE_BANDS), 1 / len(AGE_BANDS))
        gender_w = genders if genders is not None else np.full(len(GENDERS), 1 / len(GENDERS))
        share = (band_w[:, None] * gender_w[None, :]).reshape(-1)
        built.append(
            pd.DataFrame(
                {
                    "show_id": show_id,
                    "source": source,
                    "dimension": "age_gender",
                    "bucket": list(AGE_GENDER_CELLS),
                    "share": share,
                }
            )
        )
    return pd.concat([cells, *built], ignore_index=True) if built else cells.reset_index(drop=True)


def _marginal(part: pd.DataFrame, dimension: str, buckets: tuple[str, ...]) -> np.ndarray | None:
    """One source's marginal shares over ``buckets``, normalised to 1 (None when none or all zero)."""
    rows = part[(part["dimension"] == dimension) & part["bucket"].isin(buckets)]
    if rows.empty:
        return None
    values = rows.groupby("bucket")["share"].sum().reindex(list(buckets), fill_value=0.0).to_numpy(dtype=float)
    total = values.sum()
    return values / total if total > 0 else None


def _risk_matrix(frame: pd.DataFrame, key: str, ids: pd.Index, default: str) -> tuple[np.ndarray, np.ndarray]:
    out = np.full((len(ids), len(GARM_COLUMNS)), GARM_RISK_RANK[default], dtype=np.int8)
    has = np.zeros(len(ids), dtype=bool)
    if not frame.empty:
        f = frame[frame[key].isin(ids)].drop_duplicates(key)
        rows = ids.get_indexer(pd.Index(f[key]))
        for k, col in enumerate(GARM_COLUMNS):
            ranks = f[col].map(GARM_RISK_RANK)
            if ranks.isna().any():
                bad = f.loc[ranks.isna(), [key, col]].iloc[0]
                raise ValueError(f"{col}: unknown GARM risk level {bad[col]!r} for {key} {bad[key]}")
            out[rows, k] = ranks.to_numpy(dtype=np.int8)
        has[rows] = True
    return out, has


def _recent(metrics: pd.DataFrame, as_of_n: float, lookback: int) -> pd.DataFrame:
    """The metrics rows within ``lookback`` days before day number ``as_of_n``."""
    if metrics.empty:
        return metrics
    return metrics[_day_number(metrics["day"].to_numpy()) > as_of_n - lookback]


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
    "audience": ["share"],
    "campaign_targets": ["weight"],
    "metrics": ["downloads"],
    "episodes": ["ad_slots"],
    "campaigns": ["impressions_goal"],
}


def prepare(
    inputs: MatchInputs, taxonomy: ContentTaxonomy | None = None, weights: MatchWeights | None = None
) -> Prepared:
    """Build the arrays :func:`score_block` needs; ids are sorted so row order never matters.

    One step per signal's inputs: :func:`_geo`, :func:`_demographics`, :func:`_topics`,
    :func:`~sponsor_pipeline.matchmaking.history.history_tables`, :func:`_daily_capacity`,
    :func:`_flights_and_need`, :func:`_held_inventory`, :func:`_brand_safety`, then
    :func:`sponsor_pipeline.matchmaking.fingerprints.input_fingerprints`.

    Raises:
        ValueError: a GARM column carries an unknown risk level (names the column and id), or a
            campaign accepts GARM floor content.
    """
    taxonomy = taxonomy or load_taxonomy()
    weights = weights or MatchWeights()
    inputs = _canonical(inputs)
    shows = inputs.shows.sort_values("show_id").drop_duplicates("show_id")
    campaigns = inputs.campaigns.sort_values("campaign_id").drop_duplicates("campaign_id")
    show_index = pd.Index(shows["show_id"].astype(str))
    campaign_index = pd.Index(campaigns["campaign_id"].astype(str))
    targets = inputs.campaign_targets[inputs.campaign_targets["campaign_id"].isin(campaign_index)]
    adv = campaigns["advertiser_id"].astype(str).to_numpy()
    as_of_n = float((pd.Timestamp(inputs.as_of) - pd.Timestamp("1970-01-01")).days)
    lookback = weights.inventory_lookback_days
    daily_capacity, has_metrics = _daily_capacity(inputs.metrics, inputs.episodes, show_index, as_of_n, lookback)
    return Prepared(
        show_ids=show_index.to_numpy(dtype=object),
        campaign_ids=campaign_index.to_numpy(dtype=object),
        advertiser_of_campaign=adv,
        **_geo(inputs.audience, targets, show_index, campaign_index),
        **_demographics(inputs.audience, targets, show_index, campaign_index),
        **_topics(inputs, shows, campaigns, targets, taxonomy, show_index, campaign_index),
        history=history_tables(inputs.ios, inputs.advertisers, show_index, adv),
        daily_capacity=daily_capacity,
        has_metrics=has_metrics,
        **_flights_and_need(campaigns, inputs.ios, campaign_index, as_of_n),
        **_held_inventory(inputs.ios, show_index, as_of_n),
        **_brand_safety(inputs, shows, show_index, campaign_index),
        **input_fingerprints(
            inputs, shows, campaigns, show_index, campaign_index, _recent(inputs.metrics, as_of_n, lookback)
        ),
        as_of=inputs.as_of,
    )


def _geo(audience: pd.DataFrame, targets: pd.DataFrame, show_index: pd.Index, campaign_index: pd.Index) -> dict:
    """Geo fields of :class:`Prepared`: countries seen in profiles or targets; each show's listener
    share by country (shows × countries) and each campaign's 0/1 targeted countries (campaigns ×
    countries)."""
    countries = sorted(
        set(audience.loc[audience["dimension"] == "country", "bucket"])
        | set(targets.loc[targets["dimension"] == "country", "value"])
    )
    show_country, has_country = _distribution(audience, show_index, "country", countries)
    target_country = np.zeros((len(campaign_index), len(countries)))
    tc = targets[targets["dimension"] == "country"]
    target_country[
        campaign_index.get_indexer(pd.Index(tc["campaign_id"])), pd.Index(countries).get_indexer(pd.Index(tc["value"]))
    ] = 1.0
    return {
        "countries": tuple(countries),
        "show_country": show_country,
        "has_country": has_country,
        "target_country": target_country,
        "targets_country": target_country.sum(1) > 0,
    }


def _demographics(
    audience: pd.DataFrame, targets: pd.DataFrame, show_index: pd.Index, campaign_index: pd.Index
) -> dict:
    """Demographic fields of :class:`Prepared` over the 7 age bands × 4 genders: each show's listener
    distribution and each campaign's target distribution (the product of its band and gender
    weights, normalised to 1); a campaign targeting only bands takes every gender and vice versa.
    A show's cells come from :func:`demographic_cells` (a source's marginals only when it has no cells)."""
    n_c = len(campaign_index)
    show_demo, has_demo = _distribution(demographic_cells(audience), show_index, "age_gender", list(AGE_GENDER_CELLS))
    band_w = np.zeros((n_c, len(AGE_BANDS)))
    gender_w = np.zeros((n_c, len(GENDERS)))
    tb = targets[targets["dimension"] == "age_band"]
    band_w[
        campaign_index.get_indexer(pd.Index(tb["campaign_id"])), pd.Index(AGE_BANDS).get_indexer(pd.Index(tb["value"]))
    ] = tb["weight"].astype(float)
    tg = targets[targets["dimension"] == "gender"]
    gender_w[
        campaign_index.get_indexer(pd.Index(tg["campaign_id"])), pd.Index(GENDERS).get_indexer(pd.Index(tg["value"]))
    ] = tg["weight"].astype(float)
    targets_demo = (band_w.sum(1) > 0) | (gender_w.sum(1) > 0)
    band_w[band_w.sum(1) == 0] = 1.0
    gender_w[gender_w.sum(1) == 0] = 1.0
    target_demo = (band_w[:, :, None] * gender_w[:, None, :]).reshape(n_c, len(AGE_GENDER_CELLS))
    target_demo = target_demo / target_demo.sum(1, keepdims=True)
    return {"show_demo": show_demo, "has_demo": has_demo, "target_demo": target_demo, "targets_demo": targets_demo}


def _topics(
    inputs: MatchInputs,
    shows: pd.DataFrame,
    campaigns: pd.DataFrame,
    targets: pd.DataFrame,
    taxonomy: ContentTaxonomy,
    show_index: pd.Index,
    campaign_index: pd.Index,
) -> dict:
    """Topic fields of :class:`Prepared`: explicit show topics, else the show's Apple genre through
    IAB's Podcast Genre Mapping; explicit campaign topics, else the advertiser's IAB category. Topics
    outside the shipped taxonomy are dropped; the similarity matrix is restricted to the topics seen."""
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
    from_category = np.zeros(len(campaign_index), dtype=bool)
    from_category[campaign_index.get_indexer(pd.Index(cat["campaign_id"]))] = True
    ct = pd.concat([ct, cat[["campaign_id", "topic_id"]].astype(str)], ignore_index=True)
    topic_ids = tuple(sorted(set(st["topic_id"]) | set(ct["topic_id"])))
    t_index = pd.Index(topic_ids)
    show_topic = np.zeros((len(show_index), len(topic_ids)), dtype=np.float32)
    show_topic[show_index.get_indexer(pd.Index(st["show_id"])), t_index.get_indexer(pd.Index(st["topic_id"]))] = 1.0
    campaign_topic = np.zeros((len(campaign_index), len(topic_ids)), dtype=np.float32)
    campaign_topic[
        campaign_index.get_indexer(pd.Index(ct["campaign_id"])), t_index.get_indexer(pd.Index(ct["topic_id"]))
    ] = 1.0
    tax_idx = np.array([taxonomy.index[t] for t in topic_ids], dtype=np.int64)
    topic_similarity = taxonomy.similarity[np.ix_(tax_idx, tax_idx)] if len(tax_idx) else np.zeros((0, 0), np.float32)
    return {
        "topic_ids": topic_ids,
        "topic_names": tuple(taxonomy.names[i] for i in tax_idx),
        "show_topic": show_topic,
        "has_topic": show_topic.sum(1) > 0,
        "campaign_topic": campaign_topic,
        "campaign_topic_from_category": from_category,
        "topic_similarity": topic_similarity,
    }


def _daily_capacity(
    metrics: pd.DataFrame, episodes: pd.DataFrame, show_index: pd.Index, as_of_n: float, lookback: int
) -> tuple[np.ndarray, np.ndarray]:
    """(impressions a show can sell per day, has recent metrics), both (shows,): mean daily downloads
    over the ``lookback`` days up to ``as_of`` (the largest source per show and day, as hosting
    downloads include the platforms' plays) × mean ad slots per episode published in the last 90
    days (all episodes when none; 1 slot without episodes)."""
    n_s = len(show_index)
    daily_capacity = np.zeros(n_s)
    has_metrics = np.zeros(n_s, dtype=bool)
    if not metrics.empty:
        day_n = _day_number(metrics["day"].to_numpy())
        recent = metrics.assign(day_n=day_n)
        recent = recent[
            (recent["day_n"] > as_of_n - lookback) & (recent["day_n"] <= as_of_n) & recent["show_id"].isin(show_index)
        ]
        if not recent.empty:
            per_source = recent.groupby(["show_id", "day_n", "source"])["downloads"].sum()
            per_day = per_source.groupby(level=[0, 1]).max()
            rate = per_day.groupby(level=0).sum() / lookback
            idx = show_index.get_indexer(rate.index)
            daily_capacity[idx] = rate.to_numpy(dtype=float)
            has_metrics[idx] = True
    eps = episodes[episodes["show_id"].isin(show_index)]
    slots = np.full(n_s, 1.0)
    if not eps.empty:
        pub = _day_number(eps["published_at"].to_numpy())
        recent_eps = eps[(pub > as_of_n - 90) & (pub <= as_of_n)]
        use = recent_eps if not recent_eps.empty else eps
        mean_slots = use.groupby("show_id")["ad_slots"].mean()
        slots[show_index.get_indexer(mean_slots.index)] = mean_slots.to_numpy(dtype=float)
    return daily_capacity * slots, has_metrics


def _flights_and_need(campaigns: pd.DataFrame, ios: pd.DataFrame, campaign_index: pd.Index, as_of_n: float) -> dict:
    """Each campaign's open flight (days after ``as_of`` through its flight end, or the next
    :data:`DEFAULT_FLIGHT_DAYS` without one) and the impressions it still needs: impressions goal −
    impressions booked on its committed IOs (NaN without a goal)."""
    start_n = _day_number(campaigns["flight_start"].to_numpy())
    end_n = _day_number(campaigns["flight_end"].to_numpy())
    flight_known = ~np.isnan(end_n)
    open_start = np.fmax(np.nan_to_num(start_n, nan=as_of_n + 1), as_of_n + 1)
    open_end = np.where(flight_known, end_n, as_of_n + DEFAULT_FLIGHT_DAYS)
    goal = campaigns["impressions_goal"].astype(float).to_numpy()  # NaN: no goal on the campaign
    committed = ios[ios["status"].isin(COMMITTED_IO_STATUSES)] if not ios.empty else ios
    if not committed.empty:
        booked_by_campaign = committed.groupby("campaign_id")["booked_impressions"].sum()
        booked = booked_by_campaign.reindex(campaign_index).fillna(0.0).to_numpy(dtype=float)
    else:
        booked = np.zeros(len(campaign_index))
    return {
        "flight_open_start": open_start,
        "flight_open_end": open_end,
        "flight_known": flight_known,
        "needed": goal - booked,
    }


def _held_inventory(ios: pd.DataFrame, show_index: pd.Index, as_of_n: float) -> dict:
    """The running IOs holding the shows' future inventory: per IO its show row, its remaining
    impressions per remaining flight day (IAB even pacing; booked × remaining ÷ flight days without
    delivery data) and its remaining flight (from the day after ``as_of``)."""
    committed = ios[ios["status"].isin(COMMITTED_IO_STATUSES)] if not ios.empty else ios
    holding = committed[committed["status"].isin(RUNNING_IO_STATUSES)] if not committed.empty else committed
    holding = holding[holding["show_id"].isin(show_index)] if not holding.empty else holding
    if holding.empty:
        return {
            "io_show": np.zeros(0, dtype=np.int64),
            "io_daily": np.zeros(0),
            "io_start": np.zeros(0),
            "io_end": np.zeros(0),
        }
    io_start = np.fmax(_day_number(holding["flight_start"].to_numpy()), as_of_n + 1)
    io_end = _day_number(holding["flight_end"].to_numpy())
    flight_days = io_end - _day_number(holding["flight_start"].to_numpy()) + 1
    remaining_days = np.maximum(io_end - io_start + 1, 0)
    booked_io = holding["booked_impressions"].astype(float).to_numpy()
    delivered = holding["delivered_impressions"].astype(float).to_numpy()
    remaining = np.where(
        np.isnan(delivered),
        booked_io * remaining_days / np.maximum(flight_days, 1),
        np.maximum(booked_io - np.nan_to_num(delivered), 0.0),
    )
    io_daily = np.where(remaining_days > 0, remaining / np.maximum(remaining_days, 1), 0.0)
    return {
        "io_show": show_index.get_indexer(pd.Index(holding["show_id"])),
        "io_daily": io_daily,
        "io_start": io_start,
        "io_end": io_end,
    }


def _brand_safety(inputs: MatchInputs, shows: pd.DataFrame, show_index: pd.Index, campaign_index: pd.Index) -> dict:
    """GARM fields of :class:`Prepared`: each show's risk rank per category (none without a
    profile), each campaign's highest accepted rank (:data:`DEFAULT_ACCEPTED_RISK` without one), the
    shows' explicit flags and the campaigns' explicit exclusions.

    Raises:
        ValueError: an unknown risk level, or a campaign accepting GARM floor content.
    """
    show_risk, has_safety = _risk_matrix(inputs.show_safety, "show_id", show_index, GARM_RISK_LEVELS[0])
    accepted, campaign_has_safety = _risk_matrix(
        inputs.campaign_safety, "campaign_id", campaign_index, DEFAULT_ACCEPTED_RISK
    )
    if (accepted >= GARM_RISK_RANK[GARM_FLOOR]).any():
        raise ValueError("campaign_brand_safety: 'floor' content is never acceptable; use at most 'high'")
    excludes = np.zeros(len(campaign_index), dtype=bool)
    if not inputs.campaign_safety.empty:
        cs = inputs.campaign_safety[inputs.campaign_safety["campaign_id"].isin(campaign_index)]
        excludes[campaign_index.get_indexer(pd.Index(cs["campaign_id"]))] = (
            cs["excludes_explicit"].astype(bool).to_numpy()
        )
    return {
        "show_risk": show_risk,
        "has_safety": has_safety,
        "show_explicit": shows["explicit"].astype(bool).to_numpy(),
        "accepted_risk": accepted,
        "campaign_has_safety": campaign_has_safety,
        "excludes_explicit": excludes,
    }
