"""Owns the rationale: the sentence per (show, campaign) a salesperson reads beside the score.

Pure numpy (no Dagster, no database). Built from a scored block's signals and the figures behind
them; strengths first (a brand-safety conflict leads), then weaknesses, then the data that was
missing, so missing data is named, never hidden.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sponsor_pipeline.matchmaking.inputs import DEFAULT_FLIGHT_DAYS, Prepared
from sponsor_pipeline.vocabulary import GARM_CATEGORIES, GARM_COLUMNS, GARM_RISK_LEVELS

if TYPE_CHECKING:
    from sponsor_pipeline.matchmaking.scoring import BlockResult

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
        out[cond] = _cat(
            *(part if isinstance(part, str) else np.broadcast_to(part, cond.shape)[cond] for part in parts)
        )
    return out


def _lookup(names: tuple[str, ...] | list[str], idx: np.ndarray) -> np.ndarray:
    table = np.array([*list(names), ""], dtype=object)
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
    show_level = np.take_along_axis(
        np.broadcast_to(p.show_risk[:, None, :], (*shape, len(GARM_COLUMNS))), cat_cols, -1
    )[..., 0]
    accepted_level = np.take_along_axis(
        np.broadcast_to(p.accepted_risk[c][None, :, :], (*shape, len(GARM_COLUMNS))), cat_cols, -1
    )[..., 0]
    conflict_text = _phrase(
        garm,
        "brand-safety conflict: ",
        _lookup([n for _, n in GARM_CATEGORIES], r.conflict_category),
        " (",
        _lookup(GARM_RISK_LEVELS, show_level),
        " content, campaign accepts ",
        _lookup(GARM_RISK_LEVELS, accepted_level),
        ")",
    )
    explicit_conflict = p.show_explicit[:, None] & p.excludes_explicit[c][None, :]
    conflict_text = np.where(
        ~garm & explicit_conflict,
        "brand-safety conflict: explicit show, campaign excludes explicit content",
        conflict_text,
    )
    has_safety = np.broadcast_to(p.has_safety[:, None], shape)
    safety_ok = _when(~r.conflict & has_safety & (safety >= 0.5), "no brand-safety conflicts")
    safety_ok = np.where(
        ~r.conflict & has_safety & (safety < 0.5),
        "no brand-safety conflicts (near the campaign's GARM limits)",
        safety_ok,
    )
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
    demo_strong = _phrase(
        targets_demo & has_demo & (demo >= 0.3),
        "demographic match ",
        match,
        " (",
        in_target,
        " of listeners in target age/gender)",
    )
    demo_weak = _phrase(
        targets_demo & has_demo & (demo < 0.3),
        "weak demographic match ",
        match,
        " (",
        in_target,
        " of listeners in target age/gender)",
    )
    demo_missing = _when(targets_demo & ~has_demo, "no age/gender profile")

    # History.
    n = r.lift_n
    has_history = n > 0
    ratio = np.clip(np.nan_to_num(r.lift_ratio, posinf=99.0), 0, 99.0)
    lift_text = _phrase(
        has_history,
        "past IOs here performed ",
        _TENTHS[np.clip(np.round(ratio * 10), 0, 999).astype(np.intp)],
        "× the ",
        _when(r.lift_evidence < 1.0, "category's", "advertiser's"),
        " average elsewhere (",
        _int_text(n),
        _when(n == 1, " IO)", " IOs)"),
    )
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
    inv_strong = _phrase(
        measurable & (inv >= 0.8) & (share_avail < 1.0),
        "inventory: ",
        avail_pct,
        " of needed impressions available before flight end",
    )
    inv_strong = np.where(
        measurable & (share_avail >= 1.0), "inventory covers all needed impressions before flight end", inv_strong
    )
    inv_weak = _phrase(
        measurable & (inv < 0.8), "weak inventory: ", avail_pct, " of needed impressions available before flight end"
    )
    inv_weak = np.where((needed > 0) & (open_days <= 0), "no inventory: the flight has ended", inv_weak)
    inv_note = _when(needed <= 0, "campaign's impressions already booked")
    inv_missing = _when((needed > 0) & ~has_metrics, "no recent downloads in metrics_daily")
    inv_missing = np.where(np.isnan(needed), "no impressions goal on the campaign", inv_missing)
    flight_missing = _when(~known, f"no flight end date (next {DEFAULT_FLIGHT_DAYS} days assumed)")

    strengths = _join(
        [conflict_text, topic_strong, geo_strong, demo_strong, safety_ok, lift_strong, inv_strong, inv_note], ", "
    )
    weaknesses = _join([topic_weak, geo_weak, demo_weak, inv_weak, lift_weak], ", ")
    missing = _join(
        [topic_missing, geo_missing, demo_missing, safety_missing, inv_missing, flight_missing, lift_missing], ", "
    )
    missing = _phrase(missing != "", "missing data: ", missing)
    body = _join([strengths, weaknesses, missing, topic_note], "; ")
    return _cat(head, body)
