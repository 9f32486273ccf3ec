"""Benchmark: scoring shows × campaigns (default 10,000 × 2,000 = 20M pairs) on synthetic, seeded inputs.

Prints the absolute time of the vectorised scorer (signals + score for every pair, in campaign blocks),
the time to turn pairs into ``matches`` rows (rationale + fingerprint) measured on a few blocks and
scaled up, peak memory, and the ratio against a per-pair Python loop (the same formulas,
:func:`sponsor_pipeline_tests.fakes.pair_loop.score_pair_loop`) timed on a 1% sample of pairs and scaled up.

Usage:
    .venv/bin/python benchmarks/match_scores.py [--shows 10000] [--campaigns 2000] [--block 64]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from benchmarks.common import Row
from sponsor_pipeline import matchmaking
from sponsor_pipeline_tests.fakes.pair_loop import io_index, score_pair_loop
from sponsor_pipeline_tests.fakes.synthetic import synthetic_inputs


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shows", type=int, default=10_000)
    parser.add_argument("--campaigns", type=int, default=2_000)
    parser.add_argument("--block", type=int, default=64, help="campaigns per block")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sample", type=float, default=0.01, help="share of pairs for the per-pair loop")
    parser.add_argument("--row-blocks", type=int, default=3, help="blocks turned into matches rows")
    parser.add_argument(
        "--row-block", type=int, default=5, help="campaigns per block for rows (as the asset: 50k pairs)"
    )
    args = parser.parse_args(argv)
    weights = matchmaking.MatchWeights()
    pairs = args.shows * args.campaigns

    t0 = time.perf_counter()
    inputs = synthetic_inputs(args.shows, args.campaigns, seed=args.seed)
    t_gen = time.perf_counter() - t0
    print(
        f"inputs: {args.shows:,} shows × {args.campaigns:,} campaigns = {pairs:,} pairs "
        f"(generated in {t_gen:.1f}s; {len(inputs.audience):,} audience rows, {len(inputs.ios):,} IOs)"
    )

    t0 = time.perf_counter()
    prepared = matchmaking.prepare(inputs, weights=weights)
    t_prep = time.perf_counter() - t0

    t0 = time.perf_counter()
    checksum = 0.0
    conflicts = 0
    for block in matchmaking.score_matches(prepared, weights, args.block):
        checksum += float(block.score.sum())
        conflicts += int(block.conflict.sum())
    t_score = time.perf_counter() - t0
    vectorised = t_prep + t_score
    print(
        f"vectorised: prepare {t_prep:.2f}s + score {t_score:.2f}s = {vectorised:.2f}s "
        f"({pairs / vectorised / 1e6:.2f}M pairs/s; mean score {checksum / pairs:.2f}, "
        f"{conflicts / pairs:.1%} brand-safety conflicts)"
    )

    t0 = time.perf_counter()
    n_rows = 0
    for k, block in enumerate(matchmaking.score_matches(prepared, weights, args.row_block)):
        if k >= args.row_blocks:
            break
        n_rows += len(matchmaking.block_rows(prepared, block, weights))
    t_rows = (time.perf_counter() - t0) / max(n_rows, 1) * pairs
    print(
        f"matches rows (scores + rationale + fingerprint): {n_rows:,} rows timed, "
        f"{t_rows:.1f}s scaled to {pairs:,} pairs"
    )

    rng = np.random.default_rng(args.seed)
    n_sample = max(1, int(pairs * args.sample))
    shows = rng.integers(0, args.shows, n_sample)
    campaigns = rng.integers(0, args.campaigns, n_sample)
    ios_by_show = io_index(prepared)
    t0 = time.perf_counter()
    for i, j in zip(shows.tolist(), campaigns.tolist()):
        score_pair_loop(prepared, i, j, weights, ios_by_show)
    t_loop_sample = time.perf_counter() - t0
    t_loop = t_loop_sample / n_sample * pairs + t_prep
    print(
        f"per-pair Python loop: {n_sample:,} pairs in {t_loop_sample:.1f}s → {t_loop:.0f}s scaled to "
        f"{pairs:,} pairs (+ the same prepare)"
    )
    print(f"ratio: per-pair loop / vectorised = {t_loop / vectorised:.0f}×")
    print(f"peak memory (max RSS): {peak_rss_mib():,.0f} MiB")
    size = f"{args.shows:,} shows × {args.campaigns:,} campaigns"
    full = args.shows >= 10_000 and args.campaigns >= 2_000
    return [
        Row(
            "match_scores, vectorised vs per-pair Python loop",
            size,
            f"{vectorised:.1f} s ({pairs / vectorised / 1e6:.2f}M pairs/s), peak {peak_rss_mib():,.0f} MiB",
            f"loop {t_loop:.0f} s (on {n_sample:,} pairs, scaled)",
            t_loop / vectorised,
            "< 30 s at 10,000 × 2,000",
            (vectorised < 30) if full else True,
        )
    ]


if __name__ == "__main__":
    main()
