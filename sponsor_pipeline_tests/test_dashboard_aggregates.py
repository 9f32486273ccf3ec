"""Dashboard aggregation rules (pure): windows, trends, revenue, pacing roll-ups, recommendations."""

from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sponsor_pipeline.dashboards import aggregates as agg

AS_OF = pd.Timestamp("2026-11-15")

SHOWS = pd.DataFrame({"tenant_id": ["t1", "t1"], "show_id": ["s1", "s2"], "title": ["Show One", "Show Two"]})
EPISODES = pd.DataFrame(
    {
        "tenant_id": ["t1", "t1", "t1"],
        "show_id": ["s1", "s1", "s2"],
        "episode_id": ["e1", "e2", "e3"],
        "title": ["Ep 1", "Ep 2", "Ep 3"],
        "published_at": [date(2026, 10, 1), date(2026, 11, 1), date(2026, 9, 1)],
    }
)


def _windows(rows):
    cols = ["tenant_id", "show_id", "episode_id", "source", *agg.WINDOW_COLUMNS]
    return pd.DataFrame(rows, columns=cols)


WINDOWS = _windows(
    [
        ("t1", "s1", "e1", "megaphone", 70, 50, 300, 200, 900),
        ("t1", "s1", "e1", "spotify", 30, 50, 100, 100, 300),
        ("t1", "s1", "e2", "megaphone", 100, 0, 400, 0, 400),
        ("t1", "s1", None, "megaphone", 10, 10, 40, 40, 120),  # show-level series
        ("t1", "s2", "e3", "megaphone", 5, 10, 20, 40, 60),
    ]
)


def _ios(rows):
    cols = [
        "tenant_id",
        "io_id",
        "campaign_id",
        "show_id",
        "episode_id",
        "advertiser_id",
        "status",
        "flight_start",
        "flight_end",
        "booked_impressions",
        "cpm",
        "delivered_impressions",
        "expected_to_date",
        "pacing_ratio",
    ]
    return pd.DataFrame(rows, columns=cols)


IOS = _ios(
    [
        # run-of-show, live, over-delivered: billable capped at booked
        (
            "t1",
            "io1",
            "c1",
            "s1",
            None,
            "a1",
            "live",
            date(2026, 11, 1),
            date(2026, 11, 30),
            10_000,
            25.0,
            12_000,
            8_000.0,
            1.5,
        ),
        # episode IO, completed
        (
            "t1",
            "io2",
            "c1",
            "s1",
            "e1",
            "a1",
            "completed",
            date(2026, 10, 1),
            date(2026, 10, 31),
            4_000,
            30.0,
            3_000,
            4_000.0,
            0.75,
        ),
        # scheduled, second advertiser, not measured yet
        (
            "t1",
            "io3",
            "c2",
            "s1",
            None,
            "a2",
            "scheduled",
            date(2026, 11, 20),
            date(2026, 12, 20),
            5_000,
            20.0,
            None,
            None,
            None,
        ),
        # draft and cancelled IOs book nothing
        (
            "t1",
            "io4",
            "c2",
            "s2",
            None,
            "a2",
            "draft",
            date(2026, 11, 1),
            date(2026, 11, 30),
            9_999,
            50.0,
            None,
            None,
            None,
        ),
        (
            "t1",
            "io5",
            "c2",
            "s2",
            None,
            "a3",
            "cancelled",
            date(2026, 11, 1),
            date(2026, 11, 30),
            9_999,
            50.0,
            100,
            10.0,
            10.0,
        ),
    ]
)


def test_trend_is_percent_change_and_none_without_a_previous_window():
    assert agg.trend_pct(110, 100) == 10.0
    assert agg.trend_pct(50, 200) == -75.0
    assert agg.trend_pct(5, 0) is None


def test_revenue_is_impressions_times_cpm_over_1000():
    assert agg.revenue_usd(35_000, 26.45) == 925.75
    assert agg.effective_cpm(250.0, 12_000) == 20.83
    assert agg.effective_cpm(0.0, 0) is None


