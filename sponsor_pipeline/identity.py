"""Owns matching platform episode keys to the network's episodes (pure: no Dagster, no database).

Platforms name an episode their own way: Spotify and Apple by their own ids, Anchor by a label
("0", "1"...) whose title is in ``labels.EpisodeTitle``, a host by its GUID or its own id. The
warehouse's ``episode_id`` is the network's. The platform identity map (table
``platform_episode_map``) pairs ``(tenant, provider, platform show key, platform episode key)`` with
``(show_id, episode_id)`` and says how the pair was made (:data:`MATCH_METHODS`), in this order:

1. ``manual``: a row of the tenant's ``episode_map.csv`` (:func:`read_episode_map`); never replaced
   by an automatic match.
2. ``guid``: the payload gives the episode's RSS ``<guid>`` beside the platform's own id (Apple's
   ``podcastEpisodeGuid`` in its episode catalogue and episode details), or the key is that guid
   (RSS 2.0, item guid: the episode's permanent id).
3. ``episode_id``: the key is already the network's own ``episode_id`` of that show.
4. ``title_date``: the normalised titles are equal (:func:`normalise_title`) and the dates agree:
   the platform's publication date within :data:`DATE_TOLERANCE_DAYS` of the episode's, or, when the
   platform gives no publication date (Anchor), the episode published no later than
   :data:`DATE_TOLERANCE_DAYS` after the first day the platform reports for the key (nobody plays an
   episode before its release). Exactly one episode must qualify; two or more are ambiguous and
   nothing is guessed.

A key none of these resolves is quarantined with :func:`unresolved_reason` (provider, key, title and
why), and replayed when the catalogue or the map changes.
"""

from __future__ import annotations

import csv
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

MATCH_METHODS = ("manual", "guid", "episode_id", "title_date")

# Platforms store the publication time in UTC or in the show's zone, so its date may differ from the
# feed's by one day either way.
DATE_TOLERANCE_DAYS = 1

EPISODE_MAP_COLUMNS = ("provider", "platform_show_id", "platform_episode_id", "episode_id")

# An episode-number prefix: "#12", "# 12", "Ep. 12", "Episode 12", "Folge 12", "Nr. 12", "E12",
# "S2E12", "12." / "12 -" / "12:" — followed by a separator (":", "-", "–", "—", "|", ".") or a space.
_NUMBER_PREFIX = re.compile(
    r"^\s*(?:#\s*(?P<hash>\d+)"
    r"|(?:s\d+\s*)?e(?:p(?:isode)?)?\.?\s*(?P<ep>\d+)"
    r"|(?:folge|nr|no|teil|part)\.?\s*(?P<word>\d+)"
    r"|(?P<bare>\d+)(?=\s*[:\-–—|.]))"
    r"\s*[:\-–—|.]?\s*",
    re.IGNORECASE,
)
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True)
class CatalogueEpisode:
    """An episode of the network's catalogue (table ``episodes``): ``published_at`` is its date."""

    episode_id: str
    show_id: str
    title: str
    published_at: date | None
    guid: str | None = None


@dataclass(frozen=True)
class PlatformEpisode:
    """An episode as a platform payload names it.

    ``key``: the platform's episode key. ``title``: its title when the payload gives one.
    ``published``: the platform's publication date, if any. ``first_day``: the first day the
    payload reports for the key (plays, listeners), used when there is no publication date.
    ``guid``: the episode's RSS ``<guid>`` when the payload gives it beside the platform's id.
    """

    key: str
    title: str | None = None
    published: date | None = None
    first_day: date | None = None
    guid: str | None = None


@dataclass(frozen=True)
class Match:
    """``key`` resolved to ``episode_id`` of ``show_id`` by ``method`` (:data:`MATCH_METHODS`);
    ``detail`` says on what (e.g. the two titles and dates)."""

    key: str
    show_id: str
    episode_id: str
    method: str
    detail: str


