"""Owns where each input shape lands: target table, conflict key and the referential checks.

Each :class:`Target` pairs a pandera schema from :mod:`sponsor_pipeline.schemas` with a table. A
referential check is a constant SQL condition over the staged row ``s``; rows matching it are moved
to ``quarantined_rows`` with the check's column and reason instead of failing the import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import pandera.pandas as pa

from sponsor_pipeline import schemas
from sponsor_pipeline.vocabulary import DEFAULT_ATTRIBUTION_WINDOW_DAYS
from sponsor_pipeline.warehouse import io_bookings as io_codes_fill


@dataclass(frozen=True)
class RefCheck:
    column: str
    reason: str
    condition: str  # SQL over the staged row alias ``s``; true means the row is rejected
    uses: tuple[str, ...] = ("tenant_id",)  # stage columns the condition reads
    detail: str | None = None  # a stage column whose value is appended to the reason (names the code)


@dataclass(frozen=True)
class Target:
    table: str
    schema: pa.DataFrameSchema
    key: tuple[str, ...]
    conflict: str  # ON CONFLICT target clause
    checks: tuple[RefCheck, ...] = ()
    prepare: tuple[str, ...] = ()  # statements run on the stage ``import_stage`` before the upsert
    stamp_import_id: bool = False
    stamp_loaded_at: bool = True  # with stamp_import_id: also set loaded_at = now() on update
    touch_updated_at: bool = True
    immutable: tuple[str, ...] = field(default=())  # columns not overwritten on conflict
    range_column: str | None = None  # a date column: a file whose range holds no rows loads by plain INSERT
    # COPY straight into the table when its range holds no row yet (needs range_column, stamp_import_id,
    # and ``prepare`` statements that change nothing when no key exists and every column is given)
    direct_load: bool = False
    # called as hook(conn, import_id) after the upsert, inside the import transaction
    finalize: tuple[Callable[[Any, int], object], ...] = ()

    @property
    def columns(self) -> list[str]:
        return list(self.schema.columns)

    @property
    def ref_columns(self) -> list[str]:
        """The columns the referential checks read, in first-use order."""
        return list(dict.fromkeys(c for check in self.checks for c in check.uses))


def _exists(table: str, condition: str) -> str:
    # Identifiers and fixed conditions of this module only; values are always bound parameters.
    return f"NOT EXISTS (SELECT 1 FROM {table} x WHERE x.tenant_id = s.tenant_id AND {condition})"  # noqa: S608


UNKNOWN_TENANT = RefCheck(
    "tenant_id", "unknown tenant_id", "NOT EXISTS (SELECT 1 FROM tenants x WHERE x.tenant_id = s.tenant_id)"
)


def _known_show() -> RefCheck:
    return RefCheck(
        "show_id",
        "unknown show_id for this tenant",
        _exists("shows", "x.show_id = s.show_id"),
        ("tenant_id", "show_id"),
    )


LISTENER_METRICS = Target(
    table="listener_metrics",
    schema=schemas.LISTENER_METRICS,
    key=("tenant_id", "day", "show_id", "episode_id", "source"),
    conflict="ON CONSTRAINT ux_listener_metrics_key",
    checks=(
        UNKNOWN_TENANT,
        RefCheck(
            "episode_id",
            "unknown episode_id for this tenant",
            "s.episode_id IS NOT NULL AND " + _exists("episodes", "x.episode_id = s.episode_id"),
            ("tenant_id", "episode_id"),
        ),
        RefCheck(
            "show_id",
            "episode_id belongs to another show",
            "s.episode_id IS NOT NULL AND s.show_id IS NOT NULL AND "
            + _exists("episodes", "x.episode_id = s.episode_id AND x.show_id = s.show_id"),
            ("tenant_id", "episode_id", "show_id"),
        ),
        RefCheck(
            "show_id",
            "unknown show_id for this tenant",
            "s.episode_id IS NULL AND " + _exists("shows", "x.show_id = s.show_id"),
            ("tenant_id", "episode_id", "show_id"),
        ),
    ),
    range_column="day",
    prepare=(
        (
            "UPDATE import_stage s SET show_id = e.show_id FROM episodes e "
            "WHERE s.show_id IS NULL AND e.tenant_id = s.tenant_id AND e.episode_id = s.episode_id"
        ),
    ),
    stamp_import_id=True,
    touch_updated_at=False,
    direct_load=True,
)

TENANTS = Target("tenants", schemas.TENANTS, ("tenant_id",), "(tenant_id)", touch_updated_at=False)

SHOWS = Target(
    "shows",
    schemas.SHOWS,
    ("tenant_id", "show_id"),
    "(tenant_id, show_id)",
    checks=(UNKNOWN_TENANT,),
    # a shows file without feed_url (or with it empty) keeps the feed URL already stored
    prepare=(
        (
            "UPDATE import_stage s SET feed_url = x.feed_url FROM shows x "
            "WHERE s.feed_url IS NULL AND x.tenant_id = s.tenant_id AND x.show_id = s.show_id"
        ),
    ),
)

EPISODES = Target(
    "episodes",
    schemas.EPISODES,
    ("tenant_id", "episode_id"),
    "(tenant_id, episode_id)",
    checks=(
        UNKNOWN_TENANT,
        _known_show(),
    ),
)

ADVERTISERS = Target(
    "advertisers",
    schemas.ADVERTISERS,
    ("tenant_id", "advertiser_id"),
    "(tenant_id, advertiser_id)",
    checks=(UNKNOWN_TENANT,),
)

CAMPAIGNS = Target(
    "campaigns",
    schemas.CAMPAIGNS,
    ("tenant_id", "campaign_id"),
    "(tenant_id, campaign_id)",
    # a campaigns file without attribution_window_days (or with it empty) keeps the stored window
    prepare=(
        (
            "UPDATE import_stage s SET attribution_window_days = x.attribution_window_days FROM campaigns x "
            "WHERE s.attribution_window_days IS NULL AND x.tenant_id = s.tenant_id AND x.campaign_id = s.campaign_id"
        ),
    ),
    checks=(
        UNKNOWN_TENANT,
        RefCheck(
            "advertiser_id",
            "unknown advertiser_id for this tenant",
            _exists("advertisers", "x.advertiser_id = s.advertiser_id"),
            ("tenant_id", "advertiser_id"),
        ),
    ),
)

AD_UNITS = Target(
    "ad_units",
    schemas.AD_UNITS,
    ("tenant_id", "ad_unit_id"),
    "(tenant_id, ad_unit_id)",
    checks=(UNKNOWN_TENANT,),
)

IO_BOOKINGS = Target(
    "io_bookings",
    schemas.IO_BOOKINGS,
    ("tenant_id", "io_id"),
    "(tenant_id, io_id)",
    checks=(
        UNKNOWN_TENANT,
        RefCheck(
            "campaign_id",
            "unknown campaign_id for this tenant",
            _exists("campaigns", "x.campaign_id = s.campaign_id"),
            ("tenant_id", "campaign_id"),
        ),
        _known_show(),
        RefCheck(
            "episode_id",
            "episode_id is not an episode of show_id",
            "s.episode_id IS NOT NULL AND "
            + _exists("episodes", "x.episode_id = s.episode_id AND x.show_id = s.show_id"),
            ("tenant_id", "show_id", "episode_id"),
        ),
        RefCheck(
            "ad_unit_id",
            "unknown ad_unit_id for this tenant",
            "s.ad_unit_id IS NOT NULL AND " + _exists("ad_units", "x.ad_unit_id = s.ad_unit_id"),
            ("tenant_id", "ad_unit_id"),
        ),
    ),
    prepare=(io_codes_fill.KEEP_ASSIGNED, io_codes_fill.KEEP_PACING),
    finalize=(io_codes_fill.fill_missing_codes,),
)


def io_bookings_target(vanity_domain: str) -> Target:
    """:data:`IO_BOOKINGS` whose generated vanity URLs use ``vanity_domain`` (e.g. ``listen.example.com``)."""
    return replace(IO_BOOKINGS, finalize=(partial(io_codes_fill.fill_missing_codes, vanity_domain=vanity_domain),))


# Load order of the reference files in the samples folder: parents before children.
REFERENCE_FILES: tuple[tuple[str, Target], ...] = (
    ("tenants.csv", TENANTS),
    ("shows.csv", SHOWS),
    ("episodes.csv", EPISODES),
    ("advertisers.csv", ADVERTISERS),
    ("campaigns.csv", CAMPAIGNS),
    ("ad_units.csv", AD_UNITS),
    ("io_bookings.csv", IO_BOOKINGS),
)


# --- Platform exports -------------------------------------------------------------------------
# An export may report some measures only (Spotify's listeners series has no plays; Apple withholds
# values under its privacy threshold). Before the upsert, a measure the payload leaves empty keeps
# the value already stored for the same key, so two payloads of one source and day merge into one
# row instead of erasing each other.
_MERGE_REPORTED_MEASURES = (
    "UPDATE import_stage s SET downloads = coalesce(s.downloads, m.downloads), "
    "listeners = coalesce(s.listeners, m.listeners), "
    "listen_seconds = coalesce(s.listen_seconds, m.listen_seconds) "
    "FROM listener_metrics m WHERE m.tenant_id = s.tenant_id AND m.day = s.day "
    "AND m.show_id = s.show_id AND m.episode_id IS NOT DISTINCT FROM s.episode_id AND m.source = s.source"
)

LISTENER_METRICS_EXPORT = Target(
    table="listener_metrics",
    schema=schemas.LISTENER_METRICS_EXPORT,
    key=LISTENER_METRICS.key,
    conflict=LISTENER_METRICS.conflict,
    checks=LISTENER_METRICS.checks,
    prepare=(*LISTENER_METRICS.prepare, _MERGE_REPORTED_MEASURES),
    stamp_import_id=True,
    touch_updated_at=False,
    range_column=LISTENER_METRICS.range_column,
    direct_load=True,
)

EPISODE_DOWNLOAD_WINDOWS = Target(
    table="episode_download_windows",
    schema=schemas.EPISODE_DOWNLOAD_WINDOWS,
    key=("tenant_id", "episode_id", "source", "window_days", "as_of"),
    conflict="ON CONSTRAINT ux_episode_download_windows_key",
    checks=(
        UNKNOWN_TENANT,
        RefCheck(
            "episode_id",
            "unknown episode_id for this tenant",
            _exists("episodes", "x.episode_id = s.episode_id"),
            ("tenant_id", "episode_id"),
        ),
        RefCheck(
            "show_id",
            "episode_id belongs to another show",
            _exists("episodes", "x.episode_id = s.episode_id AND x.show_id = s.show_id"),
            ("tenant_id", "episode_id", "show_id"),
        ),
    ),
    stamp_import_id=True,
    touch_updated_at=False,
)

AUDIENCE_PROFILES = Target(
    table="audience_profiles",
    schema=schemas.AUDIENCE_PROFILES,
    key=("tenant_id", "show_id", "source", "dimension", "bucket"),
    conflict="(tenant_id, show_id, source, dimension, bucket)",
    checks=(
        UNKNOWN_TENANT,
        _known_show(),
    ),
    stamp_import_id=True,
    stamp_loaded_at=False,
)
SHOW_AUDIENCE_SIZE = Target(
    table="show_audience_size",
    schema=schemas.SHOW_AUDIENCE_SIZE,
    key=("tenant_id", "show_id", "source", "metric", "day"),
    conflict="(tenant_id, show_id, source, metric, day)",
    checks=(
        UNKNOWN_TENANT,
        _known_show(),
    ),
    stamp_import_id=True,
    touch_updated_at=False,
)
# --- Matchmaking inputs (loaded with the reference files, after their parents) ---


def _known_campaign() -> RefCheck:
    return RefCheck(
        "campaign_id",
        "unknown campaign_id for this tenant",
        _exists("campaigns", "x.campaign_id = s.campaign_id"),
        ("tenant_id", "campaign_id"),
    )


SHOW_TOPICS = Target(
    "show_topics",
    schemas.SHOW_TOPICS,
    ("tenant_id", "show_id", "topic_id"),
    "(tenant_id, show_id, topic_id)",
    checks=(UNKNOWN_TENANT, _known_show()),
)

SHOW_BRAND_SAFETY = Target(
    "show_brand_safety",
    schemas.SHOW_BRAND_SAFETY,
    ("tenant_id", "show_id"),
    "(tenant_id, show_id)",
    checks=(UNKNOWN_TENANT, _known_show()),
)

CAMPAIGN_BRAND_SAFETY = Target(
    "campaign_brand_safety",
    schemas.CAMPAIGN_BRAND_SAFETY,
    ("tenant_id", "campaign_id"),
    "(tenant_id, campaign_id)",
    checks=(UNKNOWN_TENANT, _known_campaign()),
)

CAMPAIGN_TARGETS = Target(
    "campaign_targets",
    schemas.CAMPAIGN_TARGETS,
    ("tenant_id", "campaign_id", "dimension", "value"),
    "(tenant_id, campaign_id, dimension, value)",
    checks=(UNKNOWN_TENANT, _known_campaign()),
)

MATCHMAKING_FILES: tuple[tuple[str, Target], ...] = (
    ("audience_profiles.csv", AUDIENCE_PROFILES),
    ("show_topics.csv", SHOW_TOPICS),
    ("show_brand_safety.csv", SHOW_BRAND_SAFETY),
    ("campaign_brand_safety.csv", CAMPAIGN_BRAND_SAFETY),
    ("campaign_targets.csv", CAMPAIGN_TARGETS),
)
REFERENCE_FILES = REFERENCE_FILES + MATCHMAKING_FILES


# --- Advertiser responses (sponsor_pipeline/responses.py parses the exports) -------------------
# A code or URL is matched case- and whitespace-insensitively (migration 0014's key functions) to an
# IO of the source's tenant; a row matching none is quarantined naming its code or URL. GA4 names
# pages by path only, and advertisers reuse a path for each show (/founders-hour): a URL key starting
# with "/" is matched to the path of the vanity URLs whose IO's attribution window (flight start ..
# flight end + the campaign's window days) holds the day.
_CODE_MATCH = "promo_code_key(x.promo_code) = promo_code_key(s.code)"


def _window_end(default_days: int) -> str:
    """SQL of an IO ``x``'s last attribution day: flight end + its campaign's window, else ``default_days``."""
    # The default is the int constant of vocabulary.py, never a value read from a source.
    return (
        f"x.flight_end + (SELECT coalesce(c.attribution_window_days, {int(default_days)}) FROM campaigns c "  # noqa: S608
        "WHERE c.tenant_id = x.tenant_id AND c.campaign_id = x.campaign_id)"
    )


_URL_MATCH = (
    "(CASE WHEN left(vanity_url_key(s.url), 1) = '/' "
    "THEN vanity_path_key(x.vanity_url) = vanity_url_key(s.url) "
    "AND s.day BETWEEN x.flight_start AND " + _window_end(DEFAULT_ATTRIBUTION_WINDOW_DAYS) + " "
    "ELSE vanity_url_key(x.vanity_url) = vanity_url_key(s.url) END)"
)


def _resolve_io(match: str) -> str:
    """The ``prepare`` statement setting each staged row's io_id to the IO its code or URL matches."""
    # Fixed conditions of this module only; values are always bound parameters.
    return "UPDATE import_stage s SET io_id = x.io_id FROM io_bookings x WHERE x.tenant_id = s.tenant_id AND " + match  # noqa: S608


