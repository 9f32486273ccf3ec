"""Owns the scoring of shows × campaigns in blocks and the ``matches`` rows they become.

Pure numpy/pandas (no Dagster, no database). :func:`score_block` scores every show against a block of
campaigns at once (matrix products and broadcasting, no Python loop per pair); :func:`score_matches`
walks the campaigns in blocks so that peak memory stays at one block (shows × block size);
:func:`block_rows` turns a block into ``matches`` rows with rationale and input fingerprint.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sponsor_pipeline.matchmaking.fingerprints import mix
from sponsor_pipeline.matchmaking.history import history_block
from sponsor_pipeline.matchmaking.inputs import Prepared
from sponsor_pipeline.matchmaking.rationale import rationale
from sponsor_pipeline.matchmaking.signals import (
    NEUTRAL,
    SIGNALS,
    MatchWeights,
    best_match,
    brand_safety,
    combine,
    demographic_overlap,
    geo_overlap,
    historical_lift,
    inventory_fit,
    topic_overlap,
)


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


def score_block(
    p: Prepared, campaigns: slice, weights: MatchWeights, show_best: np.ndarray | None = None
) -> BlockResult:
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
            show_best = best_match(p.show_topic, p.topic_similarity)
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
            - np.maximum(p.io_start[:, None], p.flight_open_start[c][None, :])
            + 1,
            0,
        )
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
    return BlockResult(
        c,
        signals,
        score,
        conflict,
        available,
        in_target,
        best_topic,
        conflict_category,
        lift_ratio,
        lift_n,
        lift_evidence,
    )


def score_matches(p: Prepared, weights: MatchWeights, block_size: int = 64) -> Iterator[BlockResult]:
    """Score all shows × all campaigns of ``p``, ``block_size`` campaigns at a time.

    Peak memory is about shows × block_size × 28 float64 (the demographic intersection).
    """
    show_best = best_match(p.show_topic, p.topic_similarity) if p.topic_ids else None
    for start in range(0, len(p.campaign_ids), block_size):
        yield score_block(p, slice(start, min(start + block_size, len(p.campaign_ids))), weights, show_best)


MATCH_COLUMNS = (
    "show_id",
    "campaign_id",
    "score",
    *SIGNALS,
    "brand_safety_conflict",
    "signals",
    "weights",
    "rationale",
    "input_fingerprint",
)


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
    fp = mix(
        p.show_fp[:, None],
        p.campaign_fp[c][None, :],
        np.full(shape, weights_fingerprint(weights)),
        np.full(shape, np.uint64(pd.Timestamp(p.as_of).toordinal())),
    )
    fingerprint = pd.Series(fp.ravel()).map("{:016x}".format).to_numpy()
    frame = pd.DataFrame({"show_id": show_ids, "campaign_id": campaign_ids, "score": r.score.ravel()})
    for k, name in enumerate(SIGNALS):
        frame[name] = r.signals[..., k].ravel()
    frame["brand_safety_conflict"] = r.conflict.ravel()
    details = pd.DataFrame(
        {
            **{name: frame[name] for name in SIGNALS},
            "available_impressions": np.round(r.available.ravel()).astype(np.int64),
            "needed_impressions": np.broadcast_to(p.needed[c][None, :], shape).ravel().round(),
            "listener_share_in_target_demo": np.round(r.listener_share_in_demo.ravel(), 5),
            "history_ios": r.lift_n.ravel().astype(np.int64),
        }
    )
    frame["signals"] = details.to_json(orient="records", lines=True).splitlines() if len(details) else []
    frame["weights"] = json.dumps(weights.signal_weights() | {"conflict_cap": weights.conflict_cap}, sort_keys=True)
    frame["rationale"] = rationale(p, r).ravel()
    frame["input_fingerprint"] = fingerprint
    return frame[list(MATCH_COLUMNS)]
