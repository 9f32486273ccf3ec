"""io_status_sensor and deal_stage_sensor against the real PostgreSQL: one event per transition,
in order, nothing twice on a repeated or retried tick, reruns keyed by the transition ids."""

import json

import dagster as dg
import pytest

from sponsor_pipeline.definitions import build_definitions
from sponsor_pipeline.defs.deals_io import sensors
from sponsor_pipeline.resources.settings import PipelineSettings, settings_from_env
from sponsor_pipeline.settings import Flags
from sponsor_pipeline.warehouse import change_log

IO = ("northwind-audio", "nw-io-011")
CAMPAIGN = ("northwind-audio", "nw-cmp-003")


@pytest.fixture(scope="module")
def repo():
    return build_definitions(Flags(matchmaking=False, new_dashboard_cards=False)).get_repository_def()


@pytest.fixture(scope="module")
def repo_with_match_scores():
    return build_definitions(Flags()).get_repository_def()


def tick(sensor, postgres, repo, cursor=None):
    with dg.build_sensor_context(
        cursor=cursor,
        instance=dg.DagsterInstance.ephemeral(),
        resources={"postgres": postgres, "settings": PipelineSettings()},
        repository_def=repo,
    ) as context:
        return sensor.evaluate_tick(context)


def drained(sensor, postgres, repo):
    """Tick until nothing is pending (the reference import's inserts); returns the cursor."""
    cursor = None
    for _ in range(100):
        data = tick(sensor, postgres, repo, cursor)
        cursor = data.cursor
        state = json.loads(cursor)
        if not data.run_requests and state["settled_change_id"] == state["last_change_id"]:
            return cursor
    raise AssertionError("sensor did not drain")


def sensor_events(conn, event_prefix):
    return conn.execute(
        "SELECT event_type, entity_id, payload, dedupe_key FROM events WHERE event_type LIKE %s ORDER BY event_id",
        (event_prefix + "%",),
    ).fetchall()


def set_status(conn, status, io=IO):
    conn.execute("UPDATE io_bookings SET status = %s WHERE tenant_id = %s AND io_id = %s", (status, *io))
    conn.commit()


def test_three_io_transitions_between_two_ticks_give_three_events_in_order(reference, postgres, repo):
    cursor = drained(sensors.io_status_sensor, postgres, repo)
    before = len(sensor_events(reference, "io."))
    for status in ("live", "paused", "completed"):
        set_status(reference, status)
    data = tick(sensors.io_status_sensor, postgres, repo, cursor)

    events = sensor_events(reference, "io.")[before:]
    assert [(e[0], e[2]["from_status"], e[2]["to_status"]) for e in events] == [
        ("io.status_changed", "scheduled", "live"),
        ("io.status_changed", "live", "paused"),
        ("io.delivered", "paused", "completed"),
    ]
    payload = events[0][2]
    assert payload["io_id"] == "nw-io-011" and payload["campaign_id"] == "nw-cmp-003"
    assert {"show_id", "episode_id", "flight_start", "flight_end", "booked_impressions"} <= payload.keys()
    change_ids = [
        r[0]
        for r in reference.execute(
            "SELECT change_id FROM change_log WHERE entity_id = %s AND from_value IS NOT NULL ORDER BY change_id",
            (IO[1],),
        ).fetchall()
    ]
    assert [e[3] for e in events] == [f"change_log:{i}" for i in change_ids]

    (run,) = data.run_requests
    assert run.run_key == change_log.run_key("io_status", change_ids)
    # io_delivery and what reads it in this code location (io_attribution, io_verification_flags)
    assert set(run.asset_selection) == {
        dg.AssetKey("io_delivery"),
        dg.AssetKey("io_attribution"),
        dg.AssetKey("io_verification_flags"),
    }
    observations = [e for e in data.asset_events if isinstance(e, dg.AssetObservation)]
    assert [o.asset_key for o in observations] == [dg.AssetKey("io_bookings")] * 3
    assert [o.metadata["to"].value for o in observations] == ["live", "paused", "completed"]
    assert json.loads(data.cursor)["last_change_id"] == change_ids[-1]


def test_io_creation_and_move_to_scheduled_are_io_scheduled(reference, postgres, repo):
    cursor = drained(sensors.io_status_sensor, postgres, repo)
    reference.execute(
        "INSERT INTO io_bookings (tenant_id, io_id, campaign_id, show_id, flight_start, flight_end, "
        "booked_impressions, cpm, status) VALUES ('northwind-audio', 'nw-io-900', 'nw-cmp-003', "
        "'nw-tech-talk', '2026-12-01', '2026-12-31', 10000, 25, 'draft')"
    )
    reference.commit()
    set_status(reference, "scheduled", ("northwind-audio", "nw-io-900"))
    tick(sensors.io_status_sensor, postgres, repo, cursor)
    events = [
        (e[0], e[2]["from_status"], e[2]["to_status"], e[2]["episode_id"])
        for e in sensor_events(reference, "io.")
        if e[1] == "nw-io-900"
    ]
    assert events == [("io.scheduled", None, "draft", None), ("io.scheduled", "draft", "scheduled", None)]


