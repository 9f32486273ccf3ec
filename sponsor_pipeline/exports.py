"""Owns parsing platform analytics exports into listener_metrics, audience_profiles and show_audience_size rows (pure).

Longer than 500 lines on purpose: one small parser per platform endpoint, each beside the one
registry (:data:`FORMATS`) that names it, so adding an endpoint is one function and one entry here;
country names live in :mod:`sponsor_pipeline.countries`, window exports in
:mod:`sponsor_pipeline.window_exports`.

Networks download their numbers from the platforms' dashboards. Every payload comes in one wrapper
(the openpodcast connector format)::

    {"provider": "spotify" | "apple" | "podigee" | "anchor", "version": 1, "retrieved": "...",
     "meta": {"show": "<platform show id>", "episode": "<platform episode id>"?, "endpoint": "..."},
     "range": {"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"}, "data": {...}}

The format is detected from ``provider`` + ``meta.endpoint`` (see :data:`FORMATS`). Each parser
returns rows as strings, in the column order of ``schemas.LISTENER_METRICS_EXPORT``,
``schemas.AUDIENCE_PROFILES`` or ``schemas.SHOW_AUDIENCE_SIZE``, so they go through the same pandera
validation and quarantine as a CSV. Bare OP3 API responses (no wrapper) are recognised by their
documented shape and wrapped first (:func:`as_wrapper`). No Dagster, no database here.

Units and sources of the rules:

* Spotify for Podcasters ``detailedStreams``: ``streams`` (plays of 60 s or more, Spotify's headline
  "Streams") are ``downloads``; ``starts`` are not stored. ``listeners``: unique listeners per day.
  Episode ``aggregate``: ``ageFacetedCounts`` / ``countryFacetedCounts`` are listener counts by age
  band × gender and by country; shares are counts over the total of the reported buckets (the
  ``unknown`` age band is left out and counted in ``ParsedExport.dropped``). Spotify's ``60-150`` band is ``60+``.
  The same ``detailedStreams`` / ``listeners`` with ``meta.episode`` are episode-level rows keyed by
  the Spotify episode id. ``followers`` (daily follower counts) → ``show_audience_size``.
* Apple Podcasts Connect ``showTrends/Listeners``: the ``content`` rows
  ``[episode id, title, published, value, null]`` carry a value of ``-1.0`` when Apple does not
  report it (below its privacy threshold): that is *not reported*, never zero. Daily figures come
  from ``episodesPlayCountTrends`` / ``showPlayCountTrends`` (``timebucket`` = ``YYYYMMDD``):
  ``playscount`` → downloads, ``uniquelistenerscount`` → listeners, ``totaltimelistened`` (seconds)
  → listen_seconds; any negative value is the same "not reported" sentinel.
* Apple ``episodes``: the episode catalogue (``content.results``) and ``episodesPlayCount`` totals
  over the payload range; nothing daily, so every entry is counted as dropped with its reason.
* Apple ``episodeDetails``: one episode's catalogue entry (for matching; its ``podcastEpisodeGuid``,
  as in ``episodes``, pairs the Apple id with the episode by GUID), all-time totals, listening
  histogram and top city/country ids, counted as dropped with their reasons; ``showTrends/Followers``:
  daily follower counts → ``show_audience_size``, range summaries and gains/losses dropped.
* The host (Podigee) ``metrics``: ``{start, end, dimension, subdimension, value}``; exact duplicate
  rows are dropped (the API repeats rows across pages); ``downloads``/``total`` over one day is the
  day's downloads; other dimensions (clients, platforms, sources) describe apps, not listeners.
* Anchor (Spotify for Creators) dashboard: ``playsByEpisode`` ``data.data.rows`` =
  ``[unix day start (s, UTC), episode label key, plays]`` with titles in
  ``data.data.labels.EpisodeTitle``; ``plays`` rows = ``[unix day start, plays]``; ``playsByGeo``
  rows = ``[country name, share of plays]`` (country names resolved to ISO 3166-1 alpha-2 by
  :func:`country_code`; an unresolved name is quarantined); ``playsByApp`` rows =
  ``[app name, share of plays]`` (the warehouse has no listening-app table: parsed, counted as dropped).
  ``episodePlays`` rows = ``[unix day start, plays]`` of the episode ``meta.episode``;
  ``totalPlaysByEpisode`` rows = ``[title, episode id, all-time plays, publish time, rank, URI]``
  (titles and days for matching; totals dropped); ``audienceSize`` rows = ``[size]`` →
  ``show_audience_size``; ``playsByAgeRange`` / ``playsByGender`` rows = ``[band or gender, share of
  plays]``, mapped to the vocabulary → audience_profiles rows of dimension ``age_band`` / ``gender``.

* OP3 API responses, bare or in the wrapper (``provider: "op3"``, ``meta.endpoint`` = the query
  path): ``downloads/show`` (one row per download, JSON objects, ``json-a`` arrays or TSV via
  :func:`op3_downloads_tsv`) → show-level daily downloads; ``queries/show-download-counts`` (30-day
  and weekly totals) and ``queries/top-apps-for-show`` (downloads per app) are parsed and counted as
  dropped by reason; OP3's per-episode ``episode-download-counts`` are window exports
  (:mod:`sponsor_pipeline.window_exports`).

Every payload entry not turned into a row is counted in :attr:`ParsedExport.dropped` under its reason,
so an import can show rows read = loaded + quarantined + dropped.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sponsor_pipeline import vocabulary
from sponsor_pipeline.countries import country_code, unresolved_country

METRIC_COLUMNS = ("tenant_id", "day", "show_id", "episode_id", "source", "downloads", "listeners", "listen_seconds")
AUDIENCE_COLUMNS = ("tenant_id", "show_id", "source", "dimension", "bucket", "share", "listeners", "as_of")
SIZE_COLUMNS = ("tenant_id", "show_id", "source", "metric", "day", "value")

SOURCES = {"spotify": "spotify", "apple": "apple_podcasts", "podigee": "podigee", "anchor": "anchor", "op3": "op3"}

# Spotify's ageFacetedCounts keys → the vocabulary's age bands: the same names, except that some
# payloads spell the open-ended band "60-150".
AGE_BANDS = {band: band for band in vocabulary.AGE_BANDS} | {"60-150": "60+"}
# Spotify's gender keys are the vocabulary's genders in upper case.
GENDERS = {gender.upper(): gender for gender in vocabulary.GENDERS}


class ExportFormatError(ValueError):
    """The payload is not a known export format or is not shaped as its format says; names the source."""


@dataclass
class ParsedExport:
    """Rows parsed from one payload.

    ``metrics`` / ``audience`` / ``sizes``: dicts of strings (``None`` = missing) keyed by
    :data:`METRIC_COLUMNS` / :data:`AUDIENCE_COLUMNS` / :data:`SIZE_COLUMNS` (follower counts and
    audience sizes for ``show_audience_size``). ``apps``: ``(app name, share)`` pairs.
    ``episodes``: ``(platform episode id, title, listeners or None)`` from catalogue-like payloads.
    ``guids``: platform episode id → the episode's RSS ``<guid>`` where the payload gives it (Apple's
    ``podcastEpisodeGuid``), for the platform identity map.
    ``dropped``: reason → number of payload entries not turned into rows (duplicates, app
    dimensions, unknown age band...). ``published``: platform episode id → the publication date
    (``YYYY-MM-DD``) the payload gives. ``provider`` / ``show_key``: the wrapper's ``provider`` and
    ``meta.show``, the keys of the platform identity map (:mod:`sponsor_pipeline.identity`);
    ``show_id``: the warehouse show they resolved to (the :class:`ShowContext`'s).
    """

    format: str
    source: str
    provider: str = ""
    show_key: str = ""
    show_id: str = ""
    published: dict[str, str] = field(default_factory=dict)
    metrics: list[dict[str, str | None]] = field(default_factory=list)
    audience: list[dict[str, str | None]] = field(default_factory=list)
    apps: list[tuple[str, float]] = field(default_factory=list)
    sizes: list[dict[str, str | None]] = field(default_factory=list)
    episodes: list[tuple[str, str, float | None]] = field(default_factory=list)
    guids: dict[str, str] = field(default_factory=dict)
    dropped: Counter = field(default_factory=Counter)

    @property
    def target(self) -> str:
        """``'audience_profiles'`` for audience-only payloads, ``'show_audience_size'`` for follower /
        audience-size payloads, else ``'listener_metrics'`` (a payload fills one table)."""
        if self.metrics:
            return "listener_metrics"
        if self.audience:
            return "audience_profiles"
        return "show_audience_size" if self.sizes else "listener_metrics"


@dataclass(frozen=True)
class ShowContext:
    """Where a payload's rows belong: the tenant and the warehouse show_id of ``meta.show``."""

    tenant_id: str
    show_id: str


def _s(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _reported(value: Any) -> Any:
    """Platform sentinels: a negative number (Apple's -1.0) means "not reported" → None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return None
    return value


def _metric(
    ctx: ShowContext,
    source: str,
    day: Any,
    episode_id: Any = None,
    downloads: Any = None,
    listeners: Any = None,
    listen_seconds: Any = None,
) -> dict[str, str | None]:
    return {
        "tenant_id": ctx.tenant_id,
        "day": _s(day),
        "show_id": ctx.show_id,
        "episode_id": _s(episode_id),
        "source": source,
        "downloads": _s(downloads),
        "listeners": _s(listeners),
        "listen_seconds": _s(listen_seconds),
    }


def _audience(
    ctx: ShowContext, source: str, dimension: str, bucket: str, share: float, listeners: Any, as_of: Any
) -> dict[str, str | None]:
    return {
        "tenant_id": ctx.tenant_id,
        "show_id": ctx.show_id,
        "source": source,
        "dimension": dimension,
        "bucket": bucket,
        "share": repr(round(float(share), 8)),
        "listeners": _s(listeners),
        "as_of": _s(as_of),
    }


def _size(ctx: ShowContext, source: str, metric: str, day: Any, value: Any) -> dict[str, str | None]:
    """A ``show_audience_size`` row (``metric`` one of :data:`vocabulary.AUDIENCE_SIZE_METRICS`)."""
    return {
        "tenant_id": ctx.tenant_id,
        "show_id": ctx.show_id,
        "source": source,
        "metric": metric,
        "day": _s(day),
        "value": _s(value),
    }


def _shares(counts: dict[str, float]) -> dict[str, float]:
    total = sum(counts.values())
    return {k: (v / total if total else 0.0) for k, v in counts.items()} if total else {}


def _unix_day(value: Any) -> str:
    """Unix day start (seconds, or milliseconds when larger than 1e11) → ``YYYY-MM-DD`` (UTC)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)  # left for validation to reject with the raw value
    seconds = value / 1000 if abs(value) > 1e11 else value
    try:
        return datetime.fromtimestamp(seconds, tz=UTC).date().isoformat()
    except (OverflowError, OSError, ValueError):
        return str(value)


# --- Spotify for Podcasters -------------------------------------------------------------------


def _spotify_detailed_streams(p: dict, ctx: ShowContext, out: ParsedExport) -> None:
    for item in _list(p["data"], "detailedStreams"):
        out.metrics.append(
            _metric(ctx, out.source, item.get("date"), p["meta"].get("episode"), downloads=item.get("streams"))
        )


def _spotify_listeners(p: dict, ctx: ShowContext, out: ParsedExport) -> None:
    for item in _list(p["data"], "counts"):
        out.metrics.append(
            _metric(ctx, out.source, item.get("date"), p["meta"].get("episode"), listeners=item.get("count"))
        )


def _spotify_aggregate(p: dict, ctx: ShowContext, out: ParsedExport) -> None:
    data = p["data"]
    as_of = data.get("end") or (p.get("range") or {}).get("end")
    age = data.get("ageFacetedCounts") or {}
    if not isinstance(age, dict):
        raise ExportFormatError("data.ageFacetedCounts is not an object")
    counts: dict[str, float] = {}
    for band, facet in age.items():
        if band not in AGE_BANDS:
            out.dropped[f"age band {band!r} not reported as a band"] += 1
            continue
        for gender, n in ((facet or {}).get("counts") or {}).items():
            key = f"{AGE_BANDS[band]}|{GENDERS.get(gender, str(gender).lower())}"
            if not isinstance(n, (int, float)) or isinstance(n, bool) or n < 0:
                out.dropped["age × gender count that is not a non-negative number"] += 1
                continue
            counts[key] = counts.get(key, 0) + n
    for bucket, share in sorted(_shares(counts).items()):
        out.audience.append(_audience(ctx, out.source, "age_gender", bucket, share, counts[bucket], as_of))
    countries: dict[str, float] = {}
    for name, facet in (data.get("countryFacetedCounts") or {}).items():
        code = (facet or {}).get("countryCode") or country_code(name) or unresolved_country(name)
        total = sum(n for n in ((facet or {}).get("counts") or {}).values() if isinstance(n, (int, float)))
        countries[code] = countries.get(code, 0) + total
    for code, share in sorted(_shares(countries).items()):
        out.audience.append(_audience(ctx, out.source, "country", code, share, countries[code], as_of))


def _spotify_followers(p: dict, ctx: ShowContext, out: ParsedExport) -> None:
    """Show followers per day, ``data.counts`` = ``[{count, date}]``
    (https://github.com/openpodcast/api/blob/main/fixtures/spotifyPodcastFollowers.json, schema
    ``src/schema/spotify/followers.json``) → ``followers`` rows of ``show_audience_size``. An entry
    that is not an object is kept as a row of raw text, so validation quarantines it."""
    for item in _list(p["data"], "counts"):
        if isinstance(item, dict):
            out.sizes.append(_size(ctx, out.source, "followers", item.get("date"), item.get("count")))
        else:
            out.sizes.append(_size(ctx, out.source, "followers", _s(item), None))


# --- Apple Podcasts Connect -------------------------------------------------------------------


def _apple_day(bucket: Any) -> str:
    if isinstance(bucket, (int, float)) and not isinstance(bucket, bool):
        text = str(int(bucket))
        if len(text) == 8:
            return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return str(bucket)


def _apple_listeners(p: dict, ctx: ShowContext, out: ParsedExport) -> None:
    data = p["data"]
    for row in _list(data, "content"):
        if not isinstance(row, list) or len(row) < 4:
            raise ExportFormatError(f"data.content row {row!r} is not [id, title, published, value, ...]")
        value = _reported(row[3])
        out.episodes.append((str(row[0]), str(row[1]), None if value is None else float(value)))
        if isinstance(row[2], str) and len(row[2]) >= 10:
            out.published[str(row[0])] = row[2][:10]
    for row in out.episodes:
        out.dropped[
            "episode listeners over the payload range: a range total, not a daily value"
            if row[2] is not None
            else "episode listeners over the payload range: not reported by Apple (-1)"
        ] += 1
    for key, why in (
        ("episodesPlayCount", "episode running totals (latestValue/previousValue), not daily values"),
        ("showPlayCount", "show running totals (latestValue/previousValue), not daily values"),
        ("showTopCities", "ranked city ids without counts or shares"),
        ("showTopCountries", "ranked country ids without counts or shares"),
    ):
        value = data.get(key)
        if isinstance(value, (list, dict)) and value:
            out.dropped[f"{key}: {why}"] += len(value)
    trends = data.get("episodesPlayCountTrends") or {}
    for episode_id in sorted(trends):
        for item in trends[episode_id]:
            out.metrics.append(
                _metric(
                    ctx,
                    out.source,
                    _apple_day(item.get("timebucket")),
                    episode_id,
                    downloads=_reported(item.get("playscount")),
                    listeners=_reported(item.get("uniquelistenerscount")),
                    listen_seconds=_reported(item.get("totaltimelistened")),
                )
            )
    for item in data.get("showPlayCountTrends") or []:
        out.metrics.append(
            _metric(
                ctx,
                out.source,
                _apple_day(item.get("timebucket")),
                None,
                downloads=_reported(item.get("playscount")),
                listeners=_reported(item.get("uniquelistenerscount")),
                listen_seconds=_reported(item.get("totaltimelistened")),
            )
        )


def _apple_guid(item: dict, episode_id: str, out: ParsedExport) -> None:
    """Apple's ``podcastEpisodeGuid`` (the episode's RSS ``<guid>`` as Apple read it from the feed) →
    ``out.guids[episode_id]``, so the identity map pairs the Apple id with the episode by GUID."""
    guid = item.get("podcastEpisodeGuid")
    if isinstance(guid, str) and guid.strip():
        out.guids[episode_id] = guid.strip()


def _apple_episodes(p: dict, ctx: ShowContext, out: ParsedExport) -> None:  # noqa: ARG001 - a Parser
    """Apple's episode catalogue (``data.content.results``: id → {id, name, podcastEpisodeGuid,
    releaseDate, ...}) and ``data.episodesPlayCount`` (id → ``[{playscount, uniquelistenerscount,
    totaltimelistened, ...}]`` over the payload range). The catalogue gives titles and release days
    (``out.episodes`` / ``out.published``) for matching; the counts are range totals, which
    listener_metrics (daily values) cannot take: both are counted in ``out.dropped`` by reason."""
    data = p["data"]
    content = data.get("content") if isinstance(data, dict) else None
    results = content.get("results") if isinstance(content, dict) else None
    if not isinstance(results, dict):
        raise ExportFormatError("data.content.results is missing or not an object")
    for key, item in sorted(results.items()):
        if not isinstance(item, dict):
            out.dropped["catalogue entry that is not an object"] += 1
            continue
        episode_id = str(item.get("id") or key)
        out.episodes.append((episode_id, str(item.get("name") or ""), None))
        release = item.get("releaseDate")
        if isinstance(release, str) and len(release) >= 10:
            out.published[episode_id] = release[:10]
        _apple_guid(item, episode_id, out)
        out.dropped["episode catalogue entry: titles and release days for matching, not metrics"] += 1
    counts = data.get("episodesPlayCount") or {}
    if not isinstance(counts, dict):
        raise ExportFormatError("data.episodesPlayCount is not an object")
    for entries in counts.values():
        n = len(entries) if isinstance(entries, list) else 1
        out.dropped["episode plays/listeners over the payload range: a range total, not a daily value"] += n


def _apple_followers(p: dict, ctx: ShowContext, out: ParsedExport) -> None:
    """``showTrends/Followers`` (https://github.com/openpodcast/api/blob/main/fixtures/appleTrendsFollowers.json,
    schema ``src/schema/apple/showTrendsFollowers.json``). ``followerAllTimeTrends`` rows
    ``[YYYYMMDD, total followers, total unfollowers]`` (openpodcast's ``AppleConnector`` reads them so)
    → one ``followers`` row of ``show_audience_size`` per day; a row that is not that shape is kept
    as raw text so validation quarantines it. ``allTimeFollowers`` / ``changeInFollowers``
    ({base|all|lost|gained: {previous, current}}: summaries over the range) and
    ``followerGrowthTrends`` rows ``[YYYYMMDD, gained, lost]`` (no column for gains and losses) are
    counted as dropped by reason."""
    data = p["data"]
    if not isinstance(data, dict):
        raise ExportFormatError("data is not an object")
    for key in ("allTimeFollowers", "changeInFollowers", "followerAllTimeTrends", "followerGrowthTrends"):
        value = data.get(key)
        if value is not None and not isinstance(value, (list, dict)):
            raise ExportFormatError(f"data.{key} is not a list or an object")
    for row in data.get("followerAllTimeTrends") or []:
        if isinstance(row, list) and len(row) >= 2:
            out.sizes.append(_size(ctx, out.source, "followers", _apple_day(row[0]), row[1]))
        else:
            out.sizes.append(_size(ctx, out.source, "followers", _s(row), None))
    for key, why in (
        ("allTimeFollowers", "follower totals at the start and end of the range: a summary, not a daily value"),
        ("changeInFollowers", "followers gained/lost over the range: a summary, not a daily value"),
        ("followerGrowthTrends", "followers gained/lost per day: show_audience_size holds follower counts"),
    ):
        value = data.get(key)
        if value:
            out.dropped[f"{key}: {why}"] += len(value)


def _apple_episode_details(p: dict, ctx: ShowContext, out: ParsedExport) -> None:  # noqa: ARG001 - a Parser
    """``episodeDetails`` of one episode (https://github.com/openpodcast/api/blob/main/fixtures/appleEpisodeDetails.json,
    schema ``src/schema/apple/episodeDetails.json``): ``content.results`` (the episode's catalogue
    entry: id, name, releaseDate, ...) → ``out.episodes`` / ``out.published`` for matching;
    ``episodePlayCountAllTime`` (all-time plays, listeners, time listened), ``episodePlayHistogram``
    (``[{second offset: listeners}]``) and ``showTopCities`` / ``showTopCountries`` (Apple geo ids →
    latestValue). None is a daily value: every entry is counted as dropped by reason."""
    data = p["data"]
    content = data.get("content") if isinstance(data, dict) else None
    results = content.get("results") if isinstance(content, dict) else None
    if not isinstance(results, dict):
        raise ExportFormatError("data.content.results is missing or not an object")
    for key, item in sorted(results.items()):
        if not isinstance(item, dict):
            out.dropped["catalogue entry that is not an object"] += 1
            continue
        episode_id = str(item.get("id") or key)
        out.episodes.append((episode_id, str(item.get("name") or ""), None))
        release = item.get("releaseDate")
        if isinstance(release, str) and len(release) >= 10:
            out.published[episode_id] = release[:10]
        _apple_guid(item, episode_id, out)
        out.dropped["episode catalogue entry: titles and release days for matching, not metrics"] += 1
    for key, why in (
        ("episodePlayCountAllTime", "all-time plays/listeners of the episode, not daily values"),
        ("episodePlayHistogram", "listeners per offset into the episode: no table"),
        ("showTopCities", "Apple city ids, not ISO countries: no table"),
        ("showTopCountries", "Apple country ids, not ISO codes: no table"),
    ):
        value = data.get(key)
        if value is not None and not isinstance(value, (list, dict)):
            raise ExportFormatError(f"data.{key} is not a list or an object")
        if value:
            out.dropped[f"{key}: {why}"] += 1 if key == "episodePlayCountAllTime" else len(value)


# --- the host (Podigee) -----------------------------------------------------------------------


def _host_metrics(p: dict, ctx: ShowContext, out: ParsedExport) -> None:
    """Daily ``downloads`` / ``total`` (or no subdimension) become rows; every other entry is counted
    in ``out.dropped`` under its reason: an exact duplicate, an app dimension (clients, platforms,
    sources), or a total over a range longer than a day (``hosterPodcastMetricsTotals``: downloads,
    listeners and subscribers over 30 days), which listener_metrics, holding daily values, cannot take.
    """
    seen: set[str] = set()
    for item in _list(p["data"], "metrics"):
        fingerprint = json.dumps(item, sort_keys=True, default=str)
        if fingerprint in seen:
            out.dropped["exact duplicate row (the host's API repeats rows across pages)"] += 1
            continue
        seen.add(fingerprint)
        if not isinstance(item, dict):
            raise ExportFormatError(f"data.metrics entry {item!r} is not an object")
        dimension, subdimension = item.get("dimension"), item.get("subdimension")
        start, end = item.get("start"), item.get("end")
        try:
            days = (date.fromisoformat(str(end)) - date.fromisoformat(str(start))).days
        except ValueError:
            days = 1  # a bad date is left for validation to quarantine with its value
        if dimension not in ("downloads", "listeners", "subscribers"):
            out.dropped[f"dimension {str(dimension)[:40]!r} describes apps, not listeners"] += 1
            continue
        if days != 1:
            out.dropped[
                f"{str(dimension)[:40]}/{str(subdimension)[:40]} is a total over {days} days; "
                "listener_metrics holds daily values"
            ] += 1
            continue
        if dimension != "downloads" or subdimension not in ("total", None):
            out.dropped[f"daily {str(dimension)[:40]}/{str(subdimension)[:40]} has no listener_metrics column"] += 1
            continue
        out.metrics.append(_metric(ctx, out.source, start, p["meta"].get("episode"), downloads=item.get("value")))


# --- Anchor (Spotify for Creators) ------------------------------------------------------------


def _anchor_rows(p: dict) -> tuple[list, dict]:
    inner = p["data"].get("data") if isinstance(p["data"], dict) else None
    if not isinstance(inner, dict) or not isinstance(inner.get("rows"), list):
        raise ExportFormatError("data.data.rows is missing or not a list")
    return inner["rows"], inner


def _anchor_plays_by_episode(p: dict, ctx: ShowContext, out: ParsedExport) -> None:
    rows, inner = _anchor_rows(p)
    titles = (inner.get("labels") or {}).get("EpisodeTitle") or {}
    for key, title in sorted(titles.items()):
        out.episodes.append((str(key), str(title), None))
    for row in rows:
        if not isinstance(row, list) or len(row) != 3:
            raise ExportFormatError(f"data.data.rows entry {row!r} is not [day start, episode key, plays]")
        out.metrics.append(_metric(ctx, out.source, _unix_day(row[0]), row[1], downloads=row[2]))


def _anchor_plays(p: dict, ctx: ShowContext, out: ParsedExport) -> None:
    rows, _ = _anchor_rows(p)
    for row in rows:
        if not isinstance(row, list) or len(row) != 2:
            raise ExportFormatError(f"data.data.rows entry {row!r} is not [day start, plays]")
        out.metrics.append(_metric(ctx, out.source, _unix_day(row[0]), None, downloads=row[1]))


def _anchor_plays_by_geo(p: dict, ctx: ShowContext, out: ParsedExport) -> None:
    rows, _ = _anchor_rows(p)
    as_of = (p.get("range") or {}).get("end")
    shares: dict[str, float] = {}
    for row in rows:
        if not isinstance(row, list) or len(row) != 2:
            raise ExportFormatError(f"data.data.rows entry {row!r} is not [country, share]")
        code = country_code(row[0]) or unresolved_country(row[0])
        share = row[1] if isinstance(row[1], (int, float)) and not isinstance(row[1], bool) else None
        if share is None:
            out.audience.append(_audience_raw(ctx, out.source, code, row[1], as_of))
            continue
        shares[code] = shares.get(code, 0.0) + float(share)
    for code, share in sorted(shares.items()):
        out.audience.append(_audience(ctx, out.source, "country", code, share, None, as_of))


def _audience_raw(ctx: ShowContext, source: str, code: str, share: Any, as_of: Any) -> dict[str, str | None]:
    row = _audience(ctx, source, "country", code, 0.0, None, as_of)
    row["share"] = _s(share)
    return row


def _anchor_plays_by_app(p: dict, ctx: ShowContext, out: ParsedExport) -> None:  # noqa: ARG001 - a Parser
    rows, _ = _anchor_rows(p)
    for row in rows:
        if not isinstance(row, list) or len(row) != 2 or not isinstance(row[1], (int, float)):
            raise ExportFormatError(f"data.data.rows entry {row!r} is not [app name, share]")
        out.apps.append((str(row[0]), float(row[1])))
    if out.apps:
        out.dropped["app share: the warehouse has no listening-app table"] += len(out.apps)


def _anchor_episode_plays(p: dict, ctx: ShowContext, out: ParsedExport) -> None:
    """Daily plays of one episode, rows ``[unix day start, plays]`` keyed by ``meta.episode`` (the
    web episode id; https://github.com/openpodcast/api/blob/main/fixtures/anchorEpisodePlays.json,
    schema ``src/schema/anchor/episodePlays.json``); the key resolves through the identity map."""
    rows, _ = _anchor_rows(p)
    episode = p["meta"].get("episode")
    for row in rows:
        if not isinstance(row, list) or len(row) != 2:
            raise ExportFormatError(f"data.data.rows entry {row!r} is not [day start, plays]")
        out.metrics.append(_metric(ctx, out.source, _unix_day(row[0]), episode, downloads=row[1]))


def _anchor_total_plays_by_episode(p: dict, ctx: ShowContext, out: ParsedExport) -> None:  # noqa: ARG001 - a Parser
    """Rows ``[title, episode id, all-time plays, publish time (unix s), rank, episode URI]``
    (https://github.com/openpodcast/api/blob/main/fixtures/anchorTotalPlaysByEpisode.json, schema
    ``src/schema/anchor/totalPlaysByEpisode.json``): titles and publication days go to
    ``out.episodes`` / ``out.published`` for matching; the all-time totals are not daily values and
    are counted as dropped."""
    rows, _ = _anchor_rows(p)
    for row in rows:
        if not isinstance(row, list) or len(row) < 4:
            raise ExportFormatError(f"data.data.rows entry {row!r} is not [title, episode id, plays, published, ...]")
        out.episodes.append((str(row[1]), str(row[0]), None))
        published = _unix_day(row[3])
        if len(published) == 10 and published[4] == "-":
            out.published[str(row[1])] = published
        out.dropped["all-time plays per episode: a total, not a daily value"] += 1


def _anchor_audience_size(p: dict, ctx: ShowContext, out: ParsedExport) -> None:
    """Rows ``[audience size]`` (https://github.com/openpodcast/api/blob/main/fixtures/anchorAudienceSize.json,
    schema ``src/schema/anchor/audienceSize.json``; openpodcast stores it per payload day) → one
    ``audience_size`` row of ``show_audience_size`` on the payload range's last day."""
    rows, _ = _anchor_rows(p)
    day = (p.get("range") or {}).get("end") if isinstance(p.get("range"), dict) else None
    for row in rows:
        value = row[0] if isinstance(row, list) and len(row) == 1 else row
        out.sizes.append(_size(ctx, out.source, "audience_size", day, value))


# Anchor's gender labels → the vocabulary's genders.
ANCHOR_GENDERS = {"Female": "female", "Male": "male", "Non-binary": "non_binary", "Not specified": "not_specified"}


def _anchor_marginal(p: dict, ctx: ShowContext, out: ParsedExport, dimension: str, mapping: dict[str, str]) -> None:
    """Rows ``[label, share of plays]`` → ``audience_profiles`` rows of ``dimension`` (``age_band`` or
    ``gender``: marginal shares, without the other dimension), ``as_of`` the payload range's end. A
    label outside the vocabulary is counted as dropped by reason; a share that is not a number from 0
    to 1 is kept as written, so validation quarantines the row naming it."""
    rows, _ = _anchor_rows(p)
    as_of = (p.get("range") or {}).get("end") if isinstance(p.get("range"), dict) else None
    for row in rows:
        if not isinstance(row, list) or len(row) != 2:
            raise ExportFormatError(f"data.data.rows entry {row!r} is not [{dimension}, share]")
        label, share = row
        if not isinstance(label, str) or label not in mapping:
            out.dropped[f"{dimension} {str(label)[:40]!r} not in the vocabulary"] += 1
        elif isinstance(share, bool) or not isinstance(share, (int, float)):
            bad = _audience(ctx, out.source, dimension, mapping[label], 0.0, None, as_of)
            out.audience.append({**bad, "share": _s(share)})
        else:
            out.audience.append(_audience_value(ctx, out.source, dimension, mapping[label], share, as_of))


def _audience_value(
    ctx: ShowContext, source: str, dimension: str, bucket: str, share: float, as_of: Any
) -> dict[str, str | None]:
    """An audience row whose share is written as reported (an out-of-range share is quarantined)."""
    row = _audience(ctx, source, dimension, bucket, 0.0, None, as_of)
    row["share"] = repr(round(float(share), 8)) if abs(share) < 1e6 else _s(share)
    return row


def _anchor_plays_by_age_range(p: dict, ctx: ShowContext, out: ParsedExport) -> None:
    """Share of plays per age range, rows ``[age range, share]`` with the vocabulary's age bands
    (https://github.com/openpodcast/api/blob/main/fixtures/anchorPlaysByAgeRange.json, schema
    ``src/schema/anchor/playsByAgeRange.json``); see :func:`_anchor_marginal`."""
    _anchor_marginal(p, ctx, out, "age_band", AGE_BANDS)


def _anchor_plays_by_gender(p: dict, ctx: ShowContext, out: ParsedExport) -> None:
    """Share of plays per gender, rows ``[Male|Female|Non-binary|Not specified, share]``
    (https://github.com/openpodcast/api/blob/main/fixtures/anchorPlaysByGender.json, schema
    ``src/schema/anchor/playsByGender.json``); see :func:`_anchor_marginal`."""
    _anchor_marginal(p, ctx, out, "gender", ANCHOR_GENDERS)


# --- OP3 (Open Podcast Prefix Project) -------------------------------------------------------


def _op3_show_download_counts(p: dict, ctx: ShowContext, out: ParsedExport) -> None:  # noqa: ARG001 - a Parser
    """``GET /api/1/queries/show-download-counts`` (``QueryShowDownloadCountsResponse``,
    https://github.com/skymethod/op3 ``worker/routes/api_docs_swagger.ts``): ``{asof,
    showDownloadCounts: {showUuid: {days, monthlyDownloads, weeklyDownloads: [4 numbers],
    weeklyAvgDownloads, numWeeks}}}``. A 30-day total and weekly totals, not daily values: each is
    counted in ``out.dropped`` by reason."""
    counts = p["data"].get("showDownloadCounts") if isinstance(p["data"], dict) else None
    if not isinstance(counts, dict):
        raise ExportFormatError("data.showDownloadCounts is missing or not an object")
    for show in counts.values():
        if not isinstance(show, dict):
            raise ExportFormatError(f"data.showDownloadCounts entry {show!r} is not an object")
        if show.get("monthlyDownloads") is not None:
            out.dropped["monthlyDownloads: a 30-day total; listener_metrics holds daily values"] += 1
        weekly = show.get("weeklyDownloads")
        if isinstance(weekly, list) and weekly:
            out.dropped["weeklyDownloads: weekly totals; listener_metrics holds daily values"] += len(weekly)


def _op3_top_apps_for_show(p: dict, ctx: ShowContext, out: ParsedExport) -> None:  # noqa: ARG001 - a Parser
    """``GET /api/1/queries/top-apps-for-show`` (``QueryTopAppsForShowResponse``, same source):
    ``{showUuid, appDownloads: {app name: downloads over the last three calendar months}}`` →
    ``out.apps`` shares; counted as dropped (the warehouse has no listening-app table)."""
    apps = p["data"].get("appDownloads") if isinstance(p["data"], dict) else None
    if not isinstance(apps, dict):
        raise ExportFormatError("data.appDownloads is missing or not an object")
    numbers: dict[str, float] = {
        str(k): float(v) for k, v in apps.items() if isinstance(v, (int, float)) and not isinstance(v, bool)
    }
    if len(numbers) != len(apps):
        raise ExportFormatError("data.appDownloads holds a value that is not a number")
    out.apps.extend(sorted(_shares(numbers).items()))
    if out.apps:
        out.dropped["app share: the warehouse has no listening-app table"] += len(out.apps)


# OP3's download row columns, in the order of its TSV and ``json-a`` responses (``DEFAULT_HEADERS`` in
# ``worker/backend/query_downloads.ts``); an ``asn`` column may follow.
OP3_DOWNLOAD_HEADERS = (
    "time",
    "url",
    "audienceId",
    "showUuid",
    "episodeId",
    "hashedIpAddress",
    "agentType",
    "agentName",
    "deviceType",
    "deviceName",
    "referrerType",
    "referrerName",
    "botType",
    "countryCode",
    "continentCode",
    "regionCode",
    "regionName",
    "timezone",
    "metroCode",
)


def _op3_downloads(p: dict, ctx: ShowContext, out: ParsedExport) -> None:
    """``GET /api/1/downloads/show/{showUuid}`` (``QueryDownloadsResponse``, https://github.com/skymethod/op3
    ``worker/routes/api_docs_swagger.ts``): ``{rows: [{time, url, audienceId, showUuid, episodeId,
    hashedIpAddress, agentType, agentName, deviceType, deviceName, referrerType, referrerName,
    botType, countryCode, ...}], count, queryTime, continuationToken?}`` — one row per download as OP3
    counts downloads (https://op3.dev/download-calculation), in ascending time order; the ``json-a``
    form (``headers`` + array rows) and the TSV form are turned into this one first.

    Rows become show-level daily ``downloads`` (``episode_id`` NULL: OP3's ``episodeId`` is a hash
    of its own that no catalogue carries): one row per UTC day of ``time``, the number of
    downloads that day. The entries read are those day totals plus the download rows counted as
    dropped by reason: a bot's download (``botType`` set, present with ``bots=include``; OP3's own
    counts exclude them), a download of another show, and every download of the last day of a page
    with a ``continuationToken`` (the day goes on in the next page; a file should hold whole days,
    e.g. ``start``/``end`` at midnight UTC and ``limit`` up to 20000). A row whose ``time`` is not an
    ISO timestamp becomes a row of its own with the value as written, so validation quarantines it.
    """
    rows = _list(p["data"], "rows")
    show = str(p["meta"].get("show"))
    per_day: Counter = Counter()
    for row in rows:
        if not isinstance(row, dict):
            out.metrics.append(_metric(ctx, out.source, (_s(row) or "")[:64] or None, None, downloads=1))
            continue
        if row.get("botType"):
            out.dropped["bot download (botType set): OP3 excludes known bots from download counts"] += 1
            continue
        if row.get("showUuid") not in (None, "", show):
            out.dropped["download of another OP3 show than the file's"] += 1
            continue
        time = row.get("time")
        day = time[:10] if isinstance(time, str) else None
        try:
            date.fromisoformat(day or "")
        except ValueError:
            out.metrics.append(_metric(ctx, out.source, _s(time), None, downloads=1))
            continue
        per_day[day] += 1
    if per_day and p["data"].get("continuationToken"):
        last = max(per_day)
        out.dropped["downloads of the last day of a page with more to come (continuationToken)"] += per_day.pop(last)
    for day, n in sorted(per_day.items()):
        out.metrics.append(_metric(ctx, out.source, day, None, downloads=n))


def op3_downloads_tsv(text: str) -> dict:
    """An OP3 downloads response in its default TSV form (header line, then one download per line;
    ``newQueryResponse`` in ``worker/routes/api_query_common.ts``) → the JSON object form
    ``{rows: [{column: value}]}`` (empty cells as ``None``). Blank lines are skipped; a line with
    more cells than the header keeps the header's columns.

    Raises:
        ExportFormatError: the first line is not OP3's download header (it names the first columns).
    """
    # Lines end in "\n" (CRLF tolerated); str.splitlines would also split on characters such as
    # U+001E or U+2028 that may sit inside a cell.
    lines = [line.removesuffix("\r") for line in text.lstrip("\ufeff").split("\n")]
    header = lines[0].split("\t") if lines else []
    if tuple(header[: len(OP3_DOWNLOAD_HEADERS)]) != OP3_DOWNLOAD_HEADERS:
        raise ExportFormatError(
            "not an OP3 downloads TSV: the header must start with " + "\t".join(OP3_DOWNLOAD_HEADERS[:5]) + " ..."
        )
    rows = []
    for line in lines[1:]:
        if not line.strip():
            continue
        cells = line.split("\t")
        rows.append({name: (cells[i] or None) if i < len(cells) else None for i, name in enumerate(header)})
    return {"rows": rows, "count": len(rows)}


def _op3_show(data: dict, key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def op3_raw_endpoint(payload: Any) -> tuple[str, str | None] | None:
    """``(endpoint, show uuid)`` of a bare OP3 API response body (no wrapper), detected from its
    documented shape, else None:

    * ``{rows, count, ...}`` (``headers`` too in the ``json-a`` form): ``downloads/show`` — the show
      is the rows' ``showUuid``;
    * ``{asof, showDownloadCounts, ...}``: ``queries/show-download-counts`` — the first show key;
    * ``{showUuid, appDownloads, ...}``: ``queries/top-apps-for-show``;
    * ``{showUuid, episodes, minDownloadHour | maxDownloadHour, ...}``:
      ``queries/episode-download-counts`` (a window export, :mod:`sponsor_pipeline.window_exports`).
    """
    if not isinstance(payload, dict) or "meta" in payload or "provider" in payload:
        return None
    if isinstance(payload.get("rows"), list) and "count" in payload:
        shows = [r.get("showUuid") for r in payload["rows"] if isinstance(r, dict)]
        if isinstance(payload.get("headers"), list) and "showUuid" in payload["headers"]:
            at = payload["headers"].index("showUuid")
            shows = [r[at] for r in payload["rows"] if isinstance(r, list) and len(r) > at]
        first = next((s for s in shows if isinstance(s, str) and s), None)
        return "downloads/show", first
    if isinstance(payload.get("showDownloadCounts"), dict) and "asof" in payload:
        keys = sorted(str(k) for k in payload["showDownloadCounts"])
        return "queries/show-download-counts", keys[0] if keys else None
    if "appDownloads" in payload and "showUuid" in payload:
        return "queries/top-apps-for-show", _op3_show(payload, "showUuid")
    if (
        "episodes" in payload
        and "showUuid" in payload
        and ("maxDownloadHour" in payload or "minDownloadHour" in payload)
    ):
        return "queries/episode-download-counts", _op3_show(payload, "showUuid")
    return None


def as_wrapper(payload: Any) -> Any:
    """A bare OP3 response body (:func:`op3_raw_endpoint`) wrapped as ``{provider: "op3", meta: {show,
    endpoint}, data}``, the ``json-a`` downloads form turned into objects; anything else unchanged."""
    found = op3_raw_endpoint(payload)
    if found is None:
        return payload
    endpoint, show = found
    data = payload
    if endpoint == "downloads/show" and isinstance(payload.get("headers"), list):
        names = [str(h) for h in payload["headers"]]
        data = {
            **payload,
            "rows": [dict(zip(names, r, strict=False)) if isinstance(r, list) else r for r in payload["rows"]],
        }
    return {"provider": "op3", "version": 1, "meta": {"show": show, "endpoint": endpoint}, "data": data}


Parser = Callable[[dict, ShowContext, ParsedExport], None]

# (provider, meta.endpoint) → parser. The keys are the formats this module understands.
FORMATS: dict[tuple[str, str], Parser] = {
    ("spotify", "detailedStreams"): _spotify_detailed_streams,
    ("spotify", "listeners"): _spotify_listeners,
    ("spotify", "aggregate"): _spotify_aggregate,
    ("spotify", "followers"): _spotify_followers,
    ("apple", "showTrends/Listeners"): _apple_listeners,
    ("apple", "episodes"): _apple_episodes,
    ("apple", "showTrends/Followers"): _apple_followers,
    ("apple", "episodeDetails"): _apple_episode_details,
    ("podigee", "metrics"): _host_metrics,
    ("anchor", "playsByEpisode"): _anchor_plays_by_episode,
    ("anchor", "plays"): _anchor_plays,
    ("anchor", "playsByGeo"): _anchor_plays_by_geo,
    ("anchor", "playsByApp"): _anchor_plays_by_app,
    ("anchor", "episodePlays"): _anchor_episode_plays,
    ("anchor", "totalPlaysByEpisode"): _anchor_total_plays_by_episode,
    ("anchor", "audienceSize"): _anchor_audience_size,
    ("anchor", "playsByAgeRange"): _anchor_plays_by_age_range,
    ("anchor", "playsByGender"): _anchor_plays_by_gender,
    ("op3", "downloads/show"): _op3_downloads,
    ("op3", "queries/show-download-counts"): _op3_show_download_counts,
    ("op3", "queries/top-apps-for-show"): _op3_top_apps_for_show,
}


def _list(data: Any, key: str) -> list:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, list):
        raise ExportFormatError(f"data.{key} is missing or not a list")
    return value


def detect_format(payload: Any) -> tuple[str, str]:
    """``(provider, endpoint)`` of a wrapped payload.

    Raises:
        ExportFormatError: not a wrapper object, or a provider/endpoint pair not in :data:`FORMATS`.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("meta"), dict) or "data" not in payload:
        raise ExportFormatError("not an export wrapper {provider, meta: {show, endpoint}, data}")
    key = (str(payload.get("provider")), str(payload["meta"].get("endpoint")))
    if key not in FORMATS:
        known = ", ".join(f"{p}/{e}" for p, e in FORMATS)
        raise ExportFormatError(f"unknown export format provider={key[0]!r} endpoint={key[1]!r}; known: {known}")
    return key


def parse_export(payload: Any, ctx: ShowContext, source_name: str = "<payload>") -> ParsedExport:
    """Parse one wrapped payload (a dict, or JSON text/bytes) into rows for ``ctx``'s show.

    Returns a :class:`ParsedExport` whose rows are strings, not yet validated: counts that are
    negative, dates out of range or unknown episodes are caught by the schemas and the import.

    Raises:
        ExportFormatError: not JSON, unknown format, or a structure that is not the format's; the
            message starts with ``source_name``.
    """
    try:
        if isinstance(payload, (bytes, bytearray)):
            payload = payload.decode("utf-8-sig")
        if isinstance(payload, str):
            payload = json.loads(payload)
        payload = as_wrapper(payload)
        provider, endpoint = detect_format(payload)
        out = ParsedExport(
            format=f"{provider}/{endpoint}",
            source=SOURCES[provider],
            provider=provider,
            show_key=str(payload["meta"].get("show")),
            show_id=ctx.show_id,
        )
        FORMATS[(provider, endpoint)](payload, ctx, out)
    except ExportFormatError as err:
        raise ExportFormatError(f"{source_name}: {err}") from err
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ExportFormatError(f"{source_name}: not JSON text ({err})") from err
    except (AttributeError, KeyError, TypeError) as err:
        raise ExportFormatError(f"{source_name}: unexpected structure ({type(err).__name__}: {err})") from err
    return out


def payload_day_range(parsed: ParsedExport) -> tuple[str | None, str | None]:
    """First and last ``day`` of the parsed metrics (ISO strings), for reports."""
    days = sorted(d for d in (m["day"] for m in parsed.metrics) if d)
    return (days[0], days[-1]) if days else (None, None)


__all__ = [
    "AUDIENCE_COLUMNS",
    "FORMATS",
    "METRIC_COLUMNS",
    "OP3_DOWNLOAD_HEADERS",
    "SIZE_COLUMNS",
    "ExportFormatError",
    "ParsedExport",
    "ShowContext",
    "as_wrapper",
    "country_code",
    "detect_format",
    "op3_downloads_tsv",
    "op3_raw_endpoint",
    "parse_export",
    "payload_day_range",
]


def read_platform_shows(path: str | os.PathLike[str]) -> dict[tuple[str, str], str]:
    """``platform_shows.csv`` (columns provider, platform_show_id, show_id) → {(provider, id): show_id}.

    Raises:
        ExportFormatError: the file lacks one of the three columns (names the file).
    """
    import csv

    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"provider", "platform_show_id", "show_id"} <= set(reader.fieldnames):
            raise ExportFormatError(f"{path}: expected columns provider, platform_show_id, show_id")
        return {(r["provider"].strip(), r["platform_show_id"].strip()): r["show_id"].strip() for r in reader}
