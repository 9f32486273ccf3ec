"""Owns the per-pair reference scorer: a plain Python loop over the same prepared arrays.

Scalar arithmetic, one (show, campaign) at a time, with the formulas of
:mod:`sponsor_pipeline.matchmaking.signals`: tests compare :func:`score_pair_loop` with the vectorised
:func:`sponsor_pipeline.matchmaking.score_block`, and the benchmark times it as the baseline.
"""

from __future__ import annotations

import numpy as np

from sponsor_pipeline.matchmaking import NEUTRAL, MatchWeights, Prepared


def io_index(p: Prepared) -> dict[int, list[int]]:
    """Show row → indices of the IOs holding its inventory (for :func:`score_pair_loop`)."""
    out: dict[int, list[int]] = {}
    for k, i in enumerate(p.io_show.tolist()):
        out.setdefault(i, []).append(k)
    return out


def score_pair_loop(
    p: Prepared, i: int, j: int, weights: MatchWeights, ios_by_show: dict[int, list[int]] | None = None
) -> tuple[float, list[float]]:
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
        own = (
            ios_by_show.get(i, [])
            if ios_by_show is not None
            else [k for k in range(len(p.io_show)) if p.io_show[k] == i]
        )
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
