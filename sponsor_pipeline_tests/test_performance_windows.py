"""Episode performance windows: hand-computed sums from daily data, exported windows, decreases flagged."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from sponsor_pipeline.dashboards.performance import PERFORMANCE_COLUMNS, performance_windows

RELEASE = date(2024, 3, 1)
EP = {"tenant_id": "t1", "show_id": "s1", "episode_id": "e1", "published_at": RELEASE}


def _daily(offset: int, downloads: int, source: str = "spotify", episode: str = "e1") -> dict:
    return {
        "tenant_id": "t1",
        "show_id": "s1",
        "episode_id": episode,
        "source": source,
        "day": RELEASE + timedelta(days=offset),
        "downloads": downloads,
    }


def _window(window_days, downloads: int, as_of: str = "2024-06-30", source: str = "podigee") -> dict:
    return {
        "tenant_id": "t1",
        "show_id": "s1",
        "episode_id": "e1",
        "source": source,
        "window_days": window_days,
        "downloads": downloads,
        "as_of": as_of,
        "released_on": None,
    }


def test_daily_windows_count_the_release_day_as_day_one():
    # day 0 (release) 10, day 1 20, day 6 5, day 7 100 (8th day: outside 7d), day 29 1, day 30 1000,
    # day 89 2, day 90 9999 (91st day), one day before the release (ignored)
    daily = [_daily(o, n) for o, n in [(0, 10), (1, 20), (6, 5), (7, 100), (29, 1), (30, 1000), (89, 2), (90, 9999)]]
    daily.append(_daily(-1, 77))
    [row] = performance_windows([EP], daily, [], as_of=date(2024, 12, 31))
    assert set(row) == set(PERFORMANCE_COLUMNS)
    assert row["basis"] == "daily"
    assert (row["downloads_1d"], row["downloads_7d"], row["downloads_30d"], row["downloads_90d"]) == (
        10,
        35,  # 10 + 20 + 5
        136,  # + 100 + 1
        1138,  # + 1000 + 2
    )
    assert row["downloads_all_time"] == 11137  # + 9999, not the day before the release
    assert all(row[f"complete_{n}d"] for n in (1, 7, 30, 90))
    assert row["flags"] == "" and row["decreasing"] is False


def test_daily_windows_not_elapsed_are_partial():
    daily = [_daily(0, 3), _daily(5, 4), _daily(8, 100)]
    [row] = performance_windows([EP], daily, [], as_of=RELEASE + timedelta(days=6))
    assert row["downloads_7d"] == 7 and row["complete_7d"] is True  # day 7 is release + 6
    assert row["downloads_30d"] == 7 and row["complete_30d"] is False  # the day-8 row is after as_of
    assert row["complete_1d"] is True and row["complete_90d"] is False


def test_each_source_gets_its_own_row_and_daily_wins_over_an_export_of_the_same_source():
    daily = [_daily(0, 5, "spotify"), _daily(0, 7, "apple_podcasts"), _daily(0, 1, "podigee")]
    exported = [_window(7, 999, source="podigee")]
    rows = performance_windows([EP], daily, exported, as_of=date(2024, 12, 31))
    assert [(r["source"], r["basis"], r["downloads_1d"]) for r in rows] == [
        ("apple_podcasts", "daily", 7),
        ("podigee", "daily", 1),
        ("spotify", "daily", 5),
    ]


def test_exported_windows_are_used_where_only_windows_exist():
    exported = [_window(1, 40), _window(3, 90), _window(7, 150), _window(30, 300), _window(None, 420)]
    [row] = performance_windows([EP], [], exported, as_of=date(2024, 12, 31))
    assert row["basis"] == "window_export"
    assert (row["downloads_1d"], row["downloads_7d"], row["downloads_30d"], row["downloads_90d"]) == (
        40,
        150,
        300,
        None,  # not exported: unknown, not 0
    )
    assert row["downloads_all_time"] == 420
    assert row["complete_30d"] is True and row["complete_90d"] is False
    assert row["as_of"] == date(2024, 6, 30) and row["flags"] == ""


def test_a_window_exported_before_it_elapsed_is_partial():
    exported = [_window(30, 80, as_of="2024-03-10")]  # day 10 after release
    [row] = performance_windows([EP], [], exported, as_of=date(2024, 12, 31))
    assert row["downloads_30d"] == 80 and row["complete_30d"] is False


def test_decreasing_cumulative_windows_are_flagged_not_differenced():
    # 7d lower than 3d in one export; the 30d window lower in a later export than in an earlier one
    exported = [
        _window(3, 100),
        _window(7, 95),
        _window(30, 300, as_of="2024-05-01"),
        _window(30, 290, as_of="2024-06-30"),
    ]
    [row] = performance_windows([EP], [], exported, as_of=date(2024, 12, 31))
    assert row["downloads_7d"] == 95 and row["downloads_30d"] == 290  # as reported, latest export
    assert row["decreasing"] is True
    assert "7d 95 < 3d 100 (cumulative window decreased)" in row["flags"]
    assert "30d 290 on 2024-06-30 < 300 on 2024-05-01 (cumulative window decreased)" in row["flags"]


def test_release_day_comes_from_the_export_when_the_catalogue_has_none():
    exported = [{**_window(1, 5), "released_on": "2024-03-01"}]
    [row] = performance_windows([], [], exported, as_of=date(2024, 12, 31))
    assert row["released_on"] == RELEASE and row["downloads_1d"] == 5
    assert performance_windows([], [_daily(0, 5)], [], as_of=date(2024, 12, 31)) == []  # no release day


def test_daily_data_starting_after_the_release_is_flagged():
    [row] = performance_windows([EP], [_daily(3, 5)], [], as_of=date(2024, 12, 31))
    assert row["downloads_1d"] is None and row["downloads_7d"] == 5  # unknown; a lower bound
    assert not row["complete_7d"] and not row["complete_90d"]
    assert "daily data starts 2024-03-04, after the release 2024-03-01" in row["flags"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(-5, 120), st.integers(0, 1000)), max_size=40))
def test_daily_windows_never_decrease(days):
    rows = performance_windows([EP], [_daily(o, n) for o, n in days], [], as_of=date(2025, 1, 1))
    for row in rows:
        values = [row[f"downloads_{n}d"] for n in (1, 7, 30, 90)] + [row["downloads_all_time"]]
        values = [v for v in values if v is not None]
        assert values == sorted(values) and not row["decreasing"]
