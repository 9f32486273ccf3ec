"""Property: thousands of random IO status and deal stage transitions across many IOs and deals, with
sensor ticks at random points (random batch sizes, out-of-order commits from a second connection, rolled
back transactions) end with exactly one event per committed transition, in order per entity."""

import json
from collections import defaultdict

import dagster as dg
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sponsor_pipeline.db import server
from sponsor_pipeline.definitions import build_definitions
from sponsor_pipeline.defs.deals_io import sensors
from sponsor_pipeline.resources.settings import PipelineSettings
from sponsor_pipeline.settings import Flags
from sponsor_pipeline.vocabulary import DEAL_STAGES, IO_STATUSES

# Lane: hundreds of random transitions and ticks per example; not in `make test-fast`.
pytestmark = pytest.mark.slow

N_IOS, N_DEALS = 120, 40
SEEN = {"transitions": 0}

# Two connections, each with its own entities (connection 0 even-numbered, connection 1 odd): transactions stay
# open across ticks and commit or roll back in any order, without waiting on each other's row locks.
update = st.one_of(
    st.tuples(st.just("io"), st.integers(0, 1), st.integers(0, N_IOS // 2 - 1), st.sampled_from(IO_STATUSES)),
    st.tuples(st.just("deal"), st.integers(0, 1), st.integers(0, N_DEALS // 2 - 1), st.sampled_from(DEAL_STAGES)),
)
# end a connection's transaction: commit (3 in 4) or roll back
end_transaction = st.tuples(st.just("end"), st.integers(0, 1), st.sampled_from([True, True, True, False]), st.none())
sensor_tick = st.tuples(st.just("tick"), st.sampled_from(["io", "deal"]), st.integers(1, 60), st.none())


@st.composite
def op(draw):
    """80 % updates, 14 % transaction ends, 6 % sensor ticks."""
    roll = draw(st.integers(0, 99))
    return draw(update if roll < 80 else end_transaction if roll < 94 else sensor_tick)


def _seed(conn):
    conn.execute(
        "INSERT INTO io_bookings (tenant_id, io_id, campaign_id, show_id, flight_start, flight_end, "
        "booked_impressions, cpm, status) SELECT b.tenant_id, 'prop-io-' || g, b.campaign_id, b.show_id, "
        "b.flight_start, b.flight_end, b.booked_impressions, b.cpm, 'draft' FROM io_bookings b, "
        "generate_series(0, %s) g WHERE b.tenant_id = 'northwind-audio' AND b.io_id = 'nw-io-011'",
        (N_IOS - 1,),
    )
    conn.execute(
        "INSERT INTO campaigns (tenant_id, campaign_id, advertiser_id, name, stage) "
        "SELECT tenant_id, 'prop-cmp-' || g, advertiser_id, 'property ' || g, 'lead' FROM campaigns, "
        "generate_series(0, %s) g WHERE campaign_id = 'nw-cmp-001'",
        (N_DEALS - 1,),
    )
    conn.commit()


def test_random_transitions_and_ticks_give_exactly_one_event_each(reference, postgres, db_url):
    _seed(reference)
    repo = build_definitions(Flags()).get_repository_def()
    instance = dg.DagsterInstance.ephemeral()
    cursors = {"io": None, "deal": None}
    sensor_of = {"io": sensors.io_status_sensor, "deal": sensors.deal_stage_sensor}
    state = {("io", i): "draft" for i in range(N_IOS)} | {("deal", i): "lead" for i in range(N_DEALS)}
    expected: dict[tuple, list] = defaultdict(list)

    def tick(kind, batch):
        resources = {"postgres": postgres, "settings": PipelineSettings(sensor_batch_size=batch)}
        with dg.build_sensor_context(
            cursor=cursors[kind], instance=instance, resources=resources, repository_def=repo
        ) as ctx:
            data = sensor_of[kind].evaluate_tick(ctx)
        cursors[kind] = data.cursor
        return data

    def drain(kind):
        for _ in range(10_000):
            data = tick(kind, 500)
            c = json.loads(data.cursor)
            if not data.run_requests and not data.asset_events and c["settled_change_id"] == c["last_change_id"]:
                return
        raise AssertionError(f"{kind} sensor did not drain")

    def change(conn, kind, index, value):
        if kind == "io":
            conn.execute("UPDATE io_bookings SET status = %s WHERE io_id = %s", (value, f"prop-io-{index}"))
        else:
            conn.execute("UPDATE campaigns SET stage = %s WHERE campaign_id = %s", (value, f"prop-cmp-{index}"))

    drain("io")
    drain("deal")

    with psycopg.connect(server.libpq_dsn(db_url)) as other:
        connections = (reference, other)

        @settings(
            max_examples=12,
            deadline=None,
            database=None,
            suppress_health_check=[
                HealthCheck.function_scoped_fixture,
                HealthCheck.too_slow,
                HealthCheck.large_base_example,
            ],
        )
        @given(st.lists(op(), min_size=400, max_size=600))
        def run(ops):
            baseline = reference.execute("SELECT coalesce(max(change_id), 0) FROM change_log").fetchone()[0]
            reference.commit()
            expected.clear()
            pending: list[list[tuple]] = [[], []]  # transitions of each connection's open transaction
            seen: list[dict] = [{}, {}]  # values as that open transaction sees them

            def end(connection, commit):
                if commit:
                    connections[connection].commit()
                    for key, old, new in pending[connection]:
                        expected[key].append((old, new))
                        state[key] = new
                else:
                    connections[connection].rollback()
                pending[connection].clear()
                seen[connection].clear()

            for name, a, b, c in ops:
                if name in ("io", "deal"):
                    key = (name, 2 * b + a)
                    current = seen[a].get(key, state[key])
                    if current != c:
                        pending[a].append((key, current, c))
                        seen[a][key] = c
                    change(connections[a], name, 2 * b + a, c)
                elif name == "end":
                    end(a, b)
                else:
                    tick(a, b)
            end(0, True)
            end(1, True)
            drain("io")
            drain("deal")

            events = reference.execute(
                "SELECT c.change_id, c.entity_type, c.entity_id, e.payload, "
                "count(e.event_id) OVER (PARTITION BY c.change_id) "
                "FROM change_log c LEFT JOIN events e ON e.dedupe_key = 'change_log:' || c.change_id "
                "WHERE c.change_id > %s ORDER BY c.change_id",
                (baseline,),
            ).fetchall()
            reference.commit()
            assert all(n == 1 for *_, n in events), "a transition without exactly one event"
            got: dict[tuple, list] = defaultdict(list)
            for _, entity_type, entity_id, payload, _ in events:
                if entity_type == "io_booking":
                    got[("io", int(entity_id.removeprefix("prop-io-")))].append(
                        (payload["from_status"], payload["to_status"])
                    )
                else:
                    got[("deal", int(entity_id.removeprefix("prop-cmp-")))].append(
                        (payload["from_stage"], payload["to_stage"])
                    )
            assert dict(got) == dict(expected)
            SEEN["transitions"] += sum(len(v) for v in expected.values())

        run()
    total_events = reference.execute("SELECT count(*) FROM events WHERE dedupe_key LIKE 'change_log:%%'").fetchone()[0]
    assert total_events == reference.execute("SELECT count(*) FROM change_log").fetchone()[0]
    assert SEEN["transitions"] >= 2000, SEEN
