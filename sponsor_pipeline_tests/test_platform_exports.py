"""Platform export payloads (real openpodcast fixtures + Anchor files) parsed and loaded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sponsor_pipeline import exports
from sponsor_pipeline.settings import PROJECT_ROOT
from sponsor_pipeline.warehouse import imports, metrics, platform_exports

EK = PROJECT_ROOT / "samples" / "exports" / "engineering-kiosk"
CTX = exports.ShowContext("engineering-kiosk", "ek-engineering-kiosk")


def parse(name: str) -> exports.ParsedExport:
    return exports.parse_export((EK / name).read_bytes(), CTX, name)


def test_spotify_detailed_streams_are_show_level_plays():
    parsed = parse("spotifyPodcastDetailedStreams.json")
    assert parsed.format == "spotify/detailedStreams"
    assert len(parsed.metrics) == 7
    first = parsed.metrics[0]
    assert (first["day"], first["episode_id"], first["downloads"], first["listeners"]) == (
        "2022-09-26",
        None,
        "11",
        None,
    )


def test_spotify_listeners_report_listeners_without_plays():
    parsed = parse("spotifyPodcastListeners.json")
    assert [(m["day"], m["listeners"], m["downloads"]) for m in parsed.metrics] == [
        ("2022-10-03", "42", None),
        ("2022-10-04", "0", None),
    ]


def test_spotify_age_faceted_counts_become_age_gender_shares_with_60_plus():
    parsed = parse("spotifyEpisodeAggregate.json")
    age = {a["bucket"]: a for a in parsed.audience if a["dimension"] == "age_gender"}
    assert len(age) == 7 * 4 and "60+|male" in age
    assert age["28-34|male"]["listeners"] == "11" and float(age["28-34|male"]["share"]) == pytest.approx(11 / 31)
    assert sum(float(a["share"]) for a in age.values()) == pytest.approx(1.0)
    countries = {a["bucket"]: float(a["share"]) for a in parsed.audience if a["dimension"] == "country"}
    assert countries == pytest.approx({"AT": 9 / 31, "CH": 3 / 31, "DE": 19 / 31})
    assert parsed.dropped == {"age band 'unknown' not reported as a band": 1}


def test_apple_minus_one_is_not_reported_not_zero():
    parsed = parse("appleTrendsListenersByEpisode.json")
    assert len(parsed.episodes) == 44 and all(listeners is None for _, _, listeners in parsed.episodes)
    payload = json.loads((EK / "appleTrendsListenersByEpisode.json").read_text())
    payload["data"]["showPlayCountTrends"][0]["uniquelistenerscount"] = -1.0
    payload["data"]["content"][0][3] = 12.0
    reparsed = exports.parse_export(payload, CTX)
    show_rows = [m for m in reparsed.metrics if m["episode_id"] is None]
    assert show_rows[0]["listeners"] is None and show_rows[0]["downloads"] == "9"
    assert reparsed.episodes[0][2] == 12.0
    episode_rows = [m for m in parsed.metrics if m["episode_id"] == "1000584604988"]
    assert next((m["day"], m["downloads"], m["listeners"], m["listen_seconds"]) for m in episode_rows) == (
        "2022-11-01",
        "18",
        "5",
        "9388",
    )


def test_host_metrics_drop_exact_duplicates_and_app_dimensions():
    show = parse("hosterPodcastMetrics.json")
    assert show.metrics == [] and show.dropped == {
        "exact duplicate row (the host's API repeats rows across pages)": 1,
        "dimension 'clients' describes apps, not listeners": 1,
    }
    episode = parse("hosterEpisodeMetrics.json")
    assert [(m["day"], m["episode_id"], m["downloads"]) for m in episode.metrics] == [
        ("2022-10-20", "123XASDF", "100000")
    ]


def test_anchor_plays_by_episode_reads_unix_day_starts_and_titles():
    parsed = parse("anchorPlaysByEpisode.json")
    assert parsed.metrics[0]["day"] == "2022-10-24"
    assert {key for key, _, _ in parsed.episodes} == {m["episode_id"] for m in parsed.metrics}
    plays = parse("anchorPlays.json")
    assert plays.metrics[0]["episode_id"] is None and plays.metrics[-1]["day"] == "2022-11-06"
    geo = {a["bucket"]: float(a["share"]) for a in parse("anchorPlaysByGeo.json").audience}
    assert geo["DE"] == pytest.approx(0.7418) and geo["GB"] == pytest.approx(0.0087)
    assert parse("anchorPlaysByApp.json").apps[0] == ("Spotify", 0.4731)


def test_unknown_format_is_a_clear_error_naming_the_source():
    payload = {"provider": "anchor", "meta": {"show": "x", "endpoint": "playsByDevice"}, "data": {}}
    with pytest.raises(
        exports.ExportFormatError, match=r"my\.json: unknown export format provider='anchor' endpoint='playsByDevice'"
    ):
        exports.parse_export(payload, CTX, "my.json")
    with pytest.raises(exports.ExportFormatError, match="not JSON"):
        exports.parse_export(b"\xff\xfe{", CTX, "bad.json")


def load_all(conn) -> dict[str, tuple[int, int, int]]:
    shows = exports.read_platform_shows(EK / "platform_shows.csv")
    platform_exports.load_reference(conn, EK)
    out = {}
    for path in platform_exports.payload_files(EK):
        result, _parsed = platform_exports.import_payload(conn, path, "engineering-kiosk", shows)
        out[path.name] = (result.status, result.rows_loaded, result.rows_quarantined)
    return out


def test_engineering_kiosk_payloads_load_as_a_third_tenant(reference):
    conn = reference
    loaded = load_all(conn)
    assert loaded["spotifyPodcastDetailedStreams.json"] == ("completed", 7, 0)
    assert loaded["spotifyEpisodeAggregate.json"] == ("completed", 31, 0)
    assert loaded["appleTrendsListenersByEpisode.json"] == ("completed", 34, 0)
    assert loaded["hosterEpisodeMetrics.json"] == ("completed", 1, 0)
    assert loaded["anchorPlaysByGeo.json"] == ("completed", 9, 0)
    rows = conn.execute(
        "SELECT source, count(*) FILTER (WHERE episode_id IS NULL), count(*) FILTER (WHERE episode_id IS NOT NULL) "
        "FROM listener_metrics WHERE tenant_id = 'engineering-kiosk' GROUP BY source ORDER BY source"
    ).fetchall()
    assert rows == [("anchor", 14, 33), ("apple_podcasts", 7, 27), ("podigee", 0, 1), ("spotify", 9, 0)]
    kinds = conn.execute(
        "SELECT DISTINCT source_kind FROM etl_imports WHERE tenant_id = 'engineering-kiosk' "
        "AND source_uri LIKE '%.json'"
    ).fetchall()
    assert kinds == [("export",)]
    assert conn.execute("SELECT count(*) FROM tenants").fetchone()[0] == 3
    again = load_all(conn)
    assert {status for status, _, _ in again.values()} == {"skipped"}


def test_show_level_and_episode_level_rows_coexist_and_refresh_concurrently(reference):
    conn = reference
    conn.execute(
        "INSERT INTO listener_metrics (tenant_id, day, show_id, episode_id, source, downloads) VALUES "
        "('northwind-audio', '2026-09-01', 'nw-tech-talk', NULL, 'anchor', 40), "
        "('northwind-audio', '2026-09-01', 'nw-tech-talk', 'nw-tech-talk-e106', 'anchor', 25)"
    )
    conn.commit()
    metrics.refresh_metrics_daily(conn)
    rows = conn.execute(
        "SELECT episode_id, downloads FROM metrics_daily WHERE source = 'anchor' ORDER BY episode_id NULLS FIRST"
    ).fetchall()
    assert rows == [(None, 40), ("nw-tech-talk-e106", 25)]
    conn.execute("UPDATE listener_metrics SET downloads = 41 WHERE source = 'anchor' AND episode_id IS NULL")
    conn.commit()
    metrics.refresh_metrics_daily(conn)
    assert conn.execute(
        "SELECT downloads FROM metrics_daily WHERE source = 'anchor' AND episode_id IS NULL"
    ).fetchone() == (41,)


def test_listeners_and_streams_of_one_day_merge_into_one_row(reference, tmp_path):
    conn = reference
    folder = tmp_path / "engineering-kiosk"
    folder.mkdir()
    for name in ("platform_shows.csv", "reference"):
        src = EK / name
        (folder / name).symlink_to(src, target_is_directory=src.is_dir())
    base = {"provider": "spotify", "version": 1, "meta": {"show": "0tJRC0UsObPCWLmmzmOkIs", "endpoint": ""}}
    (folder / "a.json").write_text(
        json.dumps(
            {
                **base,
                "meta": {**base["meta"], "endpoint": "detailedStreams"},
                "data": {"detailedStreams": [{"date": "2022-10-03", "starts": 9, "streams": 7}]},
            }
        )
    )
    (folder / "b.json").write_text(
        json.dumps(
            {
                **base,
                "meta": {**base["meta"], "endpoint": "listeners"},
                "data": {"counts": [{"date": "2022-10-03", "count": 5}]},
            }
        )
    )
    shows = exports.read_platform_shows(folder / "platform_shows.csv")
    platform_exports.load_reference(conn, folder)
    for path in platform_exports.payload_files(folder):
        platform_exports.import_payload(conn, path, "engineering-kiosk", shows)
    assert conn.execute("SELECT downloads, listeners FROM listener_metrics WHERE source = 'spotify'").fetchall() == [
        (7, 5)
    ]


def test_broken_payload_fails_whole_import_with_error_event(reference, tmp_path):
    conn = reference
    path = tmp_path / "broken.json"
    path.write_text(
        json.dumps(
            {
                "provider": "anchor",
                "meta": {"show": "8a4e3b0", "endpoint": "plays"},
                "data": {"data": {"rows": [[1666569600, 5], [1666656000]]}},
            }
        )
    )
    shows = exports.read_platform_shows(EK / "platform_shows.csv")
    platform_exports.load_reference(conn, EK)
    with pytest.raises(imports.ImportFailed, match=r"broken\.json"):
        platform_exports.import_payload(conn, path, "engineering-kiosk", shows)
    assert conn.execute("SELECT count(*) FROM listener_metrics WHERE source = 'anchor'").fetchone()[0] == 0
    assert conn.execute("SELECT status FROM etl_imports WHERE source_uri = %s", (str(path),)).fetchone() == ("failed",)
    assert conn.execute("SELECT count(*) FROM events WHERE event_type = 'etl.error'").fetchone()[0] == 1


def test_audience_rows_are_stamped_with_their_import(reference):
    load_all(reference)
    rows = reference.execute(
        "SELECT i.source_uri, a.dimension, count(*) FROM audience_profiles a JOIN etl_imports i USING (import_id) "
        "WHERE i.source_kind = 'export' GROUP BY 1, 2 ORDER BY 1, 2"
    ).fetchall()
    assert [(Path(u).name, d, n) for u, d, n in rows] == [
        ("anchorPlaysByGeo.json", "country", 9),
        ("spotifyEpisodeAggregate.json", "age_gender", 28),
        ("spotifyEpisodeAggregate.json", "country", 3),
    ]


def test_apple_episodes_catalogue_gives_titles_and_release_days_and_counts_range_totals_as_dropped():
    path = Path(__file__).parent / "data" / "openpodcast" / "appleEpisodes.json"
    parsed = exports.parse_export(path.read_bytes(), CTX, path.name)
    assert parsed.format == "apple/episodes" and not parsed.metrics and not parsed.audience
    titles = {key: title for key, title, _ in parsed.episodes}
    assert len(titles) == 44 and titles["1000584604988"] == "#43 Cloud vs. On-Premise: Die Entscheidungshilfe"
    assert parsed.published["1000584604988"] == "2022-11-01"
    assert dict(parsed.dropped) == {
        "episode catalogue entry: titles and release days for matching, not metrics": 44,
        "episode plays/listeners over the payload range: a range total, not a daily value": 44,
    }


def _op3(endpoint: str, data: dict) -> dict:
    return {"provider": "op3", "version": 1, "meta": {"show": "3f0a5c1e", "endpoint": endpoint}, "data": data}


def test_op3_show_counts_and_top_apps_are_read_and_counted_as_dropped():
    # shapes of QueryShowDownloadCountsResponse / QueryTopAppsForShowResponse (skymethod/op3 API docs)
    counts = _op3(
        "queries/show-download-counts",
        {
            "asof": "2026-11-14",
            "showDownloadCounts": {
                "3f0a5c1e": {
                    "days": "1" * 30,
                    "monthlyDownloads": 9120,
                    "weeklyDownloads": [2100, 2230, 2300, 2490],
                    "weeklyAvgDownloads": 2280,
                    "numWeeks": 4,
                }
            },
            "queryTime": 12,
        },
    )
    parsed = exports.parse_export(counts, CTX, "op3.json")
    assert parsed.source == "op3" and not parsed.metrics
    assert sum(parsed.dropped.values()) == 5  # one 30-day total, four weekly totals
    apps = _op3(
        "queries/top-apps-for-show", {"showUuid": "3f0a5c1e", "appDownloads": {"Apple Podcasts": 300, "Overcast": 100}}
    )
    parsed = exports.parse_export(apps, CTX, "apps.json")
    assert parsed.apps == [("Apple Podcasts", 0.75), ("Overcast", 0.25)]
    assert parsed.dropped == {"app share: the warehouse has no listening-app table": 2}
    with pytest.raises(exports.ExportFormatError, match=r"apps\.json: data\.appDownloads holds a value"):
        exports.parse_export(_op3("queries/top-apps-for-show", {"appDownloads": {"x": "many"}}), CTX, "apps.json")


# --- the remaining openpodcast endpoints (fixtures in data/openpodcast_more/, see its SOURCE.md) ---

MORE = Path(__file__).parent / "data" / "openpodcast_more"


def more(name: str) -> tuple[exports.ParsedExport, dict]:
    body = (MORE / name).read_bytes()
    return exports.parse_export(body, CTX, name), json.loads(body)


def test_anchor_episode_plays_are_daily_rows_keyed_by_the_web_episode_id():
    parsed, payload = more("anchorEpisodePlays.json")
    rows = payload["data"]["data"]["rows"]
    assert parsed.format == "anchor/episodePlays" and not parsed.dropped
    assert [(m["day"], m["episode_id"], m["downloads"]) for m in parsed.metrics] == [
        (exports._unix_day(day), "e215pm4", str(plays)) for day, plays in rows
    ]
    assert parsed.metrics[0]["day"] == "2023-04-21" and parsed.metrics[0]["downloads"] == "43"


def test_anchor_total_plays_by_episode_gives_titles_and_days_and_drops_all_time_totals():
    parsed, payload = more("anchorTotalPlaysByEpisode.json")
    rows = payload["data"]["data"]["rows"]
    assert not parsed.metrics and parsed.episodes == [(str(r[1]), r[0], None) for r in rows]
    assert parsed.published == {"12345678": "2022-06-03", "98765432": "2022-02-25"}
    assert parsed.dropped == {"all-time plays per episode: a total, not a daily value": len(rows)}


def test_anchor_age_and_gender_shares_are_audience_rows_of_their_own_dimension():
    age, payload = more("anchorPlaysByAgeRange.json")
    assert age.target == "audience_profiles" and not age.dropped
    assert [(a["dimension"], a["bucket"], float(a["share"]), a["as_of"]) for a in age.audience] == [
        ("age_band", band, round(share, 8), "2023-05-04") for band, share in payload["data"]["data"]["rows"]
    ]
    gender, payload = more("anchorPlaysByGender.json")
    assert {a["bucket"]: float(a["share"]) for a in gender.audience} == {
        "male": 0.62962963,
        "female": 0.33333333,
        "not_specified": 0.03703704,
        "non_binary": 0.0,
    }
    assert {a["dimension"] for a in gender.audience} == {"gender"} and not gender.dropped
    empty, _ = more("anchorPlaysByGenderEmpty.json")
    assert not empty.audience and not empty.dropped
    payload["data"]["data"]["rows"] = [["Agender", 0.5], ["Male", "half"], ["Female", 1.5]]
    odd = exports.parse_export(payload, CTX)
    assert odd.dropped == {"gender 'Agender' not in the vocabulary": 1}
    assert [(a["bucket"], a["share"]) for a in odd.audience] == [("male", "half"), ("female", "1.5")]


def test_followers_and_audience_size_are_show_audience_size_rows():
    spotify, payload = more("spotifyPodcastFollowers.json")
    assert spotify.target == "show_audience_size" and not spotify.metrics and not spotify.dropped
    assert [(r["source"], r["metric"], r["day"], r["value"]) for r in spotify.sizes] == [
        ("spotify", "followers", c["date"], str(c["count"])) for c in payload["data"]["counts"]
    ]
    apple, payload = more("appleTrendsFollowers.json")
    assert apple.format == "apple/showTrends/Followers" and apple.target == "show_audience_size"
    assert [(r["day"], r["value"]) for r in apple.sizes] == [
        ("2022-10-30", "117"),
        ("2022-10-31", "117"),
        ("2022-11-01", "117"),
        ("2022-11-02", "119"),
        ("2022-11-03", "119"),
        ("2022-11-04", "119"),
        ("2022-11-05", "119"),
        ("2022-11-06", "119"),
    ]
    assert apple.dropped == {
        "allTimeFollowers: follower totals at the start and end of the range: a summary, not a daily value": 2,
        "changeInFollowers: followers gained/lost over the range: a summary, not a daily value": 2,
        "followerGrowthTrends: followers gained/lost per day: show_audience_size holds follower counts": 1,
    }
    size, _ = more("anchorAudienceSize.json")
    assert [(r["source"], r["metric"], r["day"], r["value"]) for r in size.sizes] == [
        ("anchor", "audience_size", "2023-05-04", "123")
    ]
    assert not size.dropped


def test_spotify_episode_streams_and_listeners_are_episode_rows():
    streams, payload = more("spotifyEpisodeDetailedStreams.json")
    assert [(m["day"], m["episode_id"], m["downloads"], m["listeners"]) for m in streams.metrics] == [
        (d["date"], "08VSwqmWlk8DgknnmwYxK0", str(d["streams"]), None) for d in payload["data"]["detailedStreams"]
    ]
    listeners, _ = more("spotifyEpisodeListeners.json")
    assert [(m["day"], m["episode_id"], m["listeners"]) for m in listeners.metrics] == [
        ("2022-10-03", "08VSwqmWlk8DgknnmwYxK0", "42"),
        ("2022-10-04", "08VSwqmWlk8DgknnmwYxK0", "0"),
    ]


def test_apple_episode_details_give_the_catalogue_entry_and_drop_totals_and_histogram():
    parsed, payload = more("appleEpisodeDetails.json")
    assert parsed.format == "apple/episodeDetails" and not parsed.metrics
    assert parsed.episodes == [
        ("1000581487989", "#39 Gemischte Tüte: Software Engineer, Github, OpenSource, Git und HomeOffice", None)
    ]
    assert parsed.published == {"1000581487989": "2022-10-04"}
    assert parsed.dropped["episodePlayHistogram: listeners per offset into the episode: no table"] == len(
        payload["data"]["episodePlayHistogram"]
    )
    assert sum(parsed.dropped.values()) == 1 + 1 + 192 + 1 + 1
    empty, _ = more("appleEpisodeDetailsEmpty.json")
    assert sum(empty.dropped.values()) == 1 and len(empty.episodes) == 1


MORE_COUNTS = {  # read, loaded, quarantined, dropped
    "anchorAudienceSize.json": (1, 1, 0, 0),
    "anchorEpisodePlays.json": (14, 0, 14, 0),
    "anchorPlaysByAgeRange.json": (7, 7, 0, 0),
    "anchorPlaysByGender.json": (4, 4, 0, 0),
    "anchorPlaysByGenderEmpty.json": (0, 0, 0, 0),
    "anchorTotalPlaysByEpisode.json": (2, 0, 0, 2),
    "appleEpisodeDetails.json": (196, 0, 0, 196),
    "appleEpisodeDetailsEmpty.json": (1, 0, 0, 1),
    "appleTrendsFollowers.json": (13, 8, 0, 5),
    "spotifyEpisodeDetailedStreams.json": (7, 0, 7, 0),
    "spotifyEpisodeListeners.json": (2, 0, 2, 0),
    "spotifyPodcastFollowers.json": (7, 7, 0, 0),
}


def test_remaining_openpodcast_payloads_account_for_every_row(reference, tmp_path):
    """Each payload imports with read = loaded + quarantined + dropped; episode rows whose platform
    key the catalogue does not map are quarantined, never loaded under the platform key."""
    conn = reference
    folder = tmp_path / "engineering-kiosk"
    folder.mkdir()
    (folder / "reference").symlink_to(EK / "reference", target_is_directory=True)
    (folder / "platform_shows.csv").write_text(
        "provider,platform_show_id,show_id\n"
        "anchor,123abcde,ek-engineering-kiosk\n"
        "apple,1603082924,ek-engineering-kiosk\n"
        "apple,1642486726,ek-engineering-kiosk\n"
        "spotify,0tJRC0UsObPCWLmmzmOkIs,ek-engineering-kiosk\n"
    )
    for name in MORE_COUNTS:
        (folder / name).write_bytes((MORE / name).read_bytes())
    shows = exports.read_platform_shows(folder / "platform_shows.csv")
    platform_exports.load_reference(conn, folder)
    counts = {}
    for path in platform_exports.payload_files(folder):
        result, _ = platform_exports.import_payload(conn, path, "engineering-kiosk", shows)
        counts[path.name] = (result.rows_read, result.rows_loaded, result.rows_quarantined, result.rows_dropped)
        assert result.rows_read == result.rows_loaded + result.rows_quarantined + result.rows_dropped, path.name
    assert counts == MORE_COUNTS


def test_apple_catalogue_guids_pair_apple_ids_with_episodes_in_the_identity_map(reference, tmp_path):
    """Apple's episodeDetails gives podcastEpisodeGuid beside its id: importing it stores the pair by
    GUID (before titles, even when the title would point elsewhere), and later Apple payloads keyed by
    that id resolve through the stored pair."""
    from sponsor_pipeline import identity
    from sponsor_pipeline.warehouse import identity as identity_map

    conn = reference
    folder = tmp_path / "engineering-kiosk"
    folder.mkdir()
    (folder / "reference").symlink_to(EK / "reference", target_is_directory=True)
    (folder / "platform_shows.csv").write_text(
        "provider,platform_show_id,show_id\napple,1603082924,ek-engineering-kiosk\n"
    )
    (folder / "appleEpisodeDetails.json").write_bytes((MORE / "appleEpisodeDetails.json").read_bytes())
    platform_exports.load_reference(conn, folder)
    guid = json.loads((MORE / "appleEpisodeDetails.json").read_bytes())["data"]["content"]["results"]
    guid = next(iter(guid.values()))["podcastEpisodeGuid"]
    conn.execute(
        "UPDATE episodes SET guid = %s WHERE tenant_id = 'engineering-kiosk' AND episode_id = '1000546793663'", (guid,)
    )
    conn.commit()
    shows = exports.read_platform_shows(folder / "platform_shows.csv")
    result, parsed = platform_exports.import_payload(
        conn, folder / "appleEpisodeDetails.json", "engineering-kiosk", shows
    )
    assert result.status == "completed" and parsed is not None and parsed.guids == {"1000581487989": guid}
    stored = conn.execute(
        "SELECT episode_id, matched_by FROM platform_episode_map WHERE tenant_id = 'engineering-kiosk' "
        "AND provider = 'apple' AND platform_show_key = '1603082924' AND platform_episode_key = '1000581487989'"
    ).fetchall()
    assert stored == [("1000546793663", "guid")]
    later = identity_map.resolve_episodes(
        conn,
        "engineering-kiosk",
        "apple",
        "1603082924",
        "ek-engineering-kiosk",
        [identity.PlatformEpisode("1000581487989", "#39 Gemischte Tüte")],
    )
    assert (later["1000581487989"].episode_id, later["1000581487989"].method) == ("1000546793663", "guid")


# --- bare OP3 API responses ---------------------------------------------------------------------

OP3_DIR = Path(__file__).parent / "data" / "op3"
OP3_SHOW = "3f0a5c1e2b7d4e6f8a9b0c1d2e3f4a5b"
NW = exports.ShowContext("northwind-audio", "nw-tech-talk")
OP3_BOT = "bot download (botType set): OP3 excludes known bots from download counts"
OP3_PAGE = "downloads of the last day of a page with more to come (continuationToken)"


def op3(name: str) -> exports.ParsedExport:
    body = (OP3_DIR / name).read_bytes()
    if name.endswith(".tsv"):
        return exports.parse_export(exports.op3_downloads_tsv(body.decode()), NW, name)
    return exports.parse_export(body, NW, name)


@pytest.mark.parametrize("name", ["op3-downloads-show.json", "op3-downloads-show.tsv"])
def test_op3_downloads_become_show_level_daily_downloads_without_bots(name):
    parsed = op3(name)
    assert (parsed.format, parsed.source, parsed.show_key) == ("op3/downloads/show", "op3", OP3_SHOW)
    assert [(m["day"], m["episode_id"], m["downloads"]) for m in parsed.metrics] == [
        ("2026-11-12", None, "7"),
        ("2026-11-13", None, "5"),
        ("2026-11-14", None, "4"),
    ]
    assert parsed.dropped == {OP3_BOT: 1}
    raw = json.loads((OP3_DIR / "op3-downloads-show.json").read_bytes())
    assert sum(int(m["downloads"]) for m in parsed.metrics) + 1 == raw["count"] == len(raw["rows"])


def test_op3_json_a_page_with_a_continuation_token_drops_its_unfinished_last_day():
    parsed = op3("op3-downloads-show-page1.json")
    assert [(m["day"], m["downloads"]) for m in parsed.metrics] == [("2026-11-12", "7")]
    assert parsed.dropped == {OP3_PAGE: 2}


def test_op3_download_with_a_bad_time_is_a_row_of_its_own_for_validation():
    raw = json.loads((OP3_DIR / "op3-downloads-show.json").read_bytes())
    raw["rows"][0]["time"] = "12/11/2026 02:00"
    raw["rows"][1]["showUuid"] = "another-show"
    parsed = exports.parse_export(raw, NW)
    assert ("12/11/2026 02:00", "1") in [(m["day"], m["downloads"]) for m in parsed.metrics]
    assert parsed.dropped == {OP3_BOT: 1, "download of another OP3 show than the file's": 1}


def test_bare_op3_responses_are_detected_by_shape():
    detected = {
        name: exports.op3_raw_endpoint(json.loads((OP3_DIR / name).read_bytes()))
        for name in ("op3-downloads-show.json", "op3-downloads-show-page1.json", "op3-show-download-counts.json")
    }
    assert detected == {
        "op3-downloads-show.json": ("downloads/show", OP3_SHOW),
        "op3-downloads-show-page1.json": ("downloads/show", OP3_SHOW),
        "op3-show-download-counts.json": ("queries/show-download-counts", OP3_SHOW),
    }
    windows = Path(__file__).parent / "data" / "window_exports" / "op3-episode-download-counts.json"
    assert exports.op3_raw_endpoint(json.loads(windows.read_bytes())) == ("queries/episode-download-counts", OP3_SHOW)
    counts = op3("op3-show-download-counts.json")
    assert counts.dropped == {
        "monthlyDownloads: a 30-day total; listener_metrics holds daily values": 1,
        "weeklyDownloads: weekly totals; listener_metrics holds daily values": 4,
    }
    apps = op3("op3-top-apps-for-show.json")
    assert apps.format == "op3/queries/top-apps-for-show" and apps.apps[0] == ("Apple Podcasts", 8120 / 14855)
    wrapped = json.loads((EK / "spotifyPodcastDetailedStreams.json").read_bytes())
    assert exports.op3_raw_endpoint(wrapped) is None and exports.as_wrapper(wrapped) is wrapped
    with pytest.raises(exports.ExportFormatError, match="not an OP3 downloads TSV"):
        exports.op3_downloads_tsv("date\tdownloads\n2026-11-12\t4\n")


OP3_COUNTS = {  # read, loaded, quarantined, dropped
    "op3-downloads-show.json": (4, 3, 0, 1),
    "op3-downloads-show.tsv": (4, 3, 0, 1),  # the same downloads as the JSON, in TSV: the same day rows
    "op3-downloads-show-page1.json": (3, 1, 0, 2),
    "op3-show-download-counts.json": (5, 0, 0, 5),
    "op3-top-apps-for-show.json": (6, 0, 0, 6),
}


def test_bare_op3_files_in_a_tenant_folder_import_with_every_entry_accounted_for(reference, tmp_path):
    import shutil

    from sponsor_pipeline.defs.ingestion.sensors import landing_files
    from sponsor_pipeline.warehouse import window_exports

    conn = reference
    folder = tmp_path / "exports" / "northwind-audio"
    folder.mkdir(parents=True)
    (folder / "platform_shows.csv").write_text(f"provider,platform_show_id,show_id\nop3,{OP3_SHOW},nw-tech-talk\n")
    for name in OP3_COUNTS:
        shutil.copy(OP3_DIR / name, folder / name)
    windows = Path(__file__).parent / "data" / "window_exports" / "op3-episode-download-counts.json"
    shutil.copy(windows, folder / windows.name)
    assert {p.name for _, _, p in landing_files(tmp_path)} == {*OP3_COUNTS, windows.name}
    shows = exports.read_platform_shows(folder / "platform_shows.csv")
    counts = {}
    for path in platform_exports.payload_files(folder):
        show_key = platform_exports.op3_window_show(path)
        if show_key is not None:
            assert (path.name, show_key) == (windows.name, OP3_SHOW)
            result, _ = window_exports.import_window_file(conn, path, "northwind-audio", "op3", show_key, shows)
        else:
            result, _ = platform_exports.import_payload(conn, path, "northwind-audio", shows)
        assert result.rows_read == result.rows_loaded + result.rows_quarantined + result.rows_dropped, path.name
        counts[path.name] = (result.rows_read, result.rows_loaded, result.rows_quarantined, result.rows_dropped)
    assert counts.pop(windows.name) == (15, 10, 2, 3)  # as from windows/op3/<show>/
    assert counts == OP3_COUNTS
    stored = conn.execute(
        "SELECT day::text, downloads FROM listener_metrics WHERE tenant_id = 'northwind-audio' AND source = 'op3' "
        "AND episode_id IS NULL ORDER BY day"
    ).fetchall()
    assert stored == [("2026-11-12", 7), ("2026-11-13", 5), ("2026-11-14", 4)]


def test_an_empty_op3_downloads_response_imports_as_zero_rows(reference, tmp_path):
    """OP3 answers a range without downloads with ``{rows: [], count: 0}``: no row names the show, so
    the file is an import of 0 rows read, not a failure."""
    folder = tmp_path / "exports" / "northwind-audio"
    folder.mkdir(parents=True)
    (folder / "platform_shows.csv").write_text(f"provider,platform_show_id,show_id\nop3,{OP3_SHOW},nw-tech-talk\n")
    path = folder / "op3-downloads-empty.json"
    path.write_text('{"rows": [], "count": 0, "queryTime": 3}')
    shows = exports.read_platform_shows(folder / "platform_shows.csv")
    result, parsed = platform_exports.import_payload(reference, path, "northwind-audio", shows)
    assert result.status == "completed", result
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined, result.rows_dropped) == (0, 0, 0, 0)
    assert parsed is not None and parsed.format == "op3/downloads/show" and not parsed.metrics


def test_show_audience_size_check_passes_on_real_followers_and_flags_an_implausible_jump(reference, tmp_path, postgres):
    """The followers of the real Spotify and Apple payloads and Anchor's audience size load into
    show_audience_size and pass show_audience_size_plausible; a day whose follower count jumps by more
    than MAX_AUDIENCE_SIZE_DAILY_CHANGE fails it (a warning naming show, source, days and change)."""
    import dagster as dg

    from sponsor_pipeline.defs.ingestion.checks import show_audience_size_plausible

    conn = reference
    folder = tmp_path / "engineering-kiosk"
    folder.mkdir()
    (folder / "reference").symlink_to(EK / "reference", target_is_directory=True)
    (folder / "platform_shows.csv").write_text(
        "provider,platform_show_id,show_id\nanchor,123abcde,ek-engineering-kiosk\n"
        "apple,1603082924,ek-engineering-kiosk\nspotify,0tJRC0UsObPCWLmmzmOkIs,ek-engineering-kiosk\n"
    )
    for name in ("spotifyPodcastFollowers.json", "appleTrendsFollowers.json", "anchorAudienceSize.json"):
        (folder / name).write_bytes((MORE / name).read_bytes())
    platform_exports.load_reference(conn, folder)
    shows = exports.read_platform_shows(folder / "platform_shows.csv")
    for path in platform_exports.payload_files(folder):
        platform_exports.import_payload(conn, path, "engineering-kiosk", shows)
    stored = conn.execute(
        "SELECT source, metric, count(*), max(value) FROM show_audience_size GROUP BY 1, 2 ORDER BY 1, 2"
    ).fetchall()
    assert stored == [
        ("anchor", "audience_size", 1, 123),
        ("apple_podcasts", "followers", 8, 119),
        ("spotify", "followers", 7, 242),
    ]
    passing = show_audience_size_plausible(postgres=postgres)
    assert passing.passed and passing.metadata["rows_checked"].value == 16
    conn.execute(
        "INSERT INTO show_audience_size (tenant_id, show_id, source, metric, day, value) "
        "VALUES ('engineering-kiosk', 'ek-engineering-kiosk', 'spotify', 'followers', '2022-10-26', 2420)"
    )
    conn.commit()
    failing = show_audience_size_plausible(postgres=postgres)
    assert not failing.passed and failing.severity == dg.AssetCheckSeverity.WARN
    assert failing.metadata["implausible_changes"].value == 1
    assert "| spotify | followers | 2022-10-25: 242 | 2022-10-26: 2420 | +900% |" in failing.metadata["changes"].value


def test_platform_exports_asset_imports_bare_op3_files_and_routes_episode_counts_to_windows(
    reference, postgres, tmp_path
):
    """The asset over a tenant folder holding bare OP3 responses: downloads (JSON and TSV), show
    counts, top apps, and an episode-download-counts response beside them, which goes to
    episode_download_windows; every file is in the imports table and the sources check passes."""
    import shutil

    import dagster as dg

    from sponsor_pipeline.defs.ingestion.exports import platform_exports as asset
    from sponsor_pipeline.resources.settings import settings_from_env

    folder = tmp_path / "exports" / "northwind-audio"
    folder.mkdir(parents=True)
    (folder / "platform_shows.csv").write_text(f"provider,platform_show_id,show_id\nop3,{OP3_SHOW},nw-tech-talk\n")
    for name in ("op3-downloads-show.tsv", "op3-show-download-counts.json", "op3-top-apps-for-show.json"):
        shutil.copy(OP3_DIR / name, folder / name)
    shutil.copy(Path(__file__).parent / "data" / "window_exports" / "op3-episode-download-counts.json", folder)
    result = dg.materialize(
        [asset],
        resources={"postgres": postgres, "settings": settings_from_env()},
        run_config={"ops": {"platform_exports": {"config": {"exports_dir": str(tmp_path / "exports")}}}},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    (materialization,) = [e.event_specific_data.materialization for e in result.get_asset_materialization_events()]
    meta = materialization.metadata
    assert (meta["payloads"].value, meta["payloads_failed"].value) == (4, 0)
    assert (meta["listener_metrics_rows"].value, meta["window_rows"].value) == (3, 10)
    table = meta["imports"].value
    assert (
        "| northwind-audio/op3-downloads-show.tsv | op3/downloads/show | listener_metrics | completed | 4 | 3 | 0 | 1 |"
        in table
    )
    assert (
        "op3-episode-download-counts.json | op3/episode-download-counts (utf-8, '') | episode_download_windows | completed | 15 | 10 | 2 | 3 |"
        in table
    )
    assert all(e.passed for e in result.get_asset_check_evaluations())
