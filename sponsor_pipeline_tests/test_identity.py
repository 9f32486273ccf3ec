"""Platform identity matching (pure): title normalisation, episode-number prefixes, title + date,
GUID and the network's own id, ambiguity, and the hand-made episode_map.csv."""

from __future__ import annotations

from datetime import date

import pytest

from sponsor_pipeline import identity
from sponsor_pipeline.identity import CatalogueEpisode, Match, PlatformEpisode

EPISODES = [
    CatalogueEpisode("ek-41", "ek", "#41 SQL Injections - Ein unterschätztes Risiko", date(2022, 10, 18), "guid-41"),
    CatalogueEpisode("ek-42", "ek", "#42 Lexer, Parser und Open Source in Counterstrike", date(2022, 10, 25)),
    CatalogueEpisode("ek-t1", "ek", "Trailer", date(2021, 12, 1)),
    CatalogueEpisode("ek-t2", "ek", "Trailer", date(2022, 12, 1)),
]


@pytest.mark.parametrize(
    "title",
    [
        "#41 SQL Injections - Ein unterschätztes Risiko",
        "SQL injections: ein Unterschätztes Risiko!",
        "Ep. 41: SQL Injections – ein unterschätztes Risiko",
        "Folge 41 - SQL  Injections -  Ein unterschatztes Risiko",
        "Episode 41 | sql injections, ein unterschätztes risiko",
        "S1E41 SQL Injections - Ein unterschätztes Risiko ",
        "41. SQL Injections - Ein unterschätztes Risiko",
    ],
)
def test_titles_normalise_across_case_punctuation_whitespace_and_number_prefixes(title):
    assert identity.normalise_title(title) == "sql injections ein unterschatztes risiko"


def test_number_prefix_is_split_off_but_a_bare_number_title_is_kept():
    assert identity.split_number("#12 Foo") == (12, "Foo")
    assert identity.split_number("Ep. 12: Foo") == (12, "Foo")
    assert identity.split_number("Folge 12 - Foo") == (12, "Foo")
    assert identity.split_number("#12") == (None, "#12")
    assert identity.split_number("Epic stories") == (None, "Epic stories")


def test_title_and_publication_date_match_within_a_day():
    found = identity.match_episode(
        PlatformEpisode("apple-1", "SQL Injections: ein unterschätztes Risiko", date(2022, 10, 19)), EPISODES
    )
    assert isinstance(found, Match) and (found.episode_id, found.method) == ("ek-41", "title_date")
    far = identity.match_episode(PlatformEpisode("apple-1", "SQL Injections", date(2022, 10, 18)), EPISODES)
    assert isinstance(far, str) and "no episode of the show has the title" in far
    late = identity.match_episode(
        PlatformEpisode("apple-1", "#41 SQL Injections - Ein unterschätztes Risiko", date(2022, 11, 18)), EPISODES
    )
    assert isinstance(late, str) and "none is published 2022-11-18" in late


def test_different_episode_numbers_never_match_on_the_same_title():
    found = identity.match_episode(PlatformEpisode("k", "#40 SQL Injections - Ein unterschätztes Risiko"), EPISODES)
    assert isinstance(found, str)


def test_without_a_publication_date_the_episode_must_be_out_by_the_first_day_reported():
    found = identity.match_episode(PlatformEpisode("0", "Trailer", first_day=date(2022, 6, 1)), EPISODES)
    assert isinstance(found, Match) and found.episode_id == "ek-t1"
    both = identity.match_episode(PlatformEpisode("0", "Trailer", first_day=date(2023, 1, 5)), EPISODES)
    assert isinstance(both, str) and both.startswith("ambiguous: episodes ek-t1, ek-t2")
    before = identity.match_episode(PlatformEpisode("0", "Trailer", first_day=date(2021, 1, 1)), EPISODES)
    assert isinstance(before, str) and "none is published by 2021-01-01" in before


def test_guid_then_the_networks_own_id_come_before_titles():
    by_guid = identity.match_episode(PlatformEpisode("guid-41", "something else"), EPISODES)
    assert isinstance(by_guid, Match) and (by_guid.episode_id, by_guid.method) == ("ek-41", "guid")
    by_id = identity.match_episode(PlatformEpisode("ek-42"), EPISODES)
    assert isinstance(by_id, Match) and (by_id.episode_id, by_id.method) == ("ek-42", "episode_id")
    untitled = identity.match_episode(PlatformEpisode("spotify-xyz"), EPISODES)
    assert untitled == "the payload gives no title, and the key is no episode's guid or episode_id"


def test_unresolved_reason_names_provider_key_and_title():
    reason = identity.unresolved_reason("anchor", "3", "Title 3", "no episode of the show has the title 'title 3'")
    assert reason == "unmapped anchor episode '3' ('Title 3'): no episode of the show has the title 'title 3'"


def test_episode_map_csv_rows_and_errors(tmp_path):
    path = tmp_path / "episode_map.csv"
    path.write_text(
        "Provider,platform_show_id,platform_episode_id,episode_id,note\n"
        "spotify,0tJR,5Xyz,ek-41,by hand\n"
        ",,,,\n"
        "anchor,8a4e,3,ek-42,\n"
    )
    rows = identity.read_episode_map(path)
    assert [(r.provider, r.platform_episode_id, r.episode_id, r.row_number) for r in rows] == [
        ("spotify", "5Xyz", "ek-41", 1),
        ("anchor", "3", "ek-42", 3),
    ]
    path.write_text("provider,platform_show_id,platform_episode_id,episode_id\nspotify,0tJR,,ek-41\n")
    with pytest.raises(identity.EpisodeMapError, match=r"episode_map\.csv: row 1 has an empty platform_episode_id"):
        identity.read_episode_map(path)
    path.write_text("provider,platform_episode_id,episode_id\n")
    with pytest.raises(identity.EpisodeMapError, match="missing column"):
        identity.read_episode_map(path)


def test_a_guid_the_payload_gives_beside_the_platform_id_comes_first():
    by_guid = identity.match_episode(PlatformEpisode("1000581487989", "Trailer", guid="guid-41"), EPISODES)
    assert isinstance(by_guid, Match) and (by_guid.episode_id, by_guid.method) == ("ek-41", "guid")
    assert "guid-41" in by_guid.detail
    unknown = identity.match_episode(
        PlatformEpisode("x", "#42 Lexer, Parser und Open Source in Counterstrike", date(2022, 10, 25), guid="nope"),
        EPISODES,
    )
    assert isinstance(unknown, Match) and (unknown.episode_id, unknown.method) == ("ek-42", "title_date")