def _matches_several(match: str) -> str:
    # Fixed conditions of this module only; values are always bound parameters.
    return "(SELECT count(*) FROM io_bookings x WHERE x.tenant_id = s.tenant_id AND " + match + ") > 1"  # noqa: S608


PROMO_REDEMPTIONS = Target(
    "promo_redemptions",
    schemas.PROMO_REDEMPTIONS,
    ("tenant_id", "io_id", "source", "order_id"),  # order ids are per store; the IO names the store
    "(tenant_id, io_id, source, order_id)",
    checks=(
        UNKNOWN_TENANT,
        RefCheck(
            "code",
            "promo code matches no IO of this tenant:",
            _exists("io_bookings", _CODE_MATCH),
            ("tenant_id", "code"),
            detail="code",
        ),
    ),
    prepare=(_resolve_io(_CODE_MATCH),),
    stamp_import_id=True,
    touch_updated_at=False,
)

VANITY_VISITS = Target(
    "vanity_visits",
    schemas.VANITY_VISITS,
    ("tenant_id", "source", "url", "day"),
    "(tenant_id, source, url, day)",
    checks=(
        UNKNOWN_TENANT,
        RefCheck(
            "url",
            "URL matches no IO vanity URL of this tenant (a bare path counts only in the IO's attribution window):",
            _exists("io_bookings", _URL_MATCH),
            ("tenant_id", "url", "day"),
            detail="url",
        ),
        RefCheck(
            "url",
            "page path matches the vanity URLs of several IOs of this tenant that day (add the Hostname):",
            _matches_several(_URL_MATCH),
            ("tenant_id", "url", "day"),
            detail="url",
        ),
    ),
    prepare=(_resolve_io(_URL_MATCH),),
    range_column="day",
    stamp_import_id=True,
    touch_updated_at=False,
)
