"""Match-score math (pure): each signal against hand-computed cases, the score, and its properties."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sponsor_pipeline import matchmaking
from sponsor_pipeline.matchmaking import MatchInputs, MatchWeights, load_taxonomy
from sponsor_pipeline.vocabulary import ACCEPTABLE_RISK_LEVELS, GARM_COLUMNS, GARM_RISK_LEVELS, GARM_RISK_RANK
from sponsor_pipeline_tests.fakes.pair_loop import score_pair_loop
from sponsor_pipeline_tests.fakes.synthetic import synthetic_inputs

AS_OF = dt.date(2026, 11, 15)
RANK = GARM_RISK_RANK


# ---------------------------------------------------------------------------------- signals by hand


def test_geo_overlap_is_the_audience_share_in_target_countries():
    show = np.array([[0.6, 0.3, 0.1]])  # US, GB, ZZ
    campaigns = np.array([[1, 1, 0], [0, 0, 0], [1, 0, 0]], dtype=float)
    assert matchmaking.geo_overlap(show, campaigns) == pytest.approx(np.array([[0.9, 0.0, 0.6]]))


def test_demographic_overlap_is_the_histogram_intersection():
    p = np.zeros((1, 28))
    p[0, [0, 1]] = 0.5
    q = np.zeros((2, 28))
    q[0, [0, 2, 3]] = 1 / 3  # overlaps p only in cell 0: min(0.5, 1/3)
    q[1] = p[0]  # the same shape
    assert matchmaking.demographic_overlap(p, q) == pytest.approx(np.array([[1 / 3, 1.0]]), abs=1e-6)


def test_topic_overlap_gives_partial_credit_up_the_taxonomy():
    tax = load_taxonomy()
    ids = ["596", "597", "599", "216"]  # Technology & Computing > {AI, Computing}; Cooking elsewhere
    sim = tax.similarity[np.ix_([tax.index[i] for i in ids], [tax.index[i] for i in ids])]

    def one(show, campaign):
        s = np.array([[1.0 if i in show else 0.0 for i in ids]], dtype=np.float32)
        c = np.array([[1.0 if i in campaign else 0.0 for i in ids]], dtype=np.float32)
        return float(matchmaking.topic_overlap(s, c, sim)[0, 0])

    assert one({"599"}, {"599"}) == 1.0  # same category
    assert one({"599"}, {"596"}) == 0.5  # parent / child
    assert one({"599"}, {"597"}) == 0.25  # shared parent counts less than the same category
    assert one({"599"}, {"216"}) == 0.0  # no common tier-1 ancestor
    # Campaign {599} fully covered (1); show topics {599, 216} half relevant (½) → ½ (1 + ½).
    assert one({"599", "216"}, {"599"}) == 0.75


def test_historical_lift_is_neutral_without_history_and_shrunk_with_little():
    assert matchmaking.historical_lift(np.array([5.0]), np.array([0]))[0] == 0.5  # no history: exactly neutral
    assert matchmaking.historical_lift(np.array([1.0]), np.array([10]))[0] == 0.5  # same as elsewhere
    # L = 3 → raw 0.75; 2 IOs with 2 prior pseudo-IOs → halfway: 0.625; category evidence halves it again.
    assert matchmaking.historical_lift(np.array([3.0]), np.array([2]), 2.0)[0] == pytest.approx(0.625)
    assert matchmaking.historical_lift(np.array([3.0]), np.array([2]), 2.0, 0.5)[0] == pytest.approx(0.5625)
    # More IOs with the same lift move further from neutral.
    assert matchmaking.historical_lift(np.array([3.0]), np.array([20]), 2.0)[0] > 0.7


def test_inventory_fit_is_available_over_needed_capped_at_one():
    got = matchmaking.inventory_fit(np.array([40.0, 200.0, 5.0, -3.0]), np.array([100.0, 100.0, 0.0, 10.0]))
    assert got == pytest.approx([0.4, 1.0, 1.0, 0.0])


def _risks(**levels):
    row = np.full(len(GARM_COLUMNS), RANK["none"], dtype=np.int8)
    for column, level in levels.items():
        row[GARM_COLUMNS.index(column)] = RANK[level]
    return row


def test_brand_safety_gates_on_any_category_and_grades_the_margin():
    accepted = np.array([_risks(garm_obscenity_profanity="medium", garm_crime_harmful_acts="low")])
    shows = np.array(
        [
            _risks(),  # nothing risky → 1
            _risks(garm_obscenity_profanity="low"),  # (2 − 1 + 1) / 3
            _risks(garm_obscenity_profanity="medium"),  # at the limit: 1 / 3
            _risks(garm_obscenity_profanity="high"),  # over the limit → conflict
            _risks(garm_terrorism="low"),  # a category accepted at 'none' → conflict
            _risks(garm_hate_speech="floor"),  # floor is never acceptable
        ]
    )
    explicit = np.zeros(len(shows), dtype=bool)
    safety, conflict = matchmaking.brand_safety(shows, accepted, explicit, np.array([False]))
    assert safety[:, 0] == pytest.approx([1.0, 2 / 3, 1 / 3, 0.0, 0.0, 0.0])
    assert conflict[:, 0].tolist() == [False, False, False, True, True, True]


def test_explicit_show_conflicts_only_with_campaigns_excluding_explicit():
    shows = np.array([_risks()])
    accepted = np.array([_risks(), _risks()])
    safety, conflict = matchmaking.brand_safety(shows, accepted, np.array([True]), np.array([True, False]))
    assert conflict[0].tolist() == [True, False]
    assert safety[0].tolist() == [0.0, 1.0]


def test_score_is_the_weighted_mean_and_a_conflict_caps_it():
    w = MatchWeights(conflict_cap=20)
    signals = np.array([[1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 0.0, 0.5, 0.5, 1.0, 1.0], [1.0] * 5 + [0.0]])
    got = matchmaking.combine(signals, np.array([False, False, True]), w)
    # 0.15 + 0 + 0.125 + 0.075 + 0.2 + 0.1 = 0.65
    assert got.tolist() == [100.0, 65.0, 20.0]


def test_weights_reject_negative_or_all_zero():
    with pytest.raises(ValueError, match="weights"):
        MatchWeights(geo_overlap=-1)
    with pytest.raises(ValueError, match="weights"):
        MatchWeights(**dict.fromkeys(matchmaking.SIGNALS, 0.0))


# ------------------------------------------------------------------------- inputs → signals by hand


def _inputs(**overrides) -> MatchInputs:
    """One show, one campaign, hand-sized inputs; keyword arguments replace frames."""
    base = dict(
        shows=pd.DataFrame({"show_id": ["s1"], "title": ["S1"], "apple_genre": ["Technology"], "explicit": [False]}),
        campaigns=pd.DataFrame(
            {
                "campaign_id": ["c1"],
                "advertiser_id": ["a1"],
                "name": ["C1"],
                "flight_start": [dt.date(2026, 11, 16)],
                "flight_end": [dt.date(2026, 11, 25)],
                "impressions_goal": [50_000],
            }
        ),
        advertisers=pd.DataFrame({"advertiser_id": ["a1", "a2"], "category": ["599", "599"]}),
        audience=pd.DataFrame(
            {
                "show_id": ["s1"] * 4,
                "source": ["spotify", "spotify", "apple", "apple"],
                "dimension": ["country"] * 4,
                "bucket": ["US", "GB", "US", "GB"],
                "share": [0.8, 0.2, 0.6, 0.4],
            }
        ),
        show_topics=pd.DataFrame(columns=["show_id", "topic_id"]),
        show_safety=pd.DataFrame(columns=["show_id", *GARM_COLUMNS]),
        campaign_safety=pd.DataFrame(columns=["campaign_id", *GARM_COLUMNS, "excludes_explicit"]),
        campaign_targets=pd.DataFrame(
            {"campaign_id": ["c1"], "dimension": ["country"], "value": ["US"], "weight": [1.0]}
        ),
        metrics=pd.DataFrame(
            {
                "show_id": ["s1"] * 56,
                "day": [AS_OF - dt.timedelta(days=d) for d in range(28)] * 2,
                "source": ["megaphone"] * 28 + ["spotify"] * 28,
                "downloads": [1000.0] * 28 + [300.0] * 28,
            }
        ),
        episodes=pd.DataFrame({"show_id": ["s1"], "published_at": [AS_OF], "ad_slots": [2]}),
        ios=pd.DataFrame(
            columns=[
                "io_id",
                "campaign_id",
                "advertiser_id",
                "show_id",
                "status",
                "flight_start",
                "flight_end",
                "booked_impressions",
                "delivered_impressions",
                "responses",
            ]
        ),
        as_of=AS_OF,
    )
    base.update(overrides)
    return MatchInputs(**base)


def _signals(inputs: MatchInputs, weights: MatchWeights | None = None) -> dict:
    weights = weights or MatchWeights()
    p = matchmaking.prepare(inputs, weights=weights)
    block = next(matchmaking.score_matches(p, weights))
    row = matchmaking.block_rows(p, block, weights).iloc[0]
    return row.to_dict()


def test_geo_averages_the_sources_of_a_show():
    assert _signals(_inputs())["geo_overlap"] == pytest.approx(0.7)  # (0.8 + 0.6) / 2


def test_inventory_counts_largest_source_times_slots_minus_booked_ios():
    io = pd.DataFrame(
        {
            "io_id": ["i1"],
            "campaign_id": ["other"],
            "advertiser_id": ["a2"],
            "show_id": ["s1"],
            "status": ["scheduled"],
            "flight_start": [dt.date(2026, 11, 16)],
            "flight_end": [dt.date(2026, 11, 25)],
            "booked_impressions": [5000.0],
            "delivered_impressions": [np.nan],
            "responses": [np.nan],
        }
    )
    row = _signals(_inputs(ios=io))
    # 1,000 downloads/day (megaphone, the larger source) × 2 slots × 10 days − 5,000 booked = 15,000 of 50,000
    assert row["inventory_fit"] == pytest.approx(0.3)
    assert "weak inventory: 30% of needed impressions available before flight end" in row["rationale"]


def test_history_compares_the_advertiser_here_with_elsewhere_and_shrinks():
    def io(i, show, delivered):
        return {
            "io_id": i,
            "campaign_id": "old",
            "advertiser_id": "a1",
            "show_id": show,
            "status": "completed",
            "flight_start": dt.date(2026, 9, 1),
            "flight_end": dt.date(2026, 9, 28),
            "booked_impressions": 10_000.0,
            "delivered_impressions": delivered,
            "responses": np.nan,
        }

    shows = pd.DataFrame(
        {"show_id": ["s1", "s2"], "title": ["S1", "S2"], "apple_genre": [None, None], "explicit": [False, False]}
    )
    ios = pd.DataFrame([io("i1", "s1", 10_000.0), io("i2", "s1", 10_000.0), io("i3", "s2", 5_000.0)])
    p = matchmaking.prepare(_inputs(shows=shows, ios=ios))
    block = next(matchmaking.score_matches(p, MatchWeights()))
    lift = dict(zip(p.show_ids, block.signals[:, 0, 3]))
    # s1: delivery 1.0 vs 0.5 elsewhere → L = 2, raw 2/3, 2 IOs → 0.5 + ½ · (1/6)
    assert lift["s1"] == pytest.approx(0.5 + 0.5 * (2 / 3 - 0.5), abs=1e-5)
    # s2: L = 0.5 → raw 1/3, 1 IO → 0.5 − ⅓ · (1/6)
    assert lift["s2"] == pytest.approx(0.5 - (1 / 3) * (0.5 - 1 / 3), abs=1e-5)


def test_history_prefers_responses_per_thousand_impressions_when_reported():
    def io(i, show, responses):
        return {
            "io_id": i,
            "campaign_id": "old",
            "advertiser_id": "a1",
            "show_id": show,
            "status": "completed",
            "flight_start": dt.date(2026, 9, 1),
            "flight_end": dt.date(2026, 9, 28),
            "booked_impressions": 10_000.0,
            "delivered_impressions": 10_000.0,
            "responses": responses,
        }

    shows = pd.DataFrame(
        {"show_id": ["s1", "s2"], "title": ["S1", "S2"], "apple_genre": [None, None], "explicit": [False, False]}
    )
    ios = pd.DataFrame([io("i1", "s1", 30.0), io("i2", "s2", 10.0)])  # 3 vs 1 per 1,000: L = 3
    p = matchmaking.prepare(_inputs(shows=shows, ios=ios))
    lift = next(matchmaking.score_matches(p, MatchWeights())).signals[:, 0, 3]
    assert dict(zip(p.show_ids, lift))["s1"] == pytest.approx(0.5 + (1 / 3) * 0.25, abs=1e-5)


def test_category_history_counts_when_the_advertiser_has_none():
    def io(i, show, delivered):
        return {
            "io_id": i,
            "campaign_id": "old",
            "advertiser_id": "a2",
            "show_id": show,
            "status": "completed",
            "flight_start": dt.date(2026, 9, 1),
            "flight_end": dt.date(2026, 9, 28),
            "booked_impressions": 10_000.0,
            "delivered_impressions": delivered,
            "responses": np.nan,
        }

    shows = pd.DataFrame(
        {"show_id": ["s1", "s2"], "title": ["S1", "S2"], "apple_genre": [None, None], "explicit": [False, False]}
    )
    ios = pd.DataFrame([io("i1", "s1", 10_000.0), io("i2", "s2", 5_000.0)])  # a2 shares a1's category
    row = _signals(_inputs(shows=shows, ios=ios))
    # s1: L = 2, raw 2/3, 1 IO (shrink 1/3) at half evidence → 0.5 + 1/6 · 1/6
    assert row["historical_lift"] == pytest.approx(0.5 + (1 / 6) * (1 / 6), abs=1e-5)
    assert "category's average elsewhere" in row["rationale"]


def test_missing_data_is_neutral_and_named_in_the_rationale():
    row = _signals(
        _inputs(
            audience=pd.DataFrame(columns=["show_id", "source", "dimension", "bucket", "share"]),
            metrics=pd.DataFrame(columns=["show_id", "day", "source", "downloads"]),
        )
    )
    assert row["geo_overlap"] == 0.5 and row["inventory_fit"] == 0.5 and row["historical_lift"] == 0.5
    assert row["brand_safety"] == 0.5
    for phrase in (
        "no country profile",
        "no recent downloads in metrics_daily",
        "no brand-safety profile",
        "no delivery history",
    ):
        assert phrase in row["rationale"]


def test_a_campaign_without_an_impressions_goal_gets_neutral_inventory_and_says_so():
    campaigns = _inputs().campaigns.assign(impressions_goal=[None])
    row = _signals(_inputs(campaigns=campaigns))
    assert row["inventory_fit"] == 0.5
    assert "no impressions goal on the campaign" in row["rationale"]


def test_show_topics_fall_back_to_the_apple_genre_through_iabs_mapping():
    targets = pd.DataFrame({"campaign_id": ["c1"], "dimension": ["topic"], "value": ["596"], "weight": [1.0]})
    row = _signals(_inputs(campaign_targets=targets))  # genre Technology → 596 via IAB's mapping
    assert row["topic_overlap"] == 1.0
    assert "strong topic fit (Technology & Computing)" in row["rationale"]


def test_vectorised_scores_equal_a_per_pair_loop():
    w = MatchWeights(conflict_cap=12)
    p = matchmaking.prepare(synthetic_inputs(40, 25, seed=11), weights=w)
    for block in matchmaking.score_matches(p, w, block_size=7):
        for i in range(len(p.show_ids)):
            for jj, j in enumerate(range(block.campaign_slice.start, block.campaign_slice.stop)):
                score, signals = score_pair_loop(p, i, j, w)
                assert block.score[i, jj] == pytest.approx(score, abs=0.01)
                assert block.signals[i, jj] == pytest.approx(signals, abs=2e-5)


# ------------------------------------------------------------------------------------- properties

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
shares = st.lists(st.floats(0.01, 1.0), min_size=4, max_size=4)


def _audience(country: list[float], demo: list[float]) -> pd.DataFrame:
    c = np.array(country) / sum(country)
    d = np.array(demo) / sum(demo)
    cells = ["28-34|female", "28-34|male", "45-59|female", "60+|male"]
    return pd.DataFrame(
        {
            "show_id": "s1",
            "source": "spotify",
            "dimension": ["country"] * 4 + ["age_gender"] * 4,
            "bucket": ["US", "CA", "GB", "DE", *cells],
            "share": list(c) + list(d),
        }
    )


TARGETS = pd.DataFrame(
    {
        "campaign_id": "c1",
        "dimension": ["country", "country", "age_band", "gender"],
        "value": ["US", "CA", "28-34", "female"],
        "weight": 1.0,
    }
)


@pytest.mark.slow
@PROPERTY
@given(country=shares, demo=shares, move=st.floats(0.0, 1.0))
def test_more_overlap_never_lowers_the_score(country, demo, move):
    """Moving listeners from outside the targets (GB, DE; 60+ male) into them never lowers anything."""
    before = _signals(_inputs(audience=_audience(country, demo), campaign_targets=TARGETS))
    c2, d2 = list(country), list(demo)
    shift_c, shift_d = c2[2] * move, d2[3] * move
    c2[2] -= shift_c
    c2[0] += shift_c
    d2[3] -= shift_d
    d2[0] += shift_d
    after = _signals(_inputs(audience=_audience(c2, d2), campaign_targets=TARGETS))
    assert after["geo_overlap"] >= before["geo_overlap"] - 1e-5
    assert after["demographic_overlap"] >= before["demographic_overlap"] - 1e-5
    assert after["score"] >= before["score"] - 0.011  # the score is stored at 0.01


levels = st.sampled_from(GARM_RISK_LEVELS)
accepted_levels = st.sampled_from(ACCEPTABLE_RISK_LEVELS)


@pytest.mark.slow
@PROPERTY
@given(
    show=st.lists(levels, min_size=12, max_size=12),
    campaign=st.lists(accepted_levels, min_size=12, max_size=12),
    explicit=st.booleans(),
    excludes=st.booleans(),
    cap=st.floats(0, 50),
)
def test_a_brand_safety_conflict_gives_zero_and_caps_the_score(show, campaign, explicit, excludes, cap):
    shows = pd.DataFrame({"show_id": ["s1"], "title": ["S1"], "apple_genre": ["Technology"], "explicit": [explicit]})
    ss = pd.DataFrame([["s1", *show]], columns=["show_id", *GARM_COLUMNS])
    cs = pd.DataFrame([["c1", *campaign, excludes]], columns=["campaign_id", *GARM_COLUMNS, "excludes_explicit"])
    w = MatchWeights(conflict_cap=cap)
    row = _signals(_inputs(shows=shows, show_safety=ss, campaign_safety=cs), w)
    conflict = any(RANK[s] > RANK[c] for s, c in zip(show, campaign)) or (explicit and excludes)
    assert row["brand_safety_conflict"] == conflict
    if conflict:
        assert row["brand_safety"] == 0.0
        # capped, then rounded to 2 decimals: at most half a hundredth above the cap (cap=0.015 scores
        # 0.02, while Python's round(0.015, 2) gives 0.01 from the binary value 0.01499…)
        assert row["score"] <= cap + 0.005 + 1e-9
        assert "brand-safety conflict" in row["rationale"]
    else:
        assert row["brand_safety"] > 0.0


@pytest.mark.slow
@PROPERTY
@given(seed=st.integers(0, 10_000), shuffle_seed=st.integers(0, 10_000))
def test_scores_are_deterministic_and_independent_of_row_order(seed, shuffle_seed):
    inputs = synthetic_inputs(12, 6, seed=seed)
    rng = np.random.default_rng(shuffle_seed)
    shuffled = MatchInputs(
        **{
            name: (
                value.sample(frac=1.0, random_state=rng.integers(1 << 31)).reset_index(drop=True)
                if isinstance(value, pd.DataFrame)
                else value
            )
            for name, value in vars(inputs).items()
        }
    )

    def rows(i):
        w = MatchWeights()
        p = matchmaking.prepare(i, weights=w)
        frame = pd.concat([matchmaking.block_rows(p, b, w) for b in matchmaking.score_matches(p, w, block_size=4)])
        return frame.sort_values(["show_id", "campaign_id"]).reset_index(drop=True)

    first, again, reordered = rows(inputs), rows(inputs), rows(shuffled)
    pd.testing.assert_frame_equal(first, again)
    pd.testing.assert_frame_equal(first, reordered)


def test_shipped_iab_taxonomy_and_genre_mapping_load():
    tax = load_taxonomy()
    assert len(tax.ids) == 704
    assert (
        tax.name("596") == "Technology & Computing"
        and tax.names[tax.parent[tax.index["599"]]] == "Technology & Computing"
    )
    assert tax.genre_to_topic["Technology"] == "596" and tax.genre_to_topic["True Crime"] == "KHPC5A"
    assert "Wilderness" not in tax.genre_to_topic  # IAB's mapping gives it no id


# ------------------------------------------------------------ age-only and gender-only shares (0018)


def _demo_audience(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    """``(source, dimension, bucket, share)`` rows of show s1."""
    return pd.DataFrame(
        [("s1", source, dim, bucket, share) for source, dim, bucket, share in rows],
        columns=["show_id", "source", "dimension", "bucket", "share"],
    )


def test_marginal_shares_become_cells_only_for_a_source_without_cells():
    from sponsor_pipeline.matchmaking.inputs import demographic_cells

    audience = _demo_audience(
        [
            ("spotify", "age_gender", "28-34|male", 1.0),
            ("spotify", "age_band", "60+", 1.0),  # ignored: spotify reports cells
            ("anchor", "age_band", "28-34", 0.75),
            ("anchor", "age_band", "35-44", 0.25),
            ("anchor", "gender", "female", 0.4),
            ("anchor", "gender", "male", 0.6),
            ("host", "gender", "female", 2.0),  # one marginal: ages spread evenly, shares normalised
        ]
    )
    cells = demographic_cells(audience)
    assert set(cells["dimension"]) == {"age_gender"}
    spotify = cells[cells["source"] == "spotify"]
    assert list(spotify["bucket"]) == ["28-34|male"] and list(spotify["share"]) == [1.0]
    anchor = cells[cells["source"] == "anchor"].set_index("bucket")["share"]
    assert anchor.sum() == pytest.approx(1.0)
    assert anchor["28-34|male"] == pytest.approx(0.75 * 0.6)
    assert anchor["35-44|female"] == pytest.approx(0.25 * 0.4)
    assert anchor["60+|male"] == 0.0
    host = cells[cells["source"] == "host"].set_index("bucket")["share"]
    assert host.sum() == pytest.approx(1.0) and host["18-22|female"] == pytest.approx(1 / 7)
    assert host["18-22|male"] == 0.0


def test_a_source_reporting_cells_and_marginals_is_counted_once():
    cells_only = _demo_audience(
        [("spotify", "age_gender", "28-34|male", 0.5), ("spotify", "age_gender", "60+|female", 0.5)]
    )
    both = pd.concat(
        [cells_only, _demo_audience([("spotify", "age_band", "0-17", 1.0), ("spotify", "gender", "female", 1.0)])],
        ignore_index=True,
    )
    targets = pd.DataFrame({"campaign_id": ["c1"], "dimension": ["age_band"], "value": ["28-34"], "weight": [1.0]})
    one = _signals(_inputs(audience=cells_only, campaign_targets=targets))
    two = _signals(_inputs(audience=both, campaign_targets=targets))
    assert one["demographic_overlap"] == two["demographic_overlap"]


def test_anchor_marginals_feed_the_demographic_signal():
    audience = _demo_audience([("anchor", "age_band", "28-34", 1.0), ("anchor", "gender", "male", 1.0)])
    on_target = pd.DataFrame(
        {
            "campaign_id": ["c1", "c1"],
            "dimension": ["age_band", "gender"],
            "value": ["28-34", "male"],
            "weight": [1.0, 1.0],
        }
    )
    off_target = on_target.assign(value=["60+", "female"])
    assert _signals(_inputs(audience=audience, campaign_targets=on_target))["demographic_overlap"] == pytest.approx(1.0)
    assert _signals(_inputs(audience=audience, campaign_targets=off_target))["demographic_overlap"] == pytest.approx(
        0.0
    )