def test_repeated_tick_with_the_same_cursor_writes_nothing_and_requests_the_same_runs(reference, postgres, repo):
    cursor = drained(sensors.io_status_sensor, postgres, repo)
    set_status(reference, "live")
    set_status(reference, "paused")
    first = tick(sensors.io_status_sensor, postgres, repo, cursor)
    count = reference.execute("SELECT count(*) FROM events").fetchone()[0]
    again = tick(sensors.io_status_sensor, postgres, repo, cursor)
    assert reference.execute("SELECT count(*) FROM events").fetchone()[0] == count
    assert [r.run_key for r in again.run_requests] == [r.run_key for r in first.run_requests]
    # the next tick, from the stored cursor, has nothing left
    after = tick(sensors.io_status_sensor, postgres, repo, first.cursor)
    assert after.run_requests == [] and after.skip_message


def test_tick_failing_part_way_then_retried_writes_each_event_once(reference, postgres, repo, monkeypatch):
    cursor = drained(sensors.io_status_sensor, postgres, repo)
    before = len(sensor_events(reference, "io."))
    for status in ("live", "paused", "live", "completed"):
        set_status(reference, status)

    real_record = change_log.record_event
    calls = {"n": 0}

    def fails_on_third(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("connection lost mid-tick")
        return real_record(*args, **kwargs)

    monkeypatch.setattr(change_log, "record_event", fails_on_third)
    with pytest.raises(Exception, match="connection lost mid-tick"):
        tick(sensors.io_status_sensor, postgres, repo, cursor)
    assert len(sensor_events(reference, "io.")) == before  # the tick's transaction rolled back

    # events committed, then the tick dies before returning its result (cursor never stored)
    monkeypatch.setattr(change_log, "record_event", real_record)
    monkeypatch.setattr(sensors, "_observation", lambda *_: (_ for _ in ()).throw(RuntimeError("daemon killed")))
    with pytest.raises(Exception, match="daemon killed"):
        tick(sensors.io_status_sensor, postgres, repo, cursor)
    assert len(sensor_events(reference, "io.")) == before + 4

    monkeypatch.undo()
    retried = tick(sensors.io_status_sensor, postgres, repo, cursor)
    events = sensor_events(reference, "io.")[before:]
    assert [(e[2]["from_status"], e[2]["to_status"]) for e in events] == [
        ("scheduled", "live"),
        ("live", "paused"),
        ("paused", "live"),
        ("live", "completed"),
    ]
    assert len({e[3] for e in events}) == 4
    assert len(retried.run_requests) == 1  # the rerun still goes out


def test_late_commit_with_a_lower_change_id_is_not_skipped(reference, postgres, repo, db_url):
    import psycopg

    from sponsor_pipeline.db import server

    cursor = drained(sensors.io_status_sensor, postgres, repo)
    with psycopg.connect(server.libpq_dsn(db_url)) as slow:
        slow.execute(
            "UPDATE io_bookings SET status = 'cancelled' WHERE tenant_id = 'northwind-audio' AND io_id = 'nw-io-012'"
        )  # takes the lower change_id, commits later
        set_status(reference, "live")  # higher change_id, committed first
        first = tick(sensors.io_status_sensor, postgres, repo, cursor)
        state = json.loads(first.cursor)
        assert state["settled_change_id"] < state["last_change_id"]  # held back by the open transaction
        slow.commit()
    second = tick(sensors.io_status_sensor, postgres, repo, first.cursor)
    io_ids = [e[1] for e in sensor_events(reference, "io.") if e[2]["from_status"] is not None]
    assert io_ids[-2:] == ["nw-io-011", "nw-io-012"]
    assert len(second.run_requests) == 1
    final = json.loads(tick(sensors.io_status_sensor, postgres, repo, second.cursor).cursor)
    assert final["settled_change_id"] == final["last_change_id"]


def test_deal_stage_change_without_match_scores_records_events_and_requests_nothing(reference, postgres, repo):
    cursor = drained(sensors.deal_stage_sensor, postgres, repo)
    reference.execute("UPDATE campaigns SET stage = 'proposal' WHERE tenant_id = %s AND campaign_id = %s", CAMPAIGN)
    reference.commit()
    data = tick(sensors.deal_stage_sensor, postgres, repo, cursor)
    assert data.run_requests == []
    (event,) = [e for e in sensor_events(reference, "deal.") if e[2]["from_stage"] is not None]
    assert event[0] == "deal.stage_changed"
    assert {k: event[2][k] for k in ("campaign_id", "from_stage", "to_stage", "is_backward", "skipped_stages")} == {
        "campaign_id": "nw-cmp-003",
        "from_stage": "won",
        "to_stage": "proposal",
        "is_backward": True,
        "skipped_stages": [],
    }
    assert event[2]["changed_at"]
    assert [o.asset_key for o in data.asset_events] == [dg.AssetKey("campaigns")]


def test_deal_stage_changes_rerun_match_scores_for_the_campaigns_that_moved(
    reference, postgres, repo_with_match_scores
):
    repo = repo_with_match_scores
    cursor = drained(sensors.deal_stage_sensor, postgres, repo)
    reference.execute("UPDATE campaigns SET stage = 'lead' WHERE campaign_id IN ('nw-cmp-003', 'hp-cmp-002')")
    reference.execute("UPDATE campaigns SET stage = 'negotiation' WHERE campaign_id = 'nw-cmp-003'")
    reference.commit()
    data = tick(sensors.deal_stage_sensor, postgres, repo, cursor)
    (run,) = data.run_requests
    moved = sorted(run.run_config["ops"]["match_scores"]["config"]["campaign_ids"])
    assert moved == ["hp-cmp-002", "nw-cmp-003"]
    assert sorted(run.tags[sensors.CAMPAIGN_IDS_TAG].split(",")) == moved
    assert run.asset_selection == [dg.AssetKey("match_scores")]
    skipped = [e[2] for e in sensor_events(reference, "deal.") if e[2]["to_stage"] == "negotiation"]
    assert skipped[-1]["skipped_stages"] == ["qualified", "proposal"] and skipped[-1]["is_skip"]
    # the run config is what the match_scores asset accepts: it rescores only those campaigns
    from sponsor_pipeline.defs.matchmaking.assets import match_scores
    from sponsor_pipeline.defs.matchmaking.resources import MatchWeightsResource

    result = dg.materialize(
        [match_scores],
        run_config=run.run_config,
        resources={"postgres": postgres, "match_weights": MatchWeightsResource()},
    )
    assert result.success
    scored = {r[0] for r in reference.execute("SELECT DISTINCT campaign_id FROM matches").fetchall()}
    assert scored == set(moved)
    again = tick(sensors.deal_stage_sensor, postgres, repo, cursor)
    assert [r.run_key for r in again.run_requests] == [run.run_key]


def test_io_rerun_selects_io_delivery_and_what_reads_it(reference, postgres):
    repo = build_definitions(Flags()).get_repository_def()
    cursor = drained(sensors.io_status_sensor, postgres, repo)
    set_status(reference, "paused")
    (run,) = tick(sensors.io_status_sensor, postgres, repo, cursor).run_requests
    # io_delivery and everything downstream of it: attribution and the verification flags, the
    # dashboards, and match_scores (history, inventory)
    assert set(run.asset_selection) == {
        dg.AssetKey(k)
        for k in (
            "io_delivery",
            "io_attribution",
            "io_verification_flags",
            "creator_dashboard",
            "advertiser_dashboard",
            "ops_dashboard",
            "match_scores",
        )
    }


def test_sensors_start_running_and_reject_a_bad_cursor_or_batch_size(monkeypatch):
    assert sensors.io_status_sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sensors.deal_stage_sensor.default_status == dg.DefaultSensorStatus.RUNNING
    with pytest.raises(ValueError, match="unreadable change_log sensor cursor"):
        change_log.Cursor.parse('{"last": 3}')
    with pytest.raises(ValueError, match="SPONSOR_SENSOR_BATCH_SIZE"):
        PipelineSettings(sensor_batch_size=0).change_log_batch_size()
    monkeypatch.setenv("SPONSOR_SENSOR_BATCH_SIZE", "7")
    assert settings_from_env().process_config_and_initialize().change_log_batch_size() == 7
    monkeypatch.setenv("SPONSOR_SENSOR_BATCH_SIZE", "0")  # read when a tick starts, checked then
    with pytest.raises(ValueError, match="SPONSOR_SENSOR_BATCH_SIZE"):
        settings_from_env().process_config_and_initialize().change_log_batch_size()


def test_cursor_settles_only_after_every_older_transaction_ended():
    start = change_log.Cursor(last_change_id=10, settled_change_id=10, event_watermark=5)
    # tick with own xid 100 processed 11..13: candidate 13, waits for transactions up to 100
    c1 = change_log.advance_cursor(start, [11, 12, 13], False, xmin=90, own_xid=100, watermark=8)
    assert (c1.last_change_id, c1.settled_change_id, c1.settle_candidate, c1.settle_after_xid) == (13, 10, 13, 100)
    # a transaction older than 100 still runs: nothing settles
    c2 = change_log.advance_cursor(c1, [], False, xmin=95, own_xid=110, watermark=8)
    assert c2.settled_change_id == 10
    # all of them ended: 13 settles; the full batch's last id limits how far
    c3 = change_log.advance_cursor(c2, [], False, xmin=101, own_xid=120, watermark=8)
    assert (c3.settled_change_id, c3.settle_candidate) == (13, None)
    c4 = change_log.advance_cursor(c2, [11, 12], True, xmin=101, own_xid=120, watermark=9)
    assert (c4.settled_change_id, c4.settle_candidate, c4.event_watermark) == (12, 13, 9)
