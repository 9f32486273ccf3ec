"""Generates seeded benchmark data scaled by one parameter: the number of listener_metrics rows.

The network has one tenant, ``bench``, with ``ceil(rows / (3 × 365))`` episodes over 20 shows, and
one row per (episode, day, source) for 365 days and 3 sources until ``rows`` rows are written.
Files: ``tenants.csv``, ``shows.csv``, ``episodes.csv`` (the reference shapes of ``samples/``) and
``metrics.csv`` (the listener_metrics shape), written in blocks so memory stays flat.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import pandas as pd

TENANT = "bench"
SOURCES = ("megaphone", "spotify", "apple_podcasts")
DAYS = 365
SHOWS = 20
FIRST_DAY = pd.Timestamp("2025-11-01")


def generate(out: Path, rows: int, seed: int = 7, block_rows: int = 500_000) -> dict[str, int]:
    """Write the benchmark files for ``rows`` metric rows into ``out``; returns row counts per file."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    per_episode = DAYS * len(SOURCES)
    episodes = max(1, math.ceil(rows / per_episode))
    pd.DataFrame({"tenant_id": [TENANT], "name": ["Benchmark Network"]}).to_csv(out / "tenants.csv", index=False)
    show_ids = [f"bench-show-{i:02d}" for i in range(SHOWS)]
    pd.DataFrame(
        {
            "tenant_id": TENANT,
            "show_id": show_ids,
            "title": [f"Benchmark Show {i}" for i in range(SHOWS)],
            "slug": [f"show-{i:02d}" for i in range(SHOWS)],
            "apple_genre": "Technology",
            "explicit": "false",
            "language": "en",
            "description": "",
        }
    ).to_csv(out / "shows.csv", index=False)
    episode_ids = np.array([f"bench-ep-{i:06d}" for i in range(episodes)])
    episode_show = np.array(show_ids)[np.arange(episodes) % SHOWS]
    pd.DataFrame(
        {
            "tenant_id": TENANT,
            "episode_id": episode_ids,
            "show_id": episode_show,
            "title": [f"Episode {i}" for i in range(episodes)],
            "published_at": FIRST_DAY.strftime("%Y-%m-%d"),
            "duration_seconds": 2400,
            "ad_slots": 3,
        }
    ).to_csv(out / "episodes.csv", index=False)

    days = (FIRST_DAY + pd.to_timedelta(np.arange(DAYS), unit="D")).strftime("%Y-%m-%d").to_numpy()
    path = out / "metrics.csv"
    written = 0
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("tenant_id,day,show_id,episode_id,source,downloads,listeners,listen_seconds\n")
        while written < rows:
            n = min(block_rows, rows - written)
            index = np.arange(written, written + n)
            episode = index // per_episode
            rest = index % per_episode
            downloads = rng.poisson(400, n)
            listeners = (downloads * rng.uniform(0.5, 0.9, n)).astype(np.int64)
            frame = pd.DataFrame(
                {
                    "tenant_id": TENANT,
                    "day": days[rest // len(SOURCES)],
                    "show_id": episode_show[episode],
                    "episode_id": episode_ids[episode],
                    "source": np.array(SOURCES)[rest % len(SOURCES)],
                    "downloads": downloads,
                    "listeners": listeners,
                    "listen_seconds": listeners * 1500,
                }
            )
            frame.to_csv(handle, header=False, index=False)
            written += n
    return {"episodes": episodes, "metrics": written}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path(".state/bench/data"))
    args = parser.parse_args()
    print(generate(args.out, args.rows))


if __name__ == "__main__":
    main()
