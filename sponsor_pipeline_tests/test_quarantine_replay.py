"""The platform identity map and the quarantine replay against a real PostgreSQL: the real Anchor
playsByEpisode payload is quarantined naming each label and title until the catalogue knows its
episodes, then the replay loads every row with the payload's values (issue 13, items 2 and 3)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import dagster as dg
import pytest

from sponsor_pipeline.defs.ingestion.replay import platform_identity_map, quarantine_replay
from sponsor_pipeline.resources.settings import settings_from_env
from sponsor_pipeline.warehouse import imports, targets
from sponsor_pipeline.warehouse.imports import replay

from .test_data_points import OPENPODCAST, import_folder, payload, stored_counts, tenant_folder

TENANT = "engineering-kiosk"
SHOW = "ek-engineering-kiosk"


def anchor_rows() -> tuple[list[list], dict[str, str]]:
    data = json.loads(payload("anchorPlaysByEpisode.json"))["data"]["data"]
    return data["rows"], data["labels"]["EpisodeTitle"]


def add_episodes(conn, tmp_path, titles: dict[str, str]) -> None:
    """The episodes the payload's labels name, published in the days before its first play, as a
    network's reference file would give them (titles written with a number prefix and other case)."""
    path = tmp_path / "more_episodes.csv"
    lines = ["tenant_id,episode_id,show_id,title,published_at,duration_seconds,ad_slots"]
    for n, (key, title) in enumerate(sorted(titles.items())):
        lines.append(f"{TENANT},ek-anchor-{key},{SHOW},#{100 + n} {title.upper()},2023-04-{20 + n:02d},1800,2")
    path.write_text("\n".join(lines) + "\n")
    assert imports.import_csv(conn, path, targets.EPISODES, tenant_id=TENANT).rows_loaded == len(titles)


def test_real_anchor_plays_by_episode_is_quarantined_then_replayed_with_the_payload_values(reference, tmp_path):
    conn = reference
    if not (OPENPODCAST / "anchorPlaysByEpisode.json").exists():
        pytest.skip("the shared openpodcast payloads are not here")
    rows, titles = anchor_rows()
    folder = tenant_folder(tmp_path)
    (folder / "anchorPlaysByEpisode.json").write_bytes(payload("anchorPlaysByEpisode.json"))

    result, _ = import_folder(conn, folder)["anchorPlaysByEpisode.json"]
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined, result.rows_dropped) == (12, 0, 12, 0)
    reasons = [
        r[0]
        for r in conn.execute(
            "SELECT reason FROM quarantined_rows WHERE import_id = %s ORDER BY row_number", (result.import_id,)
        ).fetchall()
    ]
    assert reasons[0] == (
        "unmapped anchor episode '0' ('Title 0'): no episode of the show has the title 'title 0' (normalised)"
    )
    assert conn.execute("SELECT column_name FROM quarantined_rows LIMIT 1").fetchone() == ("episode_id",)
    assert replay.replay_quarantine(conn)[0].loaded == 0  # nothing resolved yet: nothing loaded

    add_episodes(conn, tmp_path, titles)
    results = replay.replay_quarantine(conn)
    assert [(r.import_id, r.tried, r.loaded, r.still_quarantined) for r in results] == [(result.import_id, 12, 12, 0)]

    read, loaded, quarantined, dropped, _, quarantined_reasons = stored_counts(conn, result.import_id)
    assert (read, loaded, quarantined, dropped) == (12, 12, 0, 0) and quarantined_reasons == {}
    stored = conn.execute(
        "SELECT day, episode_id, downloads, import_id FROM listener_metrics WHERE source = 'anchor' "
        "AND tenant_id = %s AND episode_id LIKE 'ek-anchor-%%' ORDER BY day, episode_id",
        (TENANT,),
    ).fetchall()
    expected = sorted(
        (datetime.fromtimestamp(ts, tz=UTC).date(), f"ek-anchor-{key}", plays, result.import_id)
        for ts, key, plays in rows
    )
    assert stored == expected
    pairs = conn.execute(
        "SELECT platform_episode_key, episode_id, matched_by FROM platform_episode_map "
        "WHERE provider = 'anchor' AND platform_show_key = '123abcde' ORDER BY 1"
    ).fetchall()
    assert pairs == [(key, f"ek-anchor-{key}", "title_date") for key in sorted(titles)]
    audit = conn.execute(
        "SELECT count(*), count(replayed_at), min(replay_note) FROM quarantined_rows WHERE import_id = %s",
        (result.import_id,),
    ).fetchone()
    assert audit == (12, 12, "anchor episode '0' → ek-anchor-0 (title_date)")
    assert conn.execute(
        "SELECT payload->>'rows_replayed' FROM events WHERE event_type = 'etl.quarantine_replayed'"
    ).fetchall() == [("12",)]
    assert replay.replay_quarantine(conn) == []  # nothing left to replay
    again, _ = import_folder(conn, folder)["anchorPlaysByEpisode.json"]
    assert again.status == "skipped"


