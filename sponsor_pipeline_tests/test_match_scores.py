"""The match_scores asset against PostgreSQL: tenancy, subset reruns, events, history, range check."""

import dagster as dg
import pytest
from psycopg import sql

from sponsor_pipeline.defs.matchmaking.assets import match_scores
from sponsor_pipeline.defs.matchmaking.checks import match_scores_in_range
from sponsor_pipeline.defs.matchmaking.resources import MatchWeightsResource
from sponsor_pipeline.warehouse.metrics import refresh_metrics_daily

OPEN = "stage NOT IN ('won', 'lost')"


def _run(postgres, campaign_ids=None, **weights):
    run_config = {"ops": {"match_scores": {"config": {"campaign_ids": campaign_ids or []}}}}
    result = dg.materialize(
        [match_scores],
        instance=dg.DagsterInstance.ephemeral(),
        run_config=run_config,
        resources={"postgres": postgres, "match_weights": MatchWeightsResource(**weights)},
    )
    assert result.success
    return result


def _matches(conn, campaign_id):
    return {
        r[0]: r[1:]
        for r in conn.execute(
            "SELECT show_id, score, computed_at, input_fingerprint FROM matches WHERE campaign_id = %s", (campaign_id,)
        )
    }


def test_every_open_campaign_meets_every_show_of_its_own_tenant_only(reference, postgres):
    refresh_metrics_daily(reference)
    _run(postgres)
    expected = reference.execute(
        f"SELECT count(*) FROM campaigns c JOIN shows s USING (tenant_id) WHERE c.{OPEN}"
    ).fetchone()[0]
    assert reference.execute("SELECT count(*) FROM matches").fetchone()[0] == expected > 0
    # every match's show and campaign belong to the match's tenant
    foreign = reference.execute(
        "SELECT count(*) FROM matches m WHERE NOT EXISTS (SELECT 1 FROM shows s WHERE s.tenant_id = m.tenant_id "
        "AND s.show_id = m.show_id) OR NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.tenant_id = m.tenant_id "
        "AND c.campaign_id = m.campaign_id)"
    ).fetchone()[0]
    assert foreign == 0
    assert (
        reference.execute(
            f"SELECT count(*) FROM matches m JOIN campaigns c USING (tenant_id, campaign_id) WHERE NOT c.{OPEN}"
        ).fetchone()[0]
        == 0
    )
    # through the tenant-facing role, a tenant sees only its own shows in its matches
    reference.execute("SET ROLE sponsor_tenant")
    reference.execute("SELECT set_config('app.tenant_id', 'harbor-pods', false)")
    seen = {r[0] for r in reference.execute("SELECT DISTINCT show_id FROM matches")}
    reference.execute("RESET ROLE")
    reference.rollback()
    assert seen and all(s.startswith("hp-") for s in seen)


def test_each_tenant_gets_a_match_recalculated_event_with_counts(reference, postgres):
    result = _run(postgres)
    events = reference.execute(
        "SELECT tenant_id, payload FROM events WHERE event_type = 'match.recalculated' ORDER BY tenant_id"
    ).fetchall()
    assert [t for t, _ in events] == ["harbor-pods", "northwind-audio"]
    for tenant, payload in events:
        pairs = reference.execute("SELECT count(*) FROM matches WHERE tenant_id = %s", (tenant,)).fetchone()[0]
        assert payload["pairs"] == pairs == payload["campaigns"] * payload["shows"]
        assert payload["changed"] == pairs and payload["run_id"] == result.run_id
    # a second run with unchanged inputs rewrites nothing (same fingerprints)
    _run(postgres)
    payloads = [
        p
        for (p,) in reference.execute(
            "SELECT payload FROM events WHERE event_type = 'match.recalculated' ORDER BY event_id DESC LIMIT 2"
        )
    ]
    assert all(p["changed"] == 0 and p["unchanged"] == p["pairs"] for p in payloads)


