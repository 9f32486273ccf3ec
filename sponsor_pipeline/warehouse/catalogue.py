"""Owns the episode catalogue's SQL: shows with a feed, their fetch validators, and episode upserts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import psycopg

from sponsor_pipeline.catalogue import FeedEpisode


@dataclass(frozen=True)
class FeedShow:
    tenant_id: str
    show_id: str
    feed_url: str
    etag: str | None
    last_modified: str | None


def feed_shows(conn: psycopg.Connection) -> list[FeedShow]:
    """Shows with a ``feed_url``, by tenant and show."""
    rows = conn.execute(
        "SELECT tenant_id, show_id, feed_url, feed_etag, feed_last_modified FROM shows "
        "WHERE feed_url IS NOT NULL AND feed_url <> '' ORDER BY tenant_id, show_id"
    ).fetchall()
    return [FeedShow(*row) for row in rows]


def record_fetch(conn: psycopg.Connection, show: FeedShow, etag: str | None, last_modified: str | None) -> None:
    """Store the validators of a successful fetch (200 or 304) for the next conditional GET."""
    conn.execute(
        "UPDATE shows SET feed_etag = %s, feed_last_modified = %s, feed_fetched_at = now() "
        "WHERE tenant_id = %s AND show_id = %s",
        (etag, last_modified, show.tenant_id, show.show_id),
    )


def episode_id_for(show_id: str, guid: str) -> str:
    """The network's id of a feed episode new to the warehouse: ``<show_id>-<12 hex of sha1(guid)>``."""
    return f"{show_id}-{hashlib.sha1(guid.encode()).hexdigest()[:12]}"


# A hand-entered episode of the show (no guid yet) with the same title and publication date is the
# same episode: it takes the feed's guid instead of a duplicate being inserted.
_ADOPT = """
UPDATE episodes SET guid = %(guid)s
WHERE tenant_id = %(tenant_id)s AND show_id = %(show_id)s AND guid IS NULL
  AND lower(title) = lower(%(title)s) AND published_at = %(published_at)s
  AND NOT EXISTS (SELECT 1 FROM episodes x WHERE x.tenant_id = %(tenant_id)s AND x.show_id = %(show_id)s
                  AND x.guid = %(guid)s)
"""

_UPSERT = """
INSERT INTO episodes (tenant_id, episode_id, show_id, title, published_at, published_time, duration_seconds,
                      guid, enclosure_url, enclosure_bytes, season, episode_number)
VALUES (%(tenant_id)s, %(episode_id)s, %(show_id)s, %(title)s, %(published_at)s, %(published_time)s,
        %(duration_seconds)s, %(guid)s, %(enclosure_url)s, %(enclosure_bytes)s, %(season)s, %(episode_number)s)
ON CONFLICT (tenant_id, show_id, guid) DO UPDATE SET
    title = EXCLUDED.title, published_at = EXCLUDED.published_at, published_time = EXCLUDED.published_time,
    duration_seconds = coalesce(EXCLUDED.duration_seconds, episodes.duration_seconds),
    enclosure_url = EXCLUDED.enclosure_url, enclosure_bytes = EXCLUDED.enclosure_bytes,
    season = EXCLUDED.season, episode_number = EXCLUDED.episode_number, updated_at = now()
WHERE (episodes.title, episodes.published_at, episodes.published_time, episodes.duration_seconds,
       episodes.enclosure_url, episodes.enclosure_bytes, episodes.season, episodes.episode_number)
      IS DISTINCT FROM
      (EXCLUDED.title, EXCLUDED.published_at, EXCLUDED.published_time,
       coalesce(EXCLUDED.duration_seconds, episodes.duration_seconds),
       EXCLUDED.enclosure_url, EXCLUDED.enclosure_bytes, EXCLUDED.season, EXCLUDED.episode_number)
RETURNING (xmax = 0) AS inserted
"""


def upsert_episodes(conn: psycopg.Connection, show: FeedShow, episodes: list[FeedEpisode]) -> tuple[int, int]:
    """Insert new feed episodes and update changed ones, keyed by (tenant, show, guid).

    ``published_at`` is the UTC date of the publication time. A duration the feed leaves out keeps
    the stored one. Returns ``(inserted, updated)``; unchanged episodes are not written.
    """
    inserted = updated = 0
    with conn.cursor() as cur:
        for episode in episodes:
            params = {
                "tenant_id": show.tenant_id,
                "show_id": show.show_id,
                "episode_id": episode_id_for(show.show_id, episode.guid),
                "guid": episode.guid,
                "title": episode.title,
                "published_at": episode.published_time.date(),
                "published_time": episode.published_time,
                "duration_seconds": episode.duration_seconds,
                "enclosure_url": episode.enclosure_url,
                "enclosure_bytes": episode.enclosure_bytes,
                "season": episode.season,
                "episode_number": episode.episode_number,
            }
            cur.execute(_ADOPT, params)
            cur.execute(_UPSERT, params)
            row = cur.fetchone()
            if row is not None:
                inserted += bool(row[0])
                updated += not row[0]
    return inserted, updated