def test_creator_show_rows_count_episodes_and_show_level_series():
    creator, _ = agg.build_creator(SHOWS, EPISODES, WINDOWS, IOS, AS_OF)
    s1 = creator[(creator.show_id == "s1") & creator.episode_id.isna()].iloc[0]
    assert s1.downloads_7d == 70 + 30 + 100 + 10
    assert s1.downloads_prev_7d == 50 + 50 + 0 + 10
    assert s1.downloads_90d == 900 + 300 + 400 + 120
    assert s1.trend_7d_pct == agg.trend_pct(210, 110)
    assert s1.as_of == date(2026, 11, 15)


def test_creator_ranks_episodes_by_30_day_downloads():
    creator, _ = agg.build_creator(SHOWS, EPISODES, WINDOWS, IOS, AS_OF)
    eps = creator[creator.show_id == "s1"].dropna(subset=["episode_id"]).set_index("episode_id")
    assert eps.loc["e1", "downloads_30d"] == 400 and eps.loc["e2", "downloads_30d"] == 400
    # tie on 30-day downloads: the newer episode ranks first
    assert eps.loc["e2", "episode_rank"] == 1 and eps.loc["e1", "episode_rank"] == 2


def test_creator_revenue_counts_booked_ios_and_caps_delivery_at_booked():
    creator, _ = agg.build_creator(SHOWS, EPISODES, WINDOWS, IOS, AS_OF)
    s1 = creator[(creator.show_id == "s1") & creator.episode_id.isna()].iloc[0]
    assert s1.booked_impressions == 10_000 + 4_000 + 5_000
    assert s1.booked_revenue == pytest.approx(250.0 + 120.0 + 100.0)
    assert s1.delivered_impressions == 10_000 + 3_000  # io1 capped at booked
    assert s1.delivered_revenue == pytest.approx(250.0 + 90.0)
    e1 = creator[creator.episode_id == "e1"].iloc[0]
    assert e1.booked_revenue == pytest.approx(120.0) and e1.delivered_revenue == pytest.approx(90.0)
    s2 = creator[(creator.show_id == "s2") & creator.episode_id.isna()].iloc[0]
    assert s2.booked_revenue == 0  # draft and cancelled IOs only


def test_active_sponsors_are_advertisers_with_running_ios_not_ended():
    creator, _ = agg.build_creator(SHOWS, EPISODES, WINDOWS, IOS, AS_OF)
    s1 = creator[(creator.show_id == "s1") & creator.episode_id.isna()].iloc[0]
    assert s1.active_sponsors == 2  # a1 (live io1) and a2 (scheduled io3); io2 is completed
    s2 = creator[(creator.show_id == "s2") & creator.episode_id.isna()].iloc[0]
    assert s2.active_sponsors == 0


def test_source_split_shares_add_up_to_100_per_show():
    _, split = agg.build_creator(SHOWS, EPISODES, WINDOWS, IOS, AS_OF)
    s1 = split[split.show_id == "s1"].set_index("source")
    assert s1.loc["megaphone", "downloads_30d"] == 300 + 400 + 40
    assert s1.loc["spotify", "share_pct"] == round(100 / 840 * 100, 2)
    assert split.groupby("show_id")["share_pct"].sum().round(0).eq(100).all()


CAMPAIGNS = pd.DataFrame(
    {
        "tenant_id": ["t1", "t1"],
        "campaign_id": ["c1", "c2"],
        "campaign_name": ["C1", "C2"],
        "advertiser_id": ["a1", "a2"],
        "advertiser_name": ["Adv 1", "Adv 2"],
    }
)