def fold(text: str) -> str:
    """Lower case without accents or ligatures: ``'Über Straße'`` → ``'uber strasse'``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def split_number(title: str) -> tuple[int | None, str]:
    """``(episode number, rest)`` of a title with an episode-number prefix, else ``(None, title)``.

    ``'#12 Foo'``, ``'Ep. 12: Foo'``, ``'Folge 12 - Foo'``, ``'S2E12 Foo'``, ``'12. Foo'`` →
    ``(12, 'Foo')``. A title that is only a number keeps it: ``'#12'`` → ``(None, '#12')``.
    """
    found = _NUMBER_PREFIX.match(title)
    if not found:
        return None, title
    rest = title[found.end() :]
    if not _NON_WORD.sub("", rest):
        return None, title
    digits = next(g for g in found.group("hash", "ep", "word", "bare") if g is not None)
    return int(digits), rest


def normalise_title(title: str) -> str:
    """A title reduced to what two platforms agree on: accents and case folded, the episode-number
    prefix removed (:func:`split_number`), punctuation as spaces, whitespace collapsed.

    ``'#41 SQL Injections - Ein unterschätztes Risiko'`` and ``'SQL injections: ein Unterschätztes
    Risiko!'`` both give ``'sql injections ein unterschatztes risiko'``.
    """
    _, rest = split_number(unicodedata.normalize("NFKC", title).strip())
    return " ".join(_NON_WORD.sub(" ", fold(rest)).split())


def _numbers_agree(a: str, b: str) -> bool:
    """False only when both titles carry an episode number and the numbers differ."""
    first, second = split_number(a.strip())[0], split_number(b.strip())[0]
    return first is None or second is None or first == second


def match_episode(candidate: PlatformEpisode, episodes: list[CatalogueEpisode]) -> Match | str:
    """Resolve one platform key against the episodes of its show (rules 2-4 of the module docstring).

    Returns a :class:`Match`, or the reason nothing matched (a sentence, for the quarantine reason).
    """
    key = candidate.key.strip()
    guid = (candidate.guid or "").strip()
    if guid:
        by_given = [e for e in episodes if e.guid and e.guid.strip() == guid]
        if len(by_given) == 1:
            e = by_given[0]
            return Match(
                candidate.key,
                e.show_id,
                e.episode_id,
                "guid",
                f"the payload's guid {guid!r} is the RSS guid of {e.episode_id}",
            )
    by_guid = [e for e in episodes if e.guid and e.guid == key]
    if len(by_guid) == 1:
        e = by_guid[0]
        return Match(candidate.key, e.show_id, e.episode_id, "guid", f"key is the RSS guid of {e.episode_id}")
    by_id = [e for e in episodes if e.episode_id == key]
    if len(by_id) == 1:
        e = by_id[0]
        return Match(candidate.key, e.show_id, e.episode_id, "episode_id", "key is the network's episode_id")
    if not candidate.title or not candidate.title.strip():
        return "the payload gives no title, and the key is no episode's guid or episode_id"
    wanted = normalise_title(candidate.title)
    if not wanted:
        return "its title is empty once normalised"
    same_title = [
        e for e in episodes if normalise_title(e.title) == wanted and _numbers_agree(candidate.title, e.title)
    ]
    if not same_title:
        return f"no episode of the show has the title {wanted!r} (normalised)"
    if candidate.published is not None:
        published = candidate.published
        dated = [
            e
            for e in same_title
            if e.published_at is not None and abs((e.published_at - published).days) <= DATE_TOLERANCE_DAYS
        ]
        how = f"published {published.isoformat()} (±{DATE_TOLERANCE_DAYS} day)"
    elif candidate.first_day is not None:
        first_day = candidate.first_day
        dated = [
            e
            for e in same_title
            if e.published_at is not None and (e.published_at - first_day).days <= DATE_TOLERANCE_DAYS
        ]
        how = f"published by {first_day.isoformat()}, the first day reported"
    else:
        dated = same_title
        how = "no date to compare"
    if len(dated) == 1:
        e = dated[0]
        detail = f"title {candidate.title!r} = {e.title!r}, {how}; episode published {e.published_at}"
        return Match(candidate.key, e.show_id, e.episode_id, "title_date", detail)
    if not dated:
        return f"episode(s) titled {wanted!r} exist but none is {how}"
    ids = ", ".join(sorted(e.episode_id for e in dated))
    return f"ambiguous: episodes {ids} are all titled {wanted!r} and {how}"


def unresolved_reason(provider: str, key: str, title: str | None, why: str) -> str:
    """The quarantine reason of a row whose platform episode key did not resolve, naming the
    provider, the key and the title: ``unmapped anchor episode '3' ('Title 3'): <why>``."""
    named = f" ({title[:80]!r})" if title else ""
    return f"{UNMAPPED_PREFIX} {provider} episode {key[:80]!r}{named}: {why}"


# Every unresolved-episode reason starts with this (the replay selects on it).
UNMAPPED_PREFIX = "unmapped"


@dataclass(frozen=True)
class ManualMapping:
    """One row of ``episode_map.csv``: provider, platform show id, platform episode id → episode_id."""

    provider: str
    platform_show_id: str
    platform_episode_id: str
    episode_id: str
    row_number: int


class EpisodeMapError(ValueError):
    """``episode_map.csv`` lacks a column or has an empty cell; names the file and row."""


def read_episode_map(path: str | os.PathLike[str]) -> list[ManualMapping]:
    """Rows of a tenant's ``episode_map.csv`` (columns :data:`EPISODE_MAP_COLUMNS`, others ignored;
    UTF-8 with or without BOM). Row numbers are 1-based, header excluded.

    Raises:
        EpisodeMapError: a column is missing, or a row has an empty required cell.
    """
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        names = [(n or "").strip().lower() for n in reader.fieldnames or []]
        missing = [c for c in EPISODE_MAP_COLUMNS if c not in names]
        if missing:
            raise EpisodeMapError(f"{path}: missing column(s) {', '.join(missing)}")
        reader.fieldnames = names
        out = []
        for number, row in enumerate(reader, start=1):
            values = [(row.get(c) or "").strip() for c in EPISODE_MAP_COLUMNS]
            if not any(values):
                continue
            if not all(values):
                raise EpisodeMapError(f"{path}: row {number} has an empty {EPISODE_MAP_COLUMNS[values.index('')]}")
            out.append(ManualMapping(*values, row_number=number))
        return out
