"""Owns the pandera schemas: one per input shape (listener metrics and each reference table).

Every CSV, sheet or platform export is read as strings, then validated and coerced by one of these
schemas (``coerce=True``), lazily, so that every failing cell is reported at once. No Dagster or
database imports here.

Units: ``downloads`` counts downloads (hosting) or plays/streams (platforms) per day, counted as the
IAB Podcast Measurement Technical Guidelines v2.2 describe; ``listeners`` are unique listeners that
day as reported by the source; ``listen_seconds`` is the total seconds listened; ``cpm`` and
``target_cpm`` are USD per 1,000 impressions; ``budget`` is USD.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pandas as pd
import pandera.pandas as pa

from sponsor_pipeline.vocabulary import (
    ACCEPTABLE_RISK_LEVELS,
    AD_POSITIONS,
    AGE_BANDS,
    AUDIENCE_DIMENSIONS,
    AUDIENCE_SIZE_METRICS,
    DEAL_STAGES,
    GARM_COLUMNS,
    GARM_RISK_LEVELS,
    GENDERS,
    IO_STATUSES,
    MAX_ATTRIBUTION_WINDOW_DAYS,
    PACING_MODES,
    READ_TYPES,
    REDEMPTION_SOURCES,
    SHOW_TOPIC_SOURCES,
    TARGET_DIMENSIONS,
    VISIT_SOURCES,
)

SLUG = r"^[a-z0-9][a-z0-9-]*$"
IDENT = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"
SOURCE = r"^[a-z][a-z0-9_]*$"
MAX_ID = 200

# Podcast download measurement starts with RSS enclosures (2004); a metric dated later than
# tomorrow (UTC) is a typo or a clock error.
EARLIEST_METRIC_DAY = pd.Timestamp("2004-01-01")


def _latest_metric_day() -> pd.Timestamp:
    return pd.Timestamp(datetime.now(UTC).date() + timedelta(days=1))


# Text columns are pandas Categoricals: string checks then run once per distinct value.
TEXT = "category"


def _id(nullable: bool = False, pattern: str = IDENT) -> pa.Column:
    return pa.Column(
        TEXT,
        checks=[pa.Check.str_matches(pattern), pa.Check.str_length(1, MAX_ID)],
        nullable=nullable,
    )


def _text(nullable: bool = False, max_len: int = 2_000) -> pa.Column:
    return pa.Column(TEXT, checks=pa.Check.str_length(0 if nullable else 1, max_len), nullable=nullable)


def _count(nullable: bool = False) -> pa.Column:
    return pa.Column("Int64", checks=pa.Check.ge(0), nullable=nullable)


def _date(nullable: bool = False) -> pa.Column:
    return pa.Column("datetime64[ns]", nullable=nullable)


def _money(nullable: bool = True) -> pa.Column:
    return pa.Column(float, checks=[pa.Check.ge(0), pa.Check.le(1e12)], nullable=nullable)


_TRUE_WORDS = frozenset({"true", "t", "1", "yes", "y"})
_FALSE_WORDS = frozenset({"false", "f", "0", "no", "n"})


def _parse_bool(values: pd.Series) -> pd.Series:
    """``'true'``/``'false'`` (also t/f, 1/0, yes/no, any case) → bool; anything else is left as is
    and fails the ``boolean`` coercion (a plain ``bool`` cast would turn ``'false'`` into True)."""

    def one(v):
        if not isinstance(v, str):
            return v
        word = v.strip().lower()
        return True if word in _TRUE_WORDS else False if word in _FALSE_WORDS else v

    return values.map(one)


def _bool() -> pa.Column:
    return pa.Column("boolean", parsers=pa.Parser(_parse_bool), nullable=False)


LISTENER_METRICS = pa.DataFrameSchema(
    {
        "tenant_id": _id(pattern=SLUG),
        "day": pa.Column(
            "datetime64[ns]",
            checks=[
                pa.Check.ge(EARLIEST_METRIC_DAY, error="day before 2004-01-01"),
                pa.Check(lambda s: s <= _latest_metric_day(), element_wise=False, error="day after tomorrow"),
            ],
        ),
        "show_id": _id(nullable=True),
        "episode_id": _id(nullable=True),
        "source": pa.Column(TEXT, checks=[pa.Check.str_matches(SOURCE), pa.Check.str_length(1, 64)]),
        "downloads": _count(),
        "listeners": _count(nullable=True),
        "listen_seconds": _count(nullable=True),
    },
    checks=[
        pa.Check(
            lambda df: df["show_id"].notna() | df["episode_id"].notna(),
            error="show_id and episode_id are both empty",
        )
    ],
    coerce=True,
    strict=False,
    name="listener_metrics",
)

TENANTS = pa.DataFrameSchema({"tenant_id": _id(pattern=SLUG), "name": _text()}, coerce=True, name="tenants")

SHOWS = pa.DataFrameSchema(
    {
        "tenant_id": _id(pattern=SLUG),
        "show_id": _id(),
        "title": _text(),
        "slug": _id(pattern=SLUG),
        "apple_genre": _text(nullable=True, max_len=200),
        "explicit": _bool(),
        "language": pa.Column(TEXT, checks=pa.Check.str_length(2, 16), nullable=False),
        "description": _text(nullable=True, max_len=10_000),
        # the show's RSS feed, read by the episode catalogue; optional in a shows file
        "feed_url": pa.Column(TEXT, checks=pa.Check.str_matches(r"^https?://\S+$"), nullable=True, required=False),
    },
    coerce=True,
    name="shows",
)

EPISODES = pa.DataFrameSchema(
    {
        "tenant_id": _id(pattern=SLUG),
        "episode_id": _id(),
        "show_id": _id(),
        "title": _text(),
        "published_at": _date(),
        "duration_seconds": pa.Column("Int64", checks=pa.Check.gt(0)),
        "ad_slots": pa.Column("Int64", checks=pa.Check.in_range(0, 20)),
    },
    coerce=True,
    name="episodes",
)

ADVERTISERS = pa.DataFrameSchema(
    {
        "tenant_id": _id(pattern=SLUG),
        "advertiser_id": _id(),
        "name": _text(),
        "category": _text(nullable=True, max_len=64),
        "domain": _text(nullable=True, max_len=255),
    },
    coerce=True,
    name="advertisers",
)

CAMPAIGNS = pa.DataFrameSchema(
    {
        "tenant_id": _id(pattern=SLUG),
        "campaign_id": _id(),
        "advertiser_id": _id(),
        "name": _text(),
        "stage": pa.Column(TEXT, checks=pa.Check.isin(DEAL_STAGES)),
        "stage_changed_at": pa.Column(pd.DatetimeTZDtype(tz="UTC")),
        "flight_start": _date(nullable=True),
        "flight_end": _date(nullable=True),
        "budget": _money(),
        "target_cpm": _money(),
        "impressions_goal": _count(nullable=True),
        # optional column: days after flight end a response still counts (empty: keep / default 30)
        "attribution_window_days": pa.Column(
            "Int64", checks=pa.Check.in_range(0, MAX_ATTRIBUTION_WINDOW_DAYS), nullable=True, required=False
        ),
    },
    checks=[
        pa.Check(
            lambda df: df["flight_end"].isna() | df["flight_start"].isna() | (df["flight_end"] >= df["flight_start"]),
            error="flight_end before flight_start",
        )
    ],
    coerce=True,
    name="campaigns",
)

AD_UNITS = pa.DataFrameSchema(
    {
        "tenant_id": _id(pattern=SLUG),
        "ad_unit_id": _id(),
        "name": _text(),
        "position": pa.Column(TEXT, checks=pa.Check.isin(AD_POSITIONS)),
        "duration_seconds": pa.Column("Int64", checks=pa.Check.in_range(1, 600)),
        "read_type": pa.Column(TEXT, checks=pa.Check.isin(READ_TYPES)),
    },
    coerce=True,
    name="ad_units",
)

IO_BOOKINGS = pa.DataFrameSchema(
    {
        "tenant_id": _id(pattern=SLUG),
        "io_id": _id(),
        "campaign_id": _id(),
        "show_id": _id(),
        "episode_id": _id(nullable=True),
        "ad_unit_id": _id(nullable=True),
        "flight_start": _date(),
        "flight_end": _date(),
        "booked_impressions": pa.Column("Int64", checks=pa.Check.gt(0)),
        "cpm": _money(nullable=False),
        "status": pa.Column(TEXT, checks=pa.Check.isin(IO_STATUSES)),
        "promo_code": pa.Column(TEXT, checks=pa.Check.str_matches(r"^[A-Z0-9]{3,32}$"), nullable=True),
        "vanity_url": pa.Column(TEXT, checks=pa.Check.str_matches(r"^https?://\S+$"), nullable=True),
        # optional columns (empty: the IO keeps its stored mode and goal; a new IO paces evenly)
        "pacing_mode": pa.Column(TEXT, checks=pa.Check.isin(PACING_MODES), nullable=True, required=False),
        "daily_goal_impressions": pa.Column("Int64", checks=pa.Check.gt(0), nullable=True, required=False),
    },
    checks=[
        pa.Check(lambda df: df["flight_end"] >= df["flight_start"], error="flight_end before flight_start"),
        pa.Check(
            lambda df: (df["pacing_mode"] != "daily_goal") | df["daily_goal_impressions"].notna(),
            error="pacing_mode daily_goal without daily_goal_impressions",
        ),
    ],
    coerce=True,
    name="io_bookings",
)


# --- Platform exports and audience profiles ---------------------------------------------------
# A platform export may report only some measures for a day (Spotify's ``listeners`` series has no
# plays; Apple withholds values below its privacy threshold): every measure is optional, but a row
# must carry at least one. CSVs and sheets keep ``LISTENER_METRICS`` (downloads required).
LISTENER_METRICS_EXPORT = pa.DataFrameSchema(
    {**LISTENER_METRICS.columns, "downloads": _count(nullable=True)},
    checks=[
        *(LISTENER_METRICS.checks or []),
        pa.Check(
            lambda df: df[["downloads", "listeners", "listen_seconds"]].notna().any(axis=1),
            error="no measure reported (downloads, listeners and listen_seconds all empty)",
        ),
    ],
    coerce=True,
    strict=False,
    name="listener_metrics_export",
)

# Per-episode downloads since release, as a host's window export reports them
# (sponsor_pipeline/window_exports.py): one row per (episode, window, export day).
EPISODE_DOWNLOAD_WINDOWS = pa.DataFrameSchema(
    {
        "tenant_id": _id(pattern=SLUG),
        "show_id": _id(),
        "episode_id": _id(),
        "source": pa.Column(TEXT, checks=[pa.Check.str_matches(SOURCE), pa.Check.str_length(1, 64)]),
        "window_days": pa.Column("Int64", checks=[pa.Check.gt(0), pa.Check.le(36_500)], nullable=True),
        "as_of": _date(),
        "downloads": _count(),
        "released_on": _date(nullable=True),
    },
    coerce=True,
    strict=False,
    name="episode_download_windows",
)

# --- Matchmaking inputs: audience profiles, direct response, show topics, brand safety, targets ---

# "<age band>|<gender>" (vocabulary.AGE_GENDER_CELLS), as audience_profiles' CHECK constraint spells it.
AGE_GENDER_BUCKET = rf"^({'|'.join(map(re.escape, AGE_BANDS))})\|({'|'.join(map(re.escape, GENDERS))})$"
IAB_TOPIC_ID = r"^[A-Za-z0-9]{1,16}$"

AUDIENCE_PROFILES = pa.DataFrameSchema(
    {
        "tenant_id": _id(pattern=SLUG),
        "show_id": _id(),
        "source": pa.Column(str, checks=[pa.Check.str_matches(SOURCE), pa.Check.str_length(1, 64)]),
        "dimension": pa.Column(str, checks=pa.Check.isin(AUDIENCE_DIMENSIONS)),
        "bucket": pa.Column(str, checks=pa.Check.str_length(1, 64)),
        "share": pa.Column(float, checks=[pa.Check.ge(0), pa.Check.le(1)]),
        "listeners": _count(nullable=True),
        "as_of": _date(),
    },
    checks=[
        pa.Check(
            lambda df: (df["dimension"] != "country") | df["bucket"].str.fullmatch(r"[A-Z]{2}"),
            error="country bucket is not an ISO 3166-1 alpha-2 code",
        ),
        pa.Check(
            lambda df: (df["dimension"] != "age_gender") | df["bucket"].str.fullmatch(AGE_GENDER_BUCKET),
            error="age_gender bucket is not '<age band>|<gender>'",
        ),
        pa.Check(
            lambda df: (df["dimension"] != "age_band") | df["bucket"].isin(AGE_BANDS),
            error="age_band bucket is not one of the vocabulary's age bands",
        ),
        pa.Check(
            lambda df: (df["dimension"] != "gender") | df["bucket"].isin(GENDERS),
            error="gender bucket is not one of the vocabulary's genders",
        ),
    ],
    coerce=True,
    name="audience_profiles",
)

# A show's follower count or audience size on one day, as a platform reports it (show_audience_size).
SHOW_AUDIENCE_SIZE = pa.DataFrameSchema(
    {
        "tenant_id": _id(pattern=SLUG),
        "show_id": _id(),
        "source": pa.Column(TEXT, checks=[pa.Check.str_matches(SOURCE), pa.Check.str_length(1, 64)]),
        "metric": pa.Column(TEXT, checks=pa.Check.isin(AUDIENCE_SIZE_METRICS)),
        "day": _date(),
        "value": _count(),
    },
    coerce=True,
    name="show_audience_size",
)

# --- Advertiser responses (promo-code redemptions, vanity-URL visits) -------------------------
# Rows parsed from the advertiser's exports (sponsor_pipeline/responses.py); ``io_id`` is left empty
# and resolved from the code or URL in the warehouse (warehouse/targets.py).
PROMO_REDEMPTIONS = pa.DataFrameSchema(
    {
        "tenant_id": _id(pattern=SLUG),
        "source": pa.Column(TEXT, checks=pa.Check.isin(REDEMPTION_SOURCES)),
        "order_id": _text(max_len=MAX_ID),
        "code": _text(max_len=64),
        "io_id": _id(nullable=True),
        "occurred_at": pa.Column(pd.DatetimeTZDtype(tz="UTC")),
        "revenue": _money(nullable=False),
        "currency": pa.Column(TEXT, checks=pa.Check.str_matches(r"^[A-Z]{3}$")),
    },
    coerce=True,
    name="promo_redemptions",
)

VANITY_VISITS = pa.DataFrameSchema(
    {
        "tenant_id": _id(pattern=SLUG),
        "source": pa.Column(TEXT, checks=pa.Check.isin(VISIT_SOURCES)),
        "url": _text(max_len=2_000),
        "day": _date(),
        "io_id": _id(nullable=True),
        "visits": _count(),
    },
    coerce=True,
    name="vanity_visits",
)

SHOW_TOPICS = pa.DataFrameSchema(
    {
        "tenant_id": _id(pattern=SLUG),
        "show_id": _id(),
        "topic_id": pa.Column(str, checks=pa.Check.str_matches(IAB_TOPIC_ID)),
        "source": pa.Column(str, checks=pa.Check.isin(SHOW_TOPIC_SOURCES)),
    },
    coerce=True,
    name="show_topics",
)

SHOW_BRAND_SAFETY = pa.DataFrameSchema(
    {
        "tenant_id": _id(pattern=SLUG),
        "show_id": _id(),
        **{c: pa.Column(str, checks=pa.Check.isin(GARM_RISK_LEVELS)) for c in GARM_COLUMNS},
        "assessed_on": _date(nullable=True),
    },
    coerce=True,
    name="show_brand_safety",
)

CAMPAIGN_BRAND_SAFETY = pa.DataFrameSchema(
    {
        "tenant_id": _id(pattern=SLUG),
        "campaign_id": _id(),
        # GARM floor content is never monetisable: the most a campaign can accept is 'high'.
        **{c: pa.Column(str, checks=pa.Check.isin(ACCEPTABLE_RISK_LEVELS)) for c in GARM_COLUMNS},
        "excludes_explicit": _bool(),
    },
    coerce=True,
    name="campaign_brand_safety",
)

CAMPAIGN_TARGETS = pa.DataFrameSchema(
    {
        "tenant_id": _id(pattern=SLUG),
        "campaign_id": _id(),
        "dimension": pa.Column(str, checks=pa.Check.isin(TARGET_DIMENSIONS)),
        "value": pa.Column(str, checks=pa.Check.str_length(1, 32)),
        "weight": pa.Column(float, checks=[pa.Check.gt(0), pa.Check.le(1000)]),
    },
    checks=[
        pa.Check(
            lambda df: (df["dimension"] != "country") | df["value"].str.fullmatch(r"[A-Z]{2}"),
            error="country target is not an ISO 3166-1 alpha-2 code",
        ),
        pa.Check(
            lambda df: (df["dimension"] != "age_band") | df["value"].isin(AGE_BANDS),
            error=f"age_band target is not one of {', '.join(AGE_BANDS)}",
        ),
        pa.Check(
            lambda df: (df["dimension"] != "gender") | df["value"].isin(GENDERS),
            error=f"gender target is not {', '.join(GENDERS[:-1])} or {GENDERS[-1]}",
        ),
        pa.Check(
            lambda df: (df["dimension"] != "topic") | df["value"].str.fullmatch(IAB_TOPIC_ID),
            error="topic target is not an IAB Content Taxonomy id",
        ),
    ],
    coerce=True,
    name="campaign_targets",
)


# --- Readable rules: each pandera check as a person reads it (the catalogue's column constraints) ---


def _value(value: object) -> str:
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return value.date().isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(sorted(str(v) for v in value))
    return str(value)


def check_text(check: pa.Check) -> str:
    """One pandera check as a rule a person reads: ``>= 0``, ``between 1 and 200 characters``,
    ``matches ^[a-z][a-z0-9_]*$``, ``one of: live, paused``; a custom check reads as its error text
    (``rejects: day after tomorrow``).

    The comparison and its value come from the check's ``name`` and ``statistics`` (pandera's built-in
    checks keep their arguments there); a check pandera does not name is described by its ``error``.
    """
    stats = {k: v for k, v in (check.statistics or {}).items() if v is not None}
    comparisons = {
        "greater_than_or_equal_to": (">=", "min_value"),
        "greater_than": (">", "min_value"),
        "less_than_or_equal_to": ("<=", "max_value"),
        "less_than": ("<", "max_value"),
        "equal_to": ("==", "value"),
        "not_equal_to": ("!=", "value"),
    }
    name = check.name or ""
    if name in comparisons and comparisons[name][1] in stats:
        operator, key = comparisons[name]
        return f"{operator} {_value(stats[key])}"
    if name == "in_range" and {"min_value", "max_value"} <= set(stats):
        low = "[" if stats.get("include_min", True) else "("
        high = "]" if stats.get("include_max", True) else ")"
        return f"in {low}{_value(stats['min_value'])}, {_value(stats['max_value'])}{high}"
    if name == "isin" and "allowed_values" in stats:
        return f"one of: {_value(stats['allowed_values'])}"
    if name == "notin" and "forbidden_values" in stats:
        return f"none of: {_value(stats['forbidden_values'])}"
    if name == "str_matches" and "pattern" in stats:
        return f"matches {stats['pattern']}"
    if name == "str_length":
        if "exact_value" in stats:
            return f"exactly {stats['exact_value']} characters"
        if {"min_value", "max_value"} <= set(stats):
            return f"between {stats['min_value']} and {stats['max_value']} characters"
        if "min_value" in stats:
            return f"at least {stats['min_value']} characters"
        if "max_value" in stats:
            return f"at most {stats['max_value']} characters"
    if name in {"str_startswith", "str_endswith", "str_contains"} and "string" in stats:
        return f"{name.removeprefix('str_').replace('with', ' with')} {stats['string']!r}"
    if check.error and check.error != name:
        return f"rejects: {check.error}"
    return name or "custom check"


def column_rules(schema: pa.DataFrameSchema) -> dict[str, list[str]]:
    """Per column of ``schema``: its checks as readable rules, ``required`` first when it may not be
    empty, ``unique`` when pandera requires it."""
    rules: dict[str, list[str]] = {}
    for name, column in schema.columns.items():
        texts = [] if column.nullable else ["required"]
        texts += ["unique"] if column.unique else []
        texts += [check_text(check) for check in column.checks]
        rules[str(name)] = texts
    return rules


def table_rules(schema: pa.DataFrameSchema) -> list[str]:
    """The dataframe-wide checks of ``schema`` as readable rules (e.g. ``rejects: show_id and
    episode_id are both empty``)."""
    return [check_text(check) for check in schema.checks or []]
