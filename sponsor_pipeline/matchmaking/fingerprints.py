"""Owns the matchmaking fingerprints: order-independent uint64 hashes of the inputs per show and campaign.

Pure numpy/pandas. The writer compares them with the stored ones to rewrite only the pairs whose inputs
changed (``matches.input_fingerprint``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sponsor_pipeline.matchmaking.inputs import MatchInputs


def row_fingerprints(frame: pd.DataFrame, key: str, ids: pd.Index) -> np.ndarray:
    """Order-independent uint64 per id: the wrapped sum of its rows' pandas hashes."""
    out = np.zeros(len(ids), dtype=np.uint64)
    if frame.empty:
        return out
    f = frame[frame[key].isin(ids)]
    if f.empty:
        return out
    cols = sorted(f.columns)
    hashed = pd.util.hash_pandas_object(f[cols].astype(str), index=False).to_numpy(dtype=np.uint64)
    idx = ids.get_indexer(pd.Index(f[key]))
    np.add.at(out, idx, hashed)
    return out


def mix(*parts: np.ndarray) -> np.ndarray:
    """splitmix64-style mixing of uint64 arrays (broadcasting)."""
    with np.errstate(over="ignore"):
        h = np.uint64(0x9E3779B97F4A7C15)
        for p in parts:
            h = (h ^ p.astype(np.uint64)) * np.uint64(0xBF58476D1CE4E5B9)
            h = h ^ (h >> np.uint64(31))
    return np.asarray(h)


def input_fingerprints(
    inputs: MatchInputs,
    shows: pd.DataFrame,
    campaigns: pd.DataFrame,
    show_index: pd.Index,
    campaign_index: pd.Index,
    recent_metrics: pd.DataFrame,
) -> dict:
    """uint64 per show (``show_fp``) and per campaign (``campaign_fp``) over every input row that can
    change its signals; ``recent_metrics`` are the metrics rows within the inventory look-back."""
    category = inputs.advertisers.set_index("advertiser_id")["category"]
    show_fp = mix(
        row_fingerprints(shows, "show_id", show_index),
        row_fingerprints(inputs.audience, "show_id", show_index),
        row_fingerprints(inputs.show_topics, "show_id", show_index),
        row_fingerprints(inputs.show_safety, "show_id", show_index),
        row_fingerprints(inputs.episodes, "show_id", show_index),
        row_fingerprints(inputs.ios, "show_id", show_index),
        row_fingerprints(recent_metrics, "show_id", show_index),
    )
    campaign_fp = mix(
        row_fingerprints(campaigns, "campaign_id", campaign_index),
        row_fingerprints(inputs.campaign_targets, "campaign_id", campaign_index),
        row_fingerprints(inputs.campaign_safety, "campaign_id", campaign_index),
        row_fingerprints(inputs.ios, "campaign_id", campaign_index),
        row_fingerprints(
            campaigns[["campaign_id"]].assign(category=campaigns["advertiser_id"].map(category)),
            "campaign_id",
            campaign_index,
        ),
    )
    return {"show_fp": show_fp, "campaign_fp": campaign_fp}
