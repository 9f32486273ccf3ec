"""Owns reading a podcast's RSS feed into episode records (pure: no Dagster, no database).

Glossary and sources of the rules:

* **GUID**: RSS 2.0 ``<item><guid>``, the episode's permanent id across feed rewrites
  (https://www.rssboard.org/rss-specification#ltguidgtSubelementOfLtitemgt). An item without one
  is keyed by its enclosure URL, as podcast apps do (Apple Podcasts Connect: "If a guid is not
  provided an episode's enclosure URL will be used instead").
* **Enclosure**: ``<enclosure url length type>``; ``length`` is the file size in bytes.
* **Duration**: ``<itunes:duration>`` as seconds (``1097``), ``MM:SS`` or ``HH:MM:SS``.
* **Season / episode number**: ``<itunes:season>`` / ``<itunes:episode>`` (positive integers).

Parsing is feedparser's (well-kept, tolerant of real feeds' quirks). An item that cannot be an
episode (no GUID and no enclosure, no title, no publication date, a GUID seen earlier in the same
feed) is counted in :attr:`ParsedFeed.dropped` under its reason; nothing is skipped silently.
"""

from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import feedparser


class FeedError(ValueError):
    """The body is not an RSS/Atom feed; the message names the source."""


@dataclass(frozen=True)
class FeedEpisode:
    """One feed item as an episode. Times are UTC; ``duration_seconds`` and ``enclosure_bytes`` are
    ``None`` when the feed does not give a usable value."""

    guid: str
    title: str
    published_time: datetime
    duration_seconds: int | None
    enclosure_url: str | None
    enclosure_bytes: int | None
    season: int | None
    episode_number: int | None


@dataclass
class ParsedFeed:
    """Episodes of one feed, its title, and items not turned into episodes (reason → items)."""

    title: str
    episodes: list[FeedEpisode] = field(default_factory=list)
    dropped: Counter = field(default_factory=Counter)

    @property
    def items(self) -> int:
        """Items read: episodes + dropped."""
        return len(self.episodes) + sum(self.dropped.values())


def parse_duration(value: object) -> int | None:
    """``itunes:duration`` → whole seconds: ``'1097'`` → 1097, ``'39:58'`` → 2398,
    ``'1:02:03'`` → 3723, ``'1097.6'`` → 1097; ``None`` for anything else or a non-positive value."""
    text = str(value or "").strip()
    if not text:
        return None
    parts = text.split(":")
    if len(parts) > 3:
        return None
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        return None
    if any(n < 0 or n != n or n == float("inf") for n in numbers):
        return None
    seconds = 0.0
    for n in numbers:
        seconds = seconds * 60 + n
    return int(seconds) if 0 < seconds < 2**31 else None


def _positive_int(value: object, limit: int = 2**31) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number < limit else None


def _size(value: object) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 <= number < 2**63 else None


def parse_feed(body: bytes, source: str) -> ParsedFeed:
    """Parse a feed document into :class:`ParsedFeed`.

    Args:
        body: the feed's bytes as served (feedparser detects the encoding).
        source: the feed URL, used in error messages.

    Raises:
        FeedError: the body is not a feed (feedparser found neither a channel nor an item).
    """
    parsed = feedparser.parse(body)
    channel = parsed.get("feed") or {}
    if not parsed.get("entries") and not channel.get("title"):
        problem = parsed.get("bozo_exception")
        raise FeedError(f"{source}: not an RSS or Atom feed" + (f" ({problem})" if problem else ""))
    out = ParsedFeed(title=str(channel.get("title") or ""))
    seen: set[str] = set()
    for entry in parsed.entries:
        enclosure = next(iter(entry.get("enclosures") or []), {})
        enclosure_url = str(enclosure.get("href") or "").strip() or None
        guid = str(entry.get("id") or "").strip() or enclosure_url
        if not guid:
            out.dropped["item without a guid or an enclosure URL"] += 1
            continue
        if guid in seen:
            out.dropped["guid repeated in the feed (the first item is kept)"] += 1
            continue
        seen.add(guid)
        title = " ".join(str(entry.get("title") or "").split())
        if not title:
            out.dropped["item without a title"] += 1
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        if not stamp:
            out.dropped["item without a publication date (pubDate)"] += 1
            continue
        out.episodes.append(
            FeedEpisode(
                guid=guid[:2_000],
                title=title[:1_000],
                published_time=datetime.fromtimestamp(calendar.timegm(stamp), tz=UTC),
                duration_seconds=parse_duration(entry.get("itunes_duration")),
                enclosure_url=enclosure_url,
                enclosure_bytes=_size(enclosure.get("length")),
                season=_positive_int(entry.get("itunes_season")),
                episode_number=_positive_int(entry.get("itunes_episode")),
            )
        )
    return out