def test_new_weights_rewrite_every_row_with_the_weights_used(reference, postgres):
    _run(postgres)
    _run(postgres, topic_overlap=0.5)
    payloads = [
        p
        for (p,) in reference.execute(
            "SELECT payload FROM events WHERE event_type = 'match.recalculated' ORDER BY event_id DESC LIMIT 2"
        )
    ]
    assert all(p["changed"] == p["pairs"] > 0 for p in payloads)
    weights = {w["topic_overlap"] for (w,) in reference.execute("SELECT weights FROM matches")}
    assert weights == {0.5}


def test_a_subset_run_recomputes_only_the_given_campaign(reference, postgres):
    _run(postgres)
    before_other = _matches(reference, "nw-cmp-006")
    before_moved = _matches(reference, "nw-cmp-005")
    # both campaigns change their targeting; only nw-cmp-005 is requested
    reference.execute(
        "DELETE FROM campaign_targets WHERE campaign_id IN ('nw-cmp-005', 'nw-cmp-006') "
        "AND dimension = 'country' AND value = 'US'"
    )
    reference.commit()
    _run(postgres, ["nw-cmp-005"])
    assert _matches(reference, "nw-cmp-006") == before_other
    after_moved = _matches(reference, "nw-cmp-005")
    assert after_moved.keys() == before_moved.keys()
    assert all(after_moved[s][2] != before_moved[s][2] for s in after_moved)  # new fingerprints
    payload = reference.execute(
        "SELECT payload FROM events WHERE event_type = 'match.recalculated' ORDER BY event_id DESC LIMIT 1"
    ).fetchone()[0]
    assert payload["requested_campaign_ids"] == ["nw-cmp-005"] and payload["campaigns"] == 1


def test_a_campaign_that_closed_loses_its_matches_on_its_rerun(reference, postgres):
    _run(postgres)
    reference.execute("UPDATE campaigns SET stage = 'won' WHERE campaign_id = 'nw-cmp-005'")
    reference.commit()
    _run(postgres, ["nw-cmp-005"])
    assert _matches(reference, "nw-cmp-005") == {}
    assert _matches(reference, "nw-cmp-006")


def test_history_reads_delivery_from_io_delivery(reference, postgres):
    # Loamwell's completed fall IOs: Tech Talk delivered fully, the other shows at half.
    reference.execute(
        "INSERT INTO io_delivery (tenant_id, io_id, campaign_id, show_id, status, flight_start, flight_end, as_of, "
        "booked_impressions, delivered_impressions, percent_delivered, expected_to_date, projected_delivery, cpm) "
        "SELECT tenant_id, io_id, campaign_id, show_id, status, flight_start, flight_end, '2026-11-15', "
        "booked_impressions, CASE WHEN show_id = 'nw-tech-talk' THEN booked_impressions "
        "ELSE booked_impressions / 2 END, 0, 0, 0, cpm FROM io_bookings WHERE campaign_id = 'nw-cmp-001'"
    )
    # io_responses stays empty (the exports are not imported here): history compares delivery only
    reference.commit()
    _run(postgres)
    lift, rationale = reference.execute(
        "SELECT historical_lift, rationale FROM matches WHERE campaign_id = 'nw-cmp-007' AND show_id = 'nw-tech-talk'"
    ).fetchone()
    # delivery 1.0 here vs 0.5 elsewhere → L = 2 over 2 IOs: 0.5 + ½ · (2/3 − ½)
    assert float(lift) == pytest.approx(0.58333, abs=1e-5)
    assert "past IOs here performed 2.0× the advertiser's average elsewhere (2 IOs)" in rationale
    # a show the advertiser never ran on stays exactly neutral
    assert (
        float(
            reference.execute(
                "SELECT historical_lift FROM matches WHERE campaign_id = 'nw-cmp-007' AND show_id = 'nw-second-shift'"
            ).fetchone()[0]
        )
        == 0.5
    )


