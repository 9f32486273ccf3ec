"""Owns the platform identity map's SQL: ``platform_episode_map`` read, filled and used to resolve keys.

The matching rules are :mod:`sponsor_pipeline.identity`'s (pure); this module reads the show's
catalogue episodes and the stored pairs, stores new automatic matches and the tenant's manual CSV.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import psycopg

from sponsor_pipeline import identity


@dataclass(frozen=True)
class Resolution:
    """What a platform key resolved to: ``episode_id`` (None when unresolved) and how, or why not.

    ``method``: one of :data:`identity.MATCH_METHODS` when resolved. ``why``: the reason when not.
    """

    key: str
    title: str | None
    episode_id: str | None
    method: str | None = None
    why: str | None = None


_STORED = """
SELECT platform_episode_key, episode_id, matched_by FROM platform_episode_map
WHERE tenant_id = %s AND provider = %s AND platform_show_key = %s AND show_id = %s
"""

_CATALOGUE = """
SELECT episode_id, show_id, title, published_at, guid FROM episodes
WHERE tenant_id = %s AND show_id = %s ORDER BY episode_id
"""

# An automatic match never replaces a stored pair (a manual one, or one made earlier).
_INSERT_AUTO = """
INSERT INTO platform_episode_map (tenant_id, provider, platform_show_key, platform_episode_key, show_id,
                                  episode_id, matched_by, platform_title, detail)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (tenant_id, provider, platform_show_key, platform_episode_key) DO NOTHING
"""

# A manual pair replaces whatever was stored for the key.
_UPSERT_MANUAL = """
INSERT INTO platform_episode_map (tenant_id, provider, platform_show_key, platform_episode_key, show_id,
                                  episode_id, matched_by, detail)
SELECT e.tenant_id, %(provider)s, %(show_key)s, %(key)s, e.show_id, e.episode_id, 'manual', %(detail)s
FROM episodes e WHERE e.tenant_id = %(tenant_id)s AND e.episode_id = %(episode_id)s
ON CONFLICT (tenant_id, provider, platform_show_key, platform_episode_key) DO UPDATE SET
    show_id = EXCLUDED.show_id, episode_id = EXCLUDED.episode_id, matched_by = 'manual',
    detail = EXCLUDED.detail, matched_at = now()
WHERE (platform_episode_map.show_id, platform_episode_map.episode_id, platform_episode_map.matched_by)
      IS DISTINCT FROM (EXCLUDED.show_id, EXCLUDED.episode_id, 'manual')
"""


def catalogue_episodes(conn: psycopg.Connection, tenant_id: str, show_id: str) -> list[identity.CatalogueEpisode]:
    """The show's episodes as the matcher reads them."""
    return [identity.CatalogueEpisode(*row) for row in conn.execute(_CATALOGUE, (tenant_id, show_id)).fetchall()]


def resolve_episodes(
    conn: psycopg.Connection,
    tenant_id: str,
    provider: str,
    show_key: str,
    show_id: str,
    candidates: Iterable[identity.PlatformEpisode],
) -> dict[str, Resolution]:
    """Resolve platform episode keys of one show: a stored pair first, else
    :func:`identity.match_episode` against the show's episodes, storing each new match.

    Returns ``{key: Resolution}`` for every candidate. Runs in the caller's transaction (the caller
    commits); the stored pairs are keyed by ``(tenant_id, provider, show_key, key)``.
    """
    wanted = {c.key: c for c in candidates}
    if not wanted:
        return {}
    stored = {
        key: (episode_id, method)
        for key, episode_id, method in conn.execute(_STORED, (tenant_id, provider, show_key, show_id)).fetchall()
    }
    episodes: list[identity.CatalogueEpisode] | None = None
    out: dict[str, Resolution] = {}
    for key, candidate in wanted.items():
        if key in stored:
            episode_id, method = stored[key]
            out[key] = Resolution(key, candidate.title, episode_id, method)
            continue
        if episodes is None:
            episodes = catalogue_episodes(conn, tenant_id, show_id)
        found = identity.match_episode(candidate, episodes)
        if isinstance(found, str):
            out[key] = Resolution(key, candidate.title, None, why=found)
            continue
        conn.execute(
            _INSERT_AUTO,
            (
                tenant_id,
                provider,
                show_key,
                key,
                found.show_id,
                found.episode_id,
                found.method,
                candidate.title,
                found.detail,
            ),
        )
        out[key] = Resolution(key, candidate.title, found.episode_id, found.method)
    return out


def load_manual_map(
    conn: psycopg.Connection, tenant_id: str, rows: Iterable[identity.ManualMapping], source: str
) -> tuple[int, list[str]]:
    """Store the tenant's hand-made pairs (``episode_map.csv`` rows) as ``manual``, replacing stored ones.

    Returns ``(pairs written or changed, problems)``: a row naming an episode_id the tenant does not
    have is not stored, and is listed in ``problems`` with the file and row. Caller commits.
    """
    written, problems = 0, []
    for row in rows:
        cur = conn.execute(
            _UPSERT_MANUAL,
            {
                "tenant_id": tenant_id,
                "provider": row.provider,
                "show_key": row.platform_show_id,
                "key": row.platform_episode_id,
                "episode_id": row.episode_id,
                "detail": f"{source} row {row.row_number}",
            },
        )
        if cur.rowcount:
            written += cur.rowcount
        elif not conn.execute(
            "SELECT 1 FROM episodes WHERE tenant_id = %s AND episode_id = %s", (tenant_id, row.episode_id)
        ).fetchone():
            problems.append(f"{source} row {row.row_number}: unknown episode_id {row.episode_id!r} for {tenant_id}")
    return written, problems


def map_summary(conn: psycopg.Connection) -> dict[str, int]:
    """Stored pairs per ``matched_by`` method, over every tenant."""
    return dict(conn.execute("SELECT matched_by, count(*) FROM platform_episode_map GROUP BY 1 ORDER BY 1").fetchall())