def test_manual_episode_map_resolves_a_spotify_episode_id(reference, postgres, tmp_path):
    conn = reference
    folder = tenant_folder(tmp_path)
    (folder / "streams.json").write_text(
        json.dumps(
            {
                "provider": "spotify",
                "version": 1,
                "meta": {"show": "0tJRC0UsObPCWLmmzmOkIs", "episode": "5sPOTIFYid", "endpoint": "detailedStreams"},
                "data": {"detailedStreams": [{"date": "2022-10-20", "starts": 9, "streams": 7}]},
            }
        )
    )
    result, _ = import_folder(conn, folder)["streams.json"]
    assert result.rows_quarantined == 1
    assert conn.execute("SELECT reason FROM quarantined_rows").fetchone()[0] == (
        "unmapped spotify episode '5sPOTIFYid': the payload gives no title, and the key is no episode's guid "
        "or episode_id"
    )
    (folder / "episode_map.csv").write_text(
        "provider,platform_show_id,platform_episode_id,episode_id\n"
        "spotify,0tJRC0UsObPCWLmmzmOkIs,5sPOTIFYid,1000582974713\n"
        "spotify,0tJRC0UsObPCWLmmzmOkIs,other,no-such-episode\n"
    )
    conn.commit()
    outcome = dg.materialize(
        [platform_identity_map, quarantine_replay],
        resources={"postgres": postgres, "settings": settings_from_env()},
        run_config={"ops": {"platform_identity_map": {"config": {"exports_dir": str(tmp_path)}}}},
    )
    assert outcome.success
    metadata = outcome.asset_materializations_for_node("platform_identity_map")[0].metadata
    assert metadata["manual_pairs_written"].value == 1
    assert "unknown episode_id 'no-such-episode'" in metadata["problems"].value[0]
    replayed = outcome.asset_materializations_for_node("quarantine_replay")[0].metadata
    assert replayed["rows_loaded"].value == 1
    assert conn.execute(
        "SELECT episode_id, downloads FROM listener_metrics WHERE source = 'spotify' AND day = '2022-10-20'"
    ).fetchall() == [("1000582974713", 7)]


def test_csv_row_for_an_unknown_episode_loads_once_the_episode_exists(reference, tmp_path):
    conn = reference
    path = tmp_path / "late_episode_metrics.csv"
    path.write_text(
        "tenant_id,day,show_id,episode_id,source,downloads,listeners,listen_seconds\n"
        "northwind-audio,2026-09-01,,nw-future-ep,replay_test,42,,\n"
        "northwind-audio,2026-09-01,,nw-tech-talk-e106,replay_test,-1,,\n"
    )
    first = imports.import_csv(conn, path, targets.LISTENER_METRICS)
    assert (first.rows_loaded, first.rows_quarantined) == (0, 2)
    conn.execute(
        "INSERT INTO episodes (tenant_id, episode_id, show_id, title, published_at, duration_seconds) "
        "SELECT tenant_id, 'nw-future-ep', show_id, 'Future', '2026-08-31', 60 FROM shows "
        "WHERE tenant_id = 'northwind-audio' LIMIT 1"
    )
    conn.commit()
    [result] = replay.replay_quarantine(conn)
    assert (result.tried, result.loaded, result.still_quarantined) == (1, 1, 1)  # the negative count stays
    read, loaded, quarantined, dropped, _, _ = stored_counts(conn, first.import_id)
    assert (read, loaded, quarantined, dropped) == (2, 1, 1, 0)
    assert conn.execute("SELECT downloads FROM listener_metrics WHERE source = 'replay_test'").fetchall() == [(42,)]