def test_brand_safety_conflicts_score_at_most_the_cap(reference, postgres):
    _run(postgres, conflict_cap=10)
    rows = reference.execute(
        "SELECT score, brand_safety, rationale FROM matches WHERE brand_safety_conflict"
    ).fetchall()
    assert rows  # e.g. Late Checkout's high profanity against campaigns accepting low
    assert all(
        float(score) <= 10 and float(safety) == 0 and "brand-safety conflict" in text for score, safety, text in rows
    )


def test_range_check_passes_on_scores_and_fails_on_a_signal_out_of_range(reference, postgres):
    _run(postgres)
    assert match_scores_in_range(postgres=postgres).passed
    reference.execute(
        "UPDATE matches SET signals = jsonb_set(signals, '{geo_overlap}', '1.5') "
        "WHERE (show_id, campaign_id) = (SELECT show_id, campaign_id FROM matches ORDER BY 1, 2 LIMIT 1)"
    )
    reference.commit()
    result = match_scores_in_range(postgres=postgres)
    assert not result.passed
    assert result.metadata["violations"].value == 1


def test_the_whole_graph_job_runs_match_scores_as_the_op_deal_stage_reruns_configure():
    from sponsor_pipeline.definitions import ALL_ASSETS_JOB, build_definitions
    from sponsor_pipeline.settings import Flags

    job = build_definitions(Flags()).resolve_job_def(ALL_ASSETS_JOB)
    assert "match_scores" in {node.name for node in job.nodes}


def test_sample_matchmaking_files_load_without_rejects(reference):
    rejects = reference.execute(
        "SELECT i.source_uri, q.row_number, q.reason FROM quarantined_rows q JOIN etl_imports i USING (import_id)"
    ).fetchall()
    assert rejects == []
    count = sql.SQL("SELECT count(DISTINCT tenant_id) FROM {}")
    counts = {
        t: reference.execute(count.format(sql.Identifier(t))).fetchone()[0]
        for t in (
            "audience_profiles",
            "show_topics",
            "show_brand_safety",
            "campaign_brand_safety",
            "campaign_targets",
        )
    }
    assert counts == dict.fromkeys(counts, 2)


def test_csv_booleans_parse_false_as_false_and_reject_other_words(reference):
    explicit = {s for (s,) in reference.execute("SELECT show_id FROM shows WHERE explicit ORDER BY 1")}
    assert explicit == {"hp-small-hours", "nw-late-checkout"}  # 'false' in shows.csv stays false

    import pandas as pd

    from sponsor_pipeline.schemas import SHOWS
    from sponsor_pipeline.validation import prepare_chunk, split_valid

    raw = pd.DataFrame(
        {
            "tenant_id": ["t", "t"],
            "show_id": ["a", "b"],
            "title": ["A", "B"],
            "slug": ["a", "b"],
            "apple_genre": ["", ""],
            "explicit": ["FALSE", "maybe"],
            "language": ["en", "en"],
            "description": ["", ""],
        },
        index=[1, 2],
    )
    valid, rejects = split_valid(prepare_chunk(raw, SHOWS, "shows.csv"), SHOWS)
    assert valid["explicit"].tolist() == [False]
    assert [(r.row_number, r.columns) for r in rejects] == [(2, ("explicit",))]
    assert "true or false" in rejects[0].reason


def test_match_weights_resource_defaults_are_read_from_match_weights():
    import dataclasses

    from sponsor_pipeline.matchmaking import MatchWeights

    assert MatchWeightsResource().weights() == MatchWeights()
    assert set(MatchWeightsResource.model_fields) == {f.name for f in dataclasses.fields(MatchWeights)}
    assert MatchWeightsResource(topic_overlap=0.4, conflict_cap=20).weights() == MatchWeights(
        topic_overlap=0.4, conflict_cap=20
    )
