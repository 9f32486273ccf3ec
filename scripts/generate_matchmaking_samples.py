"""Generates the matchmaking inputs of the sample network, next to the files generate_samples.py writes.

Reads samples/shows.csv, campaigns.csv, io_bookings.csv and metrics_daily.csv and writes:

* audience_profiles.csv — listener share per show by country and by age band × gender, as Spotify and
  Apple Podcasts report them (Field Notes, a new show, has no age/gender report yet);
* show_topics.csv — IAB Content Taxonomy 3.1 ids: the Apple genre through IAB's Podcast Genre
  Mapping (source apple_genre) plus editorial topics;
* show_brand_safety.csv — GARM risk level per category (Second Shift is not assessed yet);
* campaign_brand_safety.csv, campaign_targets.csv — suitability limits and targeting per campaign;

and holds the plan of the completed IOs' daily promo-code redemptions and vanity-URL visits
(:func:`response_plan`), which generate_response_samples.py writes as the advertisers' exports: the
pipeline derives io_responses from those exports.

Deterministic (seed 20261122): the output is identical byte for byte each time.

Usage (with the package installed, e.g. .venv/bin/python):
    python scripts/generate_matchmaking_samples.py [--samples DIR]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from sponsor_pipeline.matchmaking import load_taxonomy

SEED = 20261122
AS_OF = dt.date(2026, 11, 15)
AGE_BANDS = ("0-17", "18-22", "23-27", "28-34", "35-44", "45-59", "60+")
GENDERS = ("female", "male", "non_binary", "not_specified")
GARM = (
    "garm_adult_sexual",
    "garm_arms_ammunition",
    "garm_crime_harmful_acts",
    "garm_death_injury_conflict",
    "garm_online_piracy",
    "garm_hate_speech",
    "garm_obscenity_profanity",
    "garm_drugs_alcohol_tobacco",
    "garm_spam_harmful",
    "garm_terrorism",
    "garm_sensitive_social_issues",
    "garm_misinformation",
)

# show: country mix (before noise), age centre (band index), spread, female share, editorial topics.
SHOW_AUDIENCE = {
    "nw-tech-talk": (
        {"US": 0.58, "GB": 0.12, "CA": 0.09, "IN": 0.07, "DE": 0.05, "AU": 0.04},
        3.6,
        1.1,
        0.30,
        ["632", "599", "597"],
    ),
    "nw-margin-call": ({"US": 0.71, "CA": 0.10, "GB": 0.07, "AU": 0.04}, 4.6, 1.0, 0.34, ["410", "391"]),
    "nw-founders-hour": ({"US": 0.62, "GB": 0.10, "CA": 0.07, "IN": 0.08, "DE": 0.04}, 3.8, 0.9, 0.38, ["53", "596"]),
    "nw-signal-noise": (
        {"US": 0.55, "GB": 0.13, "CA": 0.08, "DE": 0.06, "IN": 0.06},
        3.1,
        1.0,
        0.27,
        ["596", "597", "632"],
    ),
    "nw-late-checkout": ({"US": 0.78, "CA": 0.08, "GB": 0.05}, 2.2, 0.9, 0.47, ["440", "653"]),
    "nw-second-shift": ({"US": 0.66, "CA": 0.09, "GB": 0.09, "AU": 0.05}, 3.9, 1.1, 0.61, ["127"]),
    "hp-cold-harbor": ({"US": 0.81, "CA": 0.07, "GB": 0.05, "IE": 0.02}, 3.7, 1.2, 0.71, ["380", "383"]),
    "hp-kitchen-table": ({"US": 0.69, "CA": 0.11, "GB": 0.07, "AU": 0.05}, 4.4, 1.1, 0.74, ["216"]),
    "hp-long-run": ({"US": 0.64, "CA": 0.10, "GB": 0.09, "AU": 0.06, "DE": 0.03}, 3.8, 1.0, 0.48, ["227"]),
    "hp-past-tense": ({"US": 0.60, "GB": 0.17, "CA": 0.07, "AU": 0.05, "IE": 0.03}, 4.8, 1.2, 0.38, ["332"]),
    "hp-small-hours": ({"US": 0.74, "CA": 0.09, "GB": 0.06}, 2.0, 0.9, 0.42, ["440"]),
    "hp-field-notes": ({"US": 0.52, "CA": 0.14, "GB": 0.18, "IE": 0.04}, 5.0, 1.1, 0.64, ["259", "467"]),
}
NO_AGE_GENDER_REPORT = {"hp-field-notes"}  # platforms hold back demographics of small audiences

# show: {GARM column: risk level}; unlisted categories are 'none'. Second Shift is not assessed.
SHOW_SAFETY = {
    "nw-tech-talk": {"garm_online_piracy": "low"},
    "nw-margin-call": {},
    "nw-founders-hour": {"garm_obscenity_profanity": "low"},
    "nw-signal-noise": {
        "garm_misinformation": "low",
        "garm_sensitive_social_issues": "low",
        "garm_online_piracy": "low",
    },
    "nw-late-checkout": {
        "garm_obscenity_profanity": "high",
        "garm_adult_sexual": "low",
        "garm_drugs_alcohol_tobacco": "medium",
    },
    "hp-cold-harbor": {"garm_crime_harmful_acts": "medium", "garm_death_injury_conflict": "medium"},
    "hp-kitchen-table": {"garm_drugs_alcohol_tobacco": "low"},
    "hp-long-run": {},
    "hp-past-tense": {
        "garm_death_injury_conflict": "medium",
        "garm_terrorism": "low",
        "garm_crime_harmful_acts": "low",
        "garm_sensitive_social_issues": "low",
    },
    "hp-small-hours": {
        "garm_obscenity_profanity": "high",
        "garm_adult_sexual": "medium",
        "garm_drugs_alcohol_tobacco": "low",
    },
    "hp-field-notes": {},
}

# advertiser suffix: (accepted levels beyond the 'low' default, excludes explicit).
ADVERTISER_SAFETY = {
    "loamwell": ({"garm_obscenity_profanity": "high", "garm_drugs_alcohol_tobacco": "medium"}, False),
    "shieldline": (
        {
            "garm_obscenity_profanity": "high",
            "garm_crime_harmful_acts": "medium",
            "garm_death_injury_conflict": "medium",
            "garm_adult_sexual": "medium",
        },
        False,
    ),
    "ledgerly": ({}, False),
    "crateful": ({"garm_obscenity_profanity": "none"}, True),
    "brightwater": ({"garm_misinformation": "none"}, True),
    "parcelcraft": ({"garm_obscenity_profanity": "medium"}, False),
    "pantrypost": ({}, True),
    "stridewell": ({"garm_obscenity_profanity": "medium"}, False),
    "pawtrail": ({"garm_obscenity_profanity": "none", "garm_death_injury_conflict": "none"}, True),
    "tidewell": ({"garm_misinformation": "none", "garm_crime_harmful_acts": "medium"}, True),
    "driftdune": ({"garm_obscenity_profanity": "medium"}, False),
}

# advertiser suffix: countries, age bands, {gender: weight}, IAB topic ids.
ADVERTISER_TARGETS = {
    "loamwell": (["US", "CA"], ["28-34", "35-44", "45-59"], {"female": 1.0, "male": 1.0}, ["274", "223"]),
    "shieldline": (["US", "GB", "CA", "AU", "DE"], ["18-22", "23-27", "28-34", "35-44"], {}, ["596", "599"]),
    "ledgerly": (["US", "CA", "GB"], ["28-34", "35-44", "45-59"], {}, ["53", "61"]),
    "crateful": (["US"], ["28-34", "35-44", "45-59"], {"female": 2.0, "male": 1.0}, ["216", "210"]),
    "brightwater": (["US"], ["23-27", "28-34", "35-44"], {}, ["391", "392", "410"]),
    "parcelcraft": (["US", "CA", "GB"], ["28-34", "35-44", "45-59"], {}, ["53", "61"]),
    "pantrypost": (["US", "CA"], ["28-34", "35-44", "45-59"], {"female": 2.0, "male": 1.0}, ["216"]),
    "stridewell": (["US", "CA", "GB"], ["23-27", "28-34", "35-44"], {}, ["225", "227"]),
    "pawtrail": (["US", "CA"], ["28-34", "35-44", "45-59", "60+"], {"female": 1.5, "male": 1.0}, ["422", "425"]),
    "tidewell": (["US"], ["23-27", "28-34", "35-44"], {}, ["392", "451"]),
    "driftdune": (["US"], ["28-34", "35-44", "45-59"], {}, ["274", "280"]),
}

# Responses per 1,000 impressions by show (promo, vanity): some audiences answer better than others.
RESPONSE_RATE = {
    "nw-tech-talk": (0.55, 0.9),
    "nw-late-checkout": (0.25, 0.4),
    "nw-founders-hour": (0.7, 1.1),
    "nw-margin-call": (0.45, 0.8),
    "nw-signal-noise": (0.5, 0.7),
    "hp-kitchen-table": (0.9, 1.2),
    "hp-long-run": (0.8, 1.3),
    "hp-cold-harbor": (0.35, 0.5),
}


def advertiser_suffix(advertiser_id: str) -> str:
    return advertiser_id.split("-adv-", 1)[1]


def distribution(rng, centre: float, spread: float, female: float) -> dict[str, float]:
    band = np.exp(-0.5 * ((np.arange(len(AGE_BANDS)) - centre) / spread) ** 2)
    band[0] *= 0.15  # few under-18 listeners
    band = band * rng.lognormal(0, 0.08, len(band))
    band /= band.sum()
    gender = np.array([female, 1 - female - 0.04, 0.015, 0.025]) * rng.lognormal(0, 0.03, 4)
    gender /= gender.sum()
    cells = {f"{a}|{g}": band[i] * gender[k] for i, a in enumerate(AGE_BANDS) for k, g in enumerate(GENDERS)}
    return rounded(cells)


def rounded(shares: dict[str, float]) -> dict[str, float]:
    """Round to 4 decimals keeping the sum at exactly 1 (the largest bucket absorbs the rest)."""
    out = {k: round(v, 4) for k, v in shares.items()}
    top = max(out, key=out.get)
    out[top] = round(out[top] + 1 - sum(out.values()), 4)
    return out


def build_audience(rng, shows, metrics) -> pd.DataFrame:
    recent = metrics[pd.to_datetime(metrics["day"]) > pd.Timestamp(AS_OF - dt.timedelta(days=28))]
    listeners = recent.groupby(["show_id", "source"])["listeners"].sum()
    rows = []
    for show in shows.itertuples(index=False):
        mix, centre, spread, female, _ = SHOW_AUDIENCE[show.show_id]
        for source in ("spotify", "apple_podcasts"):
            total = int(listeners.get((show.show_id, source), 0))
            countries = {c: s * rng.lognormal(0, 0.05) for c, s in mix.items()}
            rest = max(0.0, 1 - sum(countries.values()))
            countries["ZZ"] = rest  # unknown / other
            norm = sum(countries.values())
            shares = rounded({c: s / norm for c, s in sorted(countries.items())})
            for bucket, share in shares.items():
                rows.append(
                    (
                        show.tenant_id,
                        show.show_id,
                        source,
                        "country",
                        bucket,
                        share,
                        round(share * total),
                        AS_OF.isoformat(),
                    )
                )
            if show.show_id in NO_AGE_GENDER_REPORT:
                continue
            for bucket, share in distribution(rng, centre, spread, female).items():
                rows.append(
                    (
                        show.tenant_id,
                        show.show_id,
                        source,
                        "age_gender",
                        bucket,
                        share,
                        round(share * total),
                        AS_OF.isoformat(),
                    )
                )
    return pd.DataFrame(
        rows, columns=["tenant_id", "show_id", "source", "dimension", "bucket", "share", "listeners", "as_of"]
    )


def build_topics(shows) -> pd.DataFrame:
    """The Apple genre through IAB's Podcast Genre Mapping (ids absent from Content Taxonomy 3.1, such
    as 1020 for Tech News, are skipped), plus the editorial topics above."""
    genre_to_topic = load_taxonomy().genre_to_topic
    rows = []
    for show in shows.itertuples(index=False):
        genre_topic = genre_to_topic.get(show.apple_genre)
        if genre_topic:
            rows.append((show.tenant_id, show.show_id, genre_topic, "apple_genre"))
        for topic in SHOW_AUDIENCE[show.show_id][4]:
            if topic != genre_topic:
                rows.append((show.tenant_id, show.show_id, topic, "editorial"))
    return pd.DataFrame(rows, columns=["tenant_id", "show_id", "topic_id", "source"])


def build_show_safety(shows) -> pd.DataFrame:
    rows = []
    for show in shows.itertuples(index=False):
        if show.show_id not in SHOW_SAFETY:
            continue
        levels = SHOW_SAFETY[show.show_id]
        rows.append([show.tenant_id, show.show_id, *(levels.get(c, "none") for c in GARM), "2026-10-30"])
    return pd.DataFrame(rows, columns=["tenant_id", "show_id", *GARM, "assessed_on"])


def build_campaign_safety(campaigns) -> pd.DataFrame:
    rows = []
    for c in campaigns.itertuples(index=False):
        accepted, excludes = ADVERTISER_SAFETY[advertiser_suffix(c.advertiser_id)]
        rows.append(
            [c.tenant_id, c.campaign_id, *(accepted.get(g, "low") for g in GARM), "true" if excludes else "false"]
        )
    return pd.DataFrame(rows, columns=["tenant_id", "campaign_id", *GARM, "excludes_explicit"])


def build_targets(campaigns) -> pd.DataFrame:
    rows = []
    for c in campaigns.itertuples(index=False):
        countries, bands, genders, topics = ADVERTISER_TARGETS[advertiser_suffix(c.advertiser_id)]
        rows += [(c.tenant_id, c.campaign_id, "country", v, "1") for v in countries]
        rows += [(c.tenant_id, c.campaign_id, "age_band", v, "1") for v in bands]
        rows += [(c.tenant_id, c.campaign_id, "gender", g, f"{w:g}") for g, w in genders.items()]
        rows += [(c.tenant_id, c.campaign_id, "topic", v, "1") for v in topics]
    return pd.DataFrame(rows, columns=["tenant_id", "campaign_id", "dimension", "value", "weight"])


def build_responses(rng, ios) -> pd.DataFrame:
    rows = []
    done = ios[(ios["status"] == "completed")]
    for io in done.itertuples(index=False):
        has_promo = isinstance(io.promo_code, str) and io.promo_code != ""
        has_vanity = isinstance(io.vanity_url, str) and io.vanity_url != ""
        if not (has_promo or has_vanity):
            continue
        promo_rate, vanity_rate = RESPONSE_RATE.get(io.show_id, (0.5, 0.8))
        start, end = dt.date.fromisoformat(io.flight_start), dt.date.fromisoformat(io.flight_end)
        days = (end - start).days + 1
        per_day = io.booked_impressions / days / 1000.0
        for n in range(days):
            day = start + dt.timedelta(days=n)
            decay = 1.6 * np.exp(-n / (days / 2.5))  # responses come early in the flight
            promo = int(rng.poisson(promo_rate * per_day * decay)) if has_promo else 0
            vanity = int(rng.poisson(vanity_rate * per_day * decay)) if has_vanity else 0
            if promo or vanity:
                rows.append((io.tenant_id, io.io_id, day.isoformat(), promo, vanity))
    return pd.DataFrame(rows, columns=["tenant_id", "io_id", "day", "promo_redemptions", "vanity_visits"])


def _read_inputs(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    read = {"keep_default_na": False, "dtype": str}
    shows = pd.read_csv(folder / "shows.csv", **read)
    campaigns = pd.read_csv(folder / "campaigns.csv", **read)
    ios = pd.read_csv(folder / "io_bookings.csv", **read).astype({"booked_impressions": int})
    metrics = pd.read_csv(folder / "metrics_daily.csv", usecols=["day", "show_id", "source", "listeners"])
    return shows, campaigns, ios, metrics


def response_plan(folder: Path) -> pd.DataFrame:
    """``tenant_id, io_id, day, promo_redemptions, vanity_visits``: the responses each completed IO
    gets, drawn after the audience profiles from the same seeded generator (so they never change)."""
    shows, _, ios, metrics = _read_inputs(folder)
    rng = np.random.default_rng(SEED)
    build_audience(rng, shows, metrics)
    return build_responses(rng, ios)


def main(argv: list[str] | None = None) -> None:
    default = Path(__file__).resolve().parent.parent / "samples"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, default=default, help="folder to read and write (default: samples/)")
    args = parser.parse_args(argv)
    folder: Path = args.samples
    rng = np.random.default_rng(SEED)
    shows, campaigns, _, metrics = _read_inputs(folder)

    outputs = {
        "audience_profiles.csv": build_audience(rng, shows, metrics),
        "show_topics.csv": build_topics(shows),
        "show_brand_safety.csv": build_show_safety(shows),
        "campaign_brand_safety.csv": build_campaign_safety(campaigns),
        "campaign_targets.csv": build_targets(campaigns),
    }
    for name, frame in outputs.items():
        frame.to_csv(folder / name, index=False, lineterminator="\n", encoding="utf-8", quoting=csv.QUOTE_MINIMAL)
        print(f"{name:<26} {len(frame):>6} rows")


if __name__ == "__main__":
    main()
