"""Owns seeded synthetic matchmaking inputs of any size, for benchmarks and property tests.

:func:`synthetic_inputs` builds a :class:`sponsor_pipeline.matchmaking.MatchInputs` for one tenant with
``n_shows`` shows and ``n_campaigns`` open campaigns: audience profiles from two sources, 1–3 IAB
topics per show and campaign, GARM profiles, 28 days of show-level downloads, episodes, committed and
completed IOs with delivery and responses. The same seed always gives the same frames.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from sponsor_pipeline.matchmaking import MatchInputs, load_taxonomy
from sponsor_pipeline.vocabulary import AGE_BANDS, AGE_GENDER_CELLS, GARM_COLUMNS, GARM_RISK_LEVELS, GENDERS

COUNTRIES = ("US", "GB", "CA", "AU", "DE", "FR", "IN", "IE", "NL", "BR", "MX", "ZZ")


def synthetic_inputs(
    n_shows: int,
    n_campaigns: int,
    seed: int = 7,
    as_of: dt.date = dt.date(2026, 11, 15),
    n_advertisers: int | None = None,
    days: int = 28,
) -> MatchInputs:
    """Seeded inputs of the given size (row counts scale linearly with shows and campaigns)."""
    rng = np.random.default_rng(seed)
    taxonomy = load_taxonomy()
    topics = np.array(taxonomy.ids)
    show_ids = np.array([f"show-{i:06d}" for i in range(n_shows)], dtype=object)
    campaign_ids = np.array([f"cmp-{j:06d}" for j in range(n_campaigns)], dtype=object)
    n_adv = n_advertisers or max(1, n_campaigns // 4)
    adv_ids = np.array([f"adv-{k:05d}" for k in range(n_adv)], dtype=object)
    genres = np.array(sorted(taxonomy.genre_to_topic))

    shows = pd.DataFrame(
        {
            "show_id": show_ids,
            "title": [f"Show {i}" for i in range(n_shows)],
            "apple_genre": rng.choice(genres, n_shows),
            "explicit": rng.random(n_shows) < 0.15,
        }
    )
    advertisers = pd.DataFrame({"advertiser_id": adv_ids, "category": rng.choice(topics, n_adv)})
    start = np.array([as_of + dt.timedelta(days=int(d)) for d in rng.integers(-10, 60, n_campaigns)])
    length = rng.integers(14, 90, n_campaigns)
    campaigns = pd.DataFrame(
        {
            "campaign_id": campaign_ids,
            "advertiser_id": rng.choice(adv_ids, n_campaigns),
            "name": [f"Campaign {j}" for j in range(n_campaigns)],
            "stage": "proposal",
            "flight_start": start,
            "flight_end": [s + dt.timedelta(days=int(n)) for s, n in zip(start, length)],
            "impressions_goal": rng.integers(20_000, 3_000_000, n_campaigns),
            "target_cpm": 25.0,
        }
    )

    # Audience: two sources per show; country and age × gender distributions (Dirichlet).
    frames = []
    for source in ("spotify", "apple_podcasts"):
        country = rng.dirichlet(np.full(len(COUNTRIES), 0.6), n_shows)
        frames.append(
            pd.DataFrame(
                {
                    "show_id": np.repeat(show_ids, len(COUNTRIES)),
                    "source": source,
                    "dimension": "country",
                    "bucket": np.tile(COUNTRIES, n_shows),
                    "share": country.ravel().round(6),
                }
            )
        )
        demo = rng.dirichlet(np.full(len(AGE_GENDER_CELLS), 0.5), n_shows)
        frames.append(
            pd.DataFrame(
                {
                    "show_id": np.repeat(show_ids, len(AGE_GENDER_CELLS)),
                    "source": source,
                    "dimension": "age_gender",
                    "bucket": np.tile(AGE_GENDER_CELLS, n_shows),
                    "share": demo.ravel().round(6),
                }
            )
        )
    audience = pd.concat(frames, ignore_index=True)
    audience = audience[audience["share"] > 0.001].reset_index(drop=True)

    k_show = rng.integers(1, 4, n_shows)
    show_topics = pd.DataFrame(
        {"show_id": np.repeat(show_ids, k_show), "topic_id": rng.choice(topics, int(k_show.sum()))}
    ).drop_duplicates()
    k_cmp = rng.integers(1, 4, n_campaigns)
    topic_targets = pd.DataFrame(
        {
            "campaign_id": np.repeat(campaign_ids, k_cmp),
            "dimension": "topic",
            "value": rng.choice(topics, int(k_cmp.sum())),
            "weight": 1.0,
        }
    )
    k_cty = rng.integers(1, 5, n_campaigns)
    country_targets = pd.DataFrame(
        {
            "campaign_id": np.repeat(campaign_ids, k_cty),
            "dimension": "country",
            "value": rng.choice(np.array(COUNTRIES[:-1]), int(k_cty.sum())),
            "weight": 1.0,
        }
    )
    k_band = rng.integers(1, 4, n_campaigns)
    band_targets = pd.DataFrame(
        {
            "campaign_id": np.repeat(campaign_ids, k_band),
            "dimension": "age_band",
            "value": rng.choice(np.array(AGE_BANDS), int(k_band.sum())),
            "weight": 1.0,
        }
    )
    gender_targets = pd.DataFrame(
        {
            "campaign_id": campaign_ids,
            "dimension": "gender",
            "value": rng.choice(np.array(GENDERS[:2]), n_campaigns),
            "weight": rng.choice([1.0, 2.0], n_campaigns),
        }
    )
    campaign_targets = pd.concat([topic_targets, country_targets, band_targets, gender_targets], ignore_index=True)
    campaign_targets = campaign_targets.drop_duplicates(["campaign_id", "dimension", "value"]).reset_index(drop=True)

    show_levels = np.array(GARM_RISK_LEVELS)
    risk_p = [0.93, 0.05, 0.015, 0.004, 0.001]
    show_safety = pd.DataFrame(
        {"show_id": show_ids, **{c: rng.choice(show_levels, n_shows, p=risk_p) for c in GARM_COLUMNS}}
    )
    campaign_safety = pd.DataFrame(
        {
            "campaign_id": campaign_ids,
            **{c: rng.choice(show_levels[:4], n_campaigns, p=[0.04, 0.46, 0.35, 0.15]) for c in GARM_COLUMNS},
            "excludes_explicit": rng.random(n_campaigns) < 0.5,
        }
    )

    daily = rng.lognormal(7.5, 1.2, n_shows)
    day_list = [as_of - dt.timedelta(days=d) for d in range(days)]
    metrics = pd.DataFrame(
        {
            "show_id": np.repeat(show_ids, days),
            "day": np.tile(day_list, n_shows),
            "source": "megaphone",
            "downloads": np.round(np.repeat(daily, days) * rng.lognormal(0, 0.1, n_shows * days)),
        }
    )
    episodes = pd.DataFrame(
        {"show_id": show_ids, "published_at": as_of - dt.timedelta(days=7), "ad_slots": rng.integers(2, 5, n_shows)}
    )

    # IOs: ~2 per show, half completed (history), half holding inventory.
    n_io = 2 * n_shows
    io_show = rng.choice(show_ids, n_io)
    io_adv = rng.choice(adv_ids, n_io)
    completed = rng.random(n_io) < 0.5
    io_start = np.array(
        [
            as_of + dt.timedelta(days=int(d))
            for d in np.where(completed, rng.integers(-80, -40, n_io), rng.integers(-10, 40, n_io))
        ]
    )
    io_end = np.array([s + dt.timedelta(days=int(n)) for s, n in zip(io_start, rng.integers(14, 35, n_io))])
    booked = rng.integers(5_000, 200_000, n_io).astype(float)
    ios = pd.DataFrame(
        {
            "io_id": [f"io-{i:07d}" for i in range(n_io)],
            "campaign_id": "cmp-history",
            "advertiser_id": io_adv,
            "show_id": io_show,
            "status": np.where(completed, "completed", rng.choice(["scheduled", "live", "paused"], n_io)),
            "flight_start": io_start,
            "flight_end": io_end,
            "booked_impressions": booked,
            "delivered_impressions": np.where(completed, np.round(booked * rng.uniform(0.6, 1.2, n_io)), np.nan),
            "responses": np.where(completed & (rng.random(n_io) < 0.6), rng.poisson(booked / 1000.0), np.nan),
        }
    )
    return MatchInputs(
        shows=shows,
        campaigns=campaigns,
        advertisers=advertisers,
        audience=audience,
        show_topics=show_topics,
        show_safety=show_safety,
        campaign_safety=campaign_safety,
        campaign_targets=campaign_targets,
        metrics=metrics,
        episodes=episodes,
        ios=ios,
        as_of=as_of,
    )