def test_advertiser_rows_give_spend_effective_cpm_and_campaign_pacing():
    rows = agg.build_advertiser(IOS, CAMPAIGNS, AS_OF)
    io1 = rows[rows.io_id == "io1"].iloc[0]
    assert io1.spend_to_date == 250.0 and io1.booked_cost == 250.0
    assert io1.effective_cpm == agg.effective_cpm(250.0, 12_000) < 25.0  # over-delivery is free
    assert io1.percent_delivered == 120.0
    c1 = rows[(rows.campaign_id == "c1") & rows.io_id.isna()].iloc[0]
    assert c1.booked_impressions == 14_000 and c1.delivered_impressions == 15_000
    assert c1.spend_to_date == pytest.approx(340.0)
    assert c1.pacing_ratio == round(15_000 / 12_000, 4)
    c2 = rows[(rows.campaign_id == "c2") & rows.io_id.isna()].iloc[0]
    assert pd.isna(c2.pacing_ratio) and pd.isna(c2.effective_cpm)  # io3 not started; draft/cancelled ignored
    assert set(rows.io_id.dropna()) == {"io1", "io2", "io3"}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 10**7), st.integers(0, 2 * 10**7), st.decimals(0, 200, places=2, allow_nan=False)),
        min_size=1,
        max_size=8,
    )
)
def test_campaign_spend_is_the_sum_of_its_ios_and_never_exceeds_booked_cost(ios):
    frame = _ios(
        [
            (
                "t1",
                f"io{i}",
                "c1",
                "s1",
                None,
                "a1",
                "live",
                date(2026, 11, 1),
                date(2026, 11, 30),
                booked,
                float(cpm),
                delivered,
                float(booked),
                1.0,
            )
            for i, (booked, delivered, cpm) in enumerate(ios)
        ]
    )
    rows = agg.build_advertiser(frame, CAMPAIGNS, AS_OF)
    camp = rows[rows.io_id.isna()].iloc[0]
    per_io = rows[rows.io_id.notna()]
    assert camp.spend_to_date == pytest.approx(per_io.spend_to_date.sum(), abs=0.01)
    assert camp.spend_to_date <= camp.booked_cost + 0.01


def test_top_recommendations_rank_by_score_and_mark_booked_shows():
    matches = pd.DataFrame(
        {
            "tenant_id": ["t1"] * 4,
            "campaign_id": ["c1"] * 4,
            "show_id": ["s1", "s2", "s3", "s4"],
            "show_title": ["A", "B", "C", "D"],
            "score": [80.0, 95.5, 60.0, 95.5],
            "rationale": ["r"] * 4,
        }
    )
    recs = agg.top_recommendations(matches, IOS, top_n=3)
    assert list(recs.show_id) == ["s2", "s4", "s1"] and list(recs["rank"]) == [1, 2, 3]
    assert recs.set_index("show_id").loc["s1", "already_booked"]
    assert not recs.set_index("show_id").loc["s2", "already_booked"]
    with pytest.raises(ValueError, match="top_n"):
        agg.top_recommendations(matches, IOS, top_n=0)


def test_advertiser_rows_list_each_ios_flags_and_the_campaign_row_their_union():
    flags = pd.DataFrame(
        [("t1", "io1", "under_pacing"), ("t1", "io2", "brand_safety_conflict"), ("t1", "io2", "under_pacing")],
        columns=["tenant_id", "io_id", "flag"],
    )
    rows = agg.build_advertiser(IOS, CAMPAIGNS, AS_OF, flags)
    by_io = {(r.campaign_id, r.io_id): r.verification_flags for r in rows.itertuples(index=False)}
    assert by_io[("c1", "io1")] == ["under_pacing"]
    assert by_io[("c1", "io2")] == ["brand_safety_conflict", "under_pacing"]
    c1 = rows[(rows.campaign_id == "c1") & rows.io_id.isna()].iloc[0]
    assert c1.verification_flags == ["brand_safety_conflict", "under_pacing"]
    assert by_io[("c2", "io3")] == []
    assert all(v == [] for v in agg.build_advertiser(IOS, CAMPAIGNS, AS_OF).verification_flags)
