"""metrics_daily refreshed for the touched days only (migration 0012): imports record exactly the days
they change, a refresh replaces those days and no others, a backfill from Dagster rebuilds exactly its
range, revisions keep the superseded value with when it was reported, and ``metrics_as_reported(d)``
answers with the values of date d. A property test over random writes shows a touched-day refresh
always equals a full rebuild."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pandas as pd
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sponsor_pipeline.defs.metrics.assets import metrics_daily
from sponsor_pipeline.defs.metrics.checks import ReconciliationConfig, metrics_daily_reconciles_with_listener_metrics
from sponsor_pipeline.defs.metrics.schedules import FULL_RECONCILIATION_JOB, metrics_daily_full_reconciliation
from sponsor_pipeline.warehouse import imports
from sponsor_pipeline.warehouse.metrics import (
    rebuild_metrics_daily,
    reconcile_metrics_daily,
    refresh_metrics_daily,
)
from sponsor_pipeline.warehouse.targets import LISTENER_METRICS

from .conftest import SAMPLES, truncate_all

TENANT = "northwind-audio"
ROWS = "SELECT tenant_id, day, show_id, episode_id, source, downloads, listeners, listen_seconds FROM {} ORDER BY 1, 2, 3, 4, 5"
PENDING = "SELECT DISTINCT tenant_id, day FROM metrics_daily_pending ORDER BY 1, 2"


def _sample(tmp_path, name: str, days: list[str], downloads_delta: int = 0) -> tuple[str, pd.DataFrame]:
    """The sample rows of TENANT on ``days`` as a CSV file (downloads shifted by ``downloads_delta``)."""
    frame = pd.read_csv(SAMPLES / "metrics_daily.csv", dtype=str)
    rows = frame[(frame.tenant_id == TENANT) & frame.day.isin(days)].copy()
    rows["downloads"] = (rows.downloads.astype(int) + downloads_delta).astype(str)
    path = tmp_path / name
    rows.to_csv(path, index=False)
    return str(path), rows


def _days(conn) -> list[str]:
    return [r[0] for r in conn.execute("SELECT DISTINCT day::text FROM listener_metrics ORDER BY 1").fetchall()]


@pytest.fixture
def loaded(reference, tmp_path):
    """The whole sample imported and metrics_daily refreshed: nothing pending."""
    imports.import_csv(reference, SAMPLES / "metrics_daily.csv", LISTENER_METRICS)
    refresh_metrics_daily(reference)
    return reference


def test_an_import_records_exactly_the_days_it_changed(loaded, tmp_path):
    days = _days(loaded)[3:5]
    assert loaded.execute(PENDING).fetchall() == []
    # the same rows in another order: other bytes, same values — the upsert changes nothing
    path, rows = _sample(tmp_path, "same.csv", days)
    rows.iloc[::-1].to_csv(path, index=False)
    assert imports.import_csv(loaded, path, LISTENER_METRICS).status == "completed"
    assert loaded.execute(PENDING).fetchall() == []
    assert loaded.execute("SELECT count(*) FROM listener_metrics_history").fetchone()[0] == 0
    # one revised value on one day: that day, nothing else
    path, rows = _sample(tmp_path, "one.csv", days)
    rows.iloc[0, rows.columns.get_loc("downloads")] = str(int(rows.iloc[0].downloads) + 7)
    rows.to_csv(path, index=False)
    imports.import_csv(loaded, path, LISTENER_METRICS)
    assert loaded.execute(PENDING).fetchall() == [(TENANT, dt.date.fromisoformat(rows.iloc[0].day))]


def test_a_refresh_replaces_the_pending_days_and_leaves_every_other_day_alone(loaded, tmp_path):
    days = _days(loaded)
    revised, untouched = days[10], days[20]
    imports.import_csv(loaded, _sample(tmp_path, "rev.csv", [revised], downloads_delta=5)[0], LISTENER_METRICS)
    # drift on a day no import touched: a refresh proportional to the change does not look at it
    loaded.execute("UPDATE metrics_daily SET downloads = downloads + 1000 WHERE day = %s", (untouched,))
    loaded.commit()
    done = refresh_metrics_daily(loaded)
    assert (done.mode, done.days) == ("pending", 1) and done.rows_deleted == done.rows_inserted > 0
    assert loaded.execute(PENDING).fetchall() == []
    mismatches, sample = reconcile_metrics_daily(loaded)
    assert mismatches > 0 and {row["day"] for row in sample} == {untouched}
    # the full rebuild repairs everything, in one transaction
    assert rebuild_metrics_daily(loaded).mode == "full"
    assert reconcile_metrics_daily(loaded) == (0, [])
    assert (
        loaded.execute(ROWS.format("metrics_daily")).fetchall()
        == loaded.execute(ROWS.format("listener_metrics")).fetchall()
    )


def _check(postgres, instance: dg.DagsterInstance | None = None, whole_table: bool = False) -> dg.AssetCheckResult:
    """The reconciliation check invoked directly; without ``instance`` no materialization is recorded,
    so it compares the whole table."""
    context = dg.build_asset_check_context(instance=instance)
    return metrics_daily_reconciles_with_listener_metrics(
        context, ReconciliationConfig(whole_table=whole_table), postgres=postgres
    )


def test_the_reconciliation_check_holds_after_a_touched_day_refresh_and_fails_on_drift(loaded, postgres, tmp_path):
    day = _days(loaded)[4]
    imports.import_csv(loaded, _sample(tmp_path, "rev.csv", [day], downloads_delta=3)[0], LISTENER_METRICS)
    assert not _check(postgres).passed  # not refreshed yet
    refresh_metrics_daily(loaded)
    assert _check(postgres).passed
    loaded.execute("DELETE FROM metrics_daily WHERE day = %s AND source = 'spotify'", (day,))
    loaded.commit()
    result = _check(postgres)
    assert not result.passed and result.metadata["mismatched_keys"].value > 0
    assert result.metadata["scope"].value.startswith("whole table")


def test_after_a_refresh_the_check_compares_the_refreshed_days_and_the_weekly_job_every_key(loaded, postgres, tmp_path):
    days = _days(loaded)
    revised, untouched = days[10], days[20]
    instance = dg.DagsterInstance.ephemeral()
    # drift on a day no import touched, then a one-day revision imported and refreshed by a run
    loaded.execute(
        "UPDATE metrics_daily SET downloads = downloads + 1000 WHERE tenant_id = %s AND day = %s", (TENANT, untouched)
    )
    loaded.commit()
    imports.import_csv(loaded, _sample(tmp_path, "rev.csv", [revised], downloads_delta=5)[0], LISTENER_METRICS)
    result = dg.materialize(
        [metrics_daily, metrics_daily_reconciles_with_listener_metrics],
        resources={"postgres": postgres},
        instance=instance,
    )
    assert result.success
    metadata = result.asset_materializations_for_node("metrics_daily")[0].metadata
    assert metadata["refreshed_days"].value == {TENANT: [[revised, revised]]}
    (evaluation,) = result.get_asset_check_evaluations()
    # the refreshed day reconciles; the untouched day's drift is outside this check's scope
    assert evaluation.passed and evaluation.metadata["days_compared"].value == 1
    assert "pending refresh" in evaluation.metadata["scope"].value

    # drift on the refreshed day: the scoped check fails and names only that day's keys
    loaded.execute(
        "DELETE FROM metrics_daily WHERE tenant_id = %s AND day = %s AND source = 'spotify'", (TENANT, revised)
    )
    loaded.commit()
    scoped = _check(postgres, instance)
    assert not scoped.passed and scoped.metadata["days_compared"].value == 1
    assert {row["day"] for row in scoped.metadata["sample"].value} == {revised}

    # the weekly job compares every key: both days fail
    defs = dg.Definitions(
        assets=[metrics_daily],
        asset_checks=[metrics_daily_reconciles_with_listener_metrics],
        jobs=[metrics_daily_full_reconciliation],
        resources={"postgres": postgres},
    )
    weekly = defs.resolve_job_def(FULL_RECONCILIATION_JOB).execute_in_process(instance=instance, raise_on_error=False)
    (evaluation,) = weekly.get_asset_check_evaluations()
    assert not evaluation.passed and evaluation.metadata["scope"].value == "whole table (run config whole_table)"
    mismatched = _check(postgres, instance, whole_table=True).metadata["mismatched_keys"].value
    assert evaluation.metadata["mismatched_keys"].value == mismatched
    assert {r[0] for r in loaded.execute(_DRIFTED_DAYS).fetchall()} == {revised, untouched}

    # a full rebuild repairs both days, and the check after it compares the whole table
    result = dg.materialize(
        [metrics_daily, metrics_daily_reconciles_with_listener_metrics],
        resources={"postgres": postgres},
        instance=instance,
        run_config={"ops": {"metrics_daily": {"config": {"full_rebuild": True}}}},
    )
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.passed and evaluation.metadata["scope"].value.startswith("whole table")
    metadata = result.asset_materializations_for_node("metrics_daily")[0].metadata
    assert metadata["refreshed_days"].value == {TENANT: [[revised, revised], [untouched, untouched]]}


# The days of metrics_daily that differ from listener_metrics, from the key-level comparison itself.
_DRIFTED_DAYS = """
SELECT DISTINCT coalesce(l.day, m.day)::text
FROM listener_metrics l
FULL JOIN metrics_daily m
  ON m.tenant_id = l.tenant_id AND m.day = l.day AND m.show_id = l.show_id AND m.source = l.source
 AND m.episode_id IS NOT DISTINCT FROM l.episode_id
WHERE (l.downloads, l.listeners, l.listen_seconds) IS DISTINCT FROM (m.downloads, m.listeners, m.listen_seconds)
"""


def test_a_backfill_run_from_dagster_rebuilds_exactly_its_range(loaded, postgres):
    days = _days(loaded)
    inside, outside = days[5:8], [days[2], days[9]]
    loaded.execute(
        "UPDATE metrics_daily SET downloads = downloads + 1 WHERE day = ANY(%s::date[])", (inside + outside,)
    )
    loaded.commit()
    result = dg.materialize(
        [metrics_daily],
        resources={"postgres": postgres},
        run_config={"ops": {"metrics_daily": {"config": {"from_day": inside[0], "to_day": inside[-1]}}}},
    )
    assert result.success
    metadata = result.asset_materializations_for_node("metrics_daily")[0].metadata
    assert metadata["mode"].value == "range"
    _, sample = reconcile_metrics_daily(loaded, sample_size=10_000)
    assert {row["day"] for row in sample} == set(outside)
    # a full rebuild from the launchpad repairs the rest
    result = dg.materialize(
        [metrics_daily],
        resources={"postgres": postgres},
        run_config={"ops": {"metrics_daily": {"config": {"full_rebuild": True}}}},
    )
    assert result.success and reconcile_metrics_daily(loaded) == (0, [])


def test_a_backfill_with_one_bound_fails_and_changes_nothing(loaded, postgres):
    before = loaded.execute("SELECT count(*) FROM metrics_daily").fetchone()[0]
    result = dg.materialize(
        [metrics_daily],
        resources={"postgres": postgres},
        run_config={"ops": {"metrics_daily": {"config": {"from_day": "2026-09-01"}}}},
        raise_on_error=False,
    )
    assert not result.success
    assert loaded.execute("SELECT count(*) FROM metrics_daily").fetchone()[0] == before


def test_a_revision_keeps_the_value_as_reported_before_it(loaded, tmp_path):
    day = _days(loaded)[6]
    key = "tenant_id = %s AND day = %s"
    before = dict(
        loaded.execute(
            "SELECT episode_id || source, downloads FROM listener_metrics WHERE " + key, (TENANT, day)
        ).fetchall()
    )
    # the first report happened on 2026-09-10; the revision is reported now
    loaded.execute("UPDATE listener_metrics SET loaded_at = '2026-09-10 12:00+00'")
    loaded.commit()
    imports.import_csv(loaded, _sample(tmp_path, "rev.csv", [day], downloads_delta=11)[0], LISTENER_METRICS)
    refresh_metrics_daily(loaded)

    history = loaded.execute(
        "SELECT count(*), min(reported_at), max(superseded_at) > '2026-09-11' FROM listener_metrics_history"
    ).fetchone()
    assert history == (len(before), dt.datetime(2026, 9, 10, 12, tzinfo=dt.UTC), True)

    def as_reported(on: dt.date) -> dict:
        return dict(
            loaded.execute(
                "SELECT episode_id || source, downloads FROM metrics_as_reported(%s) WHERE " + key, (on, TENANT, day)
            ).fetchall()
        )

    assert as_reported(dt.date(2026, 9, 9)) == {}  # nothing had been reported yet
    assert as_reported(dt.date(2026, 9, 10)) == before
    assert as_reported(dt.datetime.now(dt.UTC).date()) == {k: v + 11 for k, v in before.items()}
    current = dict(
        loaded.execute("SELECT episode_id || source, downloads FROM metrics_daily WHERE " + key, (TENANT, day))
    )
    assert current == {k: v + 11 for k, v in before.items()}
    # re-sending the revision (other bytes, same values) adds nothing to the history
    path, rows = _sample(tmp_path, "again.csv", [day], downloads_delta=11)
    rows.iloc[::-1].to_csv(path, index=False)
    imports.import_csv(loaded, path, LISTENER_METRICS)
    assert loaded.execute("SELECT count(*) FROM listener_metrics_history").fetchone()[0] == len(before)


# --- property: any sequence of writes, refreshed where touched, equals a full rebuild ---------------------

KEYS = [
    (day, show, episode, source)
    for day in ("2026-09-01", "2026-09-02", "2026-09-03", "2026-09-04")
    for show, episode in (("s1", "e1"), ("s1", "e2"), ("s1", None), ("s2", None))
    for source in ("spotify", "megaphone")
]
UPSERT = """
INSERT INTO listener_metrics AS m (tenant_id, day, show_id, episode_id, source, downloads, listeners)
VALUES (%s, %s, %s, %s, %s, %s, %s)
ON CONFLICT ON CONSTRAINT ux_listener_metrics_key DO UPDATE
SET downloads = EXCLUDED.downloads, listeners = EXCLUDED.listeners, loaded_at = now()
WHERE (m.downloads, m.listeners) IS DISTINCT FROM (EXCLUDED.downloads, EXCLUDED.listeners)
"""
DELETE = (
    "DELETE FROM listener_metrics WHERE tenant_id = %s AND day = %s AND show_id = %s "
    "AND episode_id IS NOT DISTINCT FROM %s AND source = %s"
)

write = st.tuples(
    st.sampled_from(["upsert", "upsert", "upsert", "delete", "refresh"]),
    st.lists(
        st.tuples(st.sampled_from(KEYS), st.integers(0, 3), st.one_of(st.none(), st.integers(0, 2))),
        min_size=1,
        max_size=6,
    ),
)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(write, min_size=1, max_size=8))
def test_touched_day_refreshes_equal_a_full_rebuild_after_any_writes(conn: psycopg.Connection, writes):
    truncate_all(conn)
    conn.execute("INSERT INTO tenants (tenant_id, name) VALUES (%s, 'T')", (TENANT,))
    conn.commit()
    current: dict = {}  # the model: key -> (downloads, listeners)
    superseded = 0
    for kind, rows in writes:
        if kind == "refresh":
            refresh_metrics_daily(conn)
            continue
        for key, downloads, listeners in rows:  # one transaction per write, like one import
            if kind == "upsert":
                conn.execute(UPSERT, (TENANT, *key, downloads, listeners))
                if key in current and current[key] != (downloads, listeners):
                    superseded += 1
                current[key] = (downloads, listeners)
            else:
                conn.execute(DELETE, (TENANT, *key))
                superseded += current.pop(key, None) is not None
        conn.commit()
    refresh_metrics_daily(conn)
    incremental = conn.execute(ROWS.format("metrics_daily")).fetchall()
    rebuild_metrics_daily(conn)
    assert incremental == conn.execute(ROWS.format("metrics_daily")).fetchall()
    assert reconcile_metrics_daily(conn) == (0, [])
    assert conn.execute(PENDING).fetchall() == []
    # in the SQL's order: ORDER BY puts NULL episode_id last
    model = [
        (TENANT, dt.date.fromisoformat(k[0]), k[1], k[2], k[3], *v)
        for k, v in sorted(
            current.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] is None, kv[0][2] or "", kv[0][3])
        )
    ]
    assert [r[:7] for r in incremental] == model
    # history grows with real changes only, and "as reported now" is the current state
    assert conn.execute("SELECT count(*) FROM listener_metrics_history").fetchone()[0] == superseded
    now = conn.execute(
        "SELECT tenant_id, day, show_id, episode_id, source, downloads, listeners "
        "FROM metrics_as_reported_at(now()) ORDER BY 1, 2, 3, 4, 5"
    ).fetchall()
    assert now == model


# --- property: a full rebuild repairs any drift and rewrites only the drifted days ----------------------

drift = st.lists(
    st.tuples(st.sampled_from(["bump", "drop", "extra"]), st.sampled_from(KEYS), st.integers(1, 5)),
    min_size=0,
    max_size=6,
)
DRIFT = {
    "bump": (
        "UPDATE metrics_daily SET downloads = downloads + %(n)s WHERE tenant_id = %(t)s AND day = %(day)s "
        "AND show_id = %(show)s AND episode_id IS NOT DISTINCT FROM %(ep)s AND source = %(source)s"
    ),
    "drop": (
        "DELETE FROM metrics_daily WHERE tenant_id = %(t)s AND day = %(day)s AND show_id = %(show)s "
        "AND episode_id IS NOT DISTINCT FROM %(ep)s AND source = %(source)s"
    ),
    # a key listener_metrics may not have, or a second copy of a show-level key (episode_id NULL
    # escapes the unique index); an episode key already present is left alone
    "extra": (
        "INSERT INTO metrics_daily (tenant_id, day, show_id, episode_id, source, downloads, listeners) "
        "VALUES (%(t)s, %(day)s, %(show)s, %(ep)s, %(source)s, %(n)s, 0) ON CONFLICT DO NOTHING"
    ),
}


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(KEYS), st.integers(0, 3)), min_size=1, max_size=12), drift)
def test_a_full_rebuild_repairs_any_drift_and_rewrites_only_the_drifted_days(conn: psycopg.Connection, rows, edits):
    truncate_all(conn)
    conn.execute("INSERT INTO tenants (tenant_id, name) VALUES (%s, 'T')", (TENANT,))
    for key, downloads in rows:
        conn.execute(UPSERT, (TENANT, *key, downloads, 1))
    conn.commit()
    refresh_metrics_daily(conn)
    for kind, (day, show, episode, source), n in edits:
        conn.execute(DRIFT[kind], {"t": TENANT, "day": day, "show": show, "ep": episode, "source": source, "n": n})
    conn.commit()

    def by_day(table: str) -> dict:
        out: dict = {}
        for row in conn.execute(ROWS.format(table)).fetchall():
            out.setdefault((row[0], row[1]), []).append(row)
        return out

    drifted, source = by_day("metrics_daily"), by_day("listener_metrics")
    expected = sorted(pair for pair in drifted.keys() | source.keys() if drifted.get(pair) != source.get(pair))
    untouched = {
        r[0]
        for r in conn.execute(
            "SELECT ctid::text || day FROM metrics_daily WHERE day <> ALL(%s::date[])", ([d for _, d in expected],)
        ).fetchall()
    }
    done = rebuild_metrics_daily(conn)
    assert list(done.pairs) == expected and done.days == len(expected)
    assert (
        conn.execute(ROWS.format("metrics_daily")).fetchall()
        == conn.execute(ROWS.format("listener_metrics")).fetchall()
    )
    # the rows of the other days were not rewritten: same physical place
    assert untouched <= {r[0] for r in conn.execute("SELECT ctid::text || day FROM metrics_daily").fetchall()}
    assert rebuild_metrics_daily(conn).days == 0  # in sync: nothing to replace


# --- property: the same through real CSV imports (validation, copy and upsert paths, history) -------------

IMPORT_KEYS = [
    (day, "nw-founders-hour", f"nw-founders-hour-e0{n}", source)
    for day in ("2026-08-18", "2026-08-19", "2026-08-20")
    for n in (57, 58)
    for source in ("megaphone", "spotify")
]
CSV_HEADER = "tenant_id,day,show_id,episode_id,source,downloads,listeners,listen_seconds\n"
csv_imports = st.lists(
    st.tuples(
        st.dictionaries(st.sampled_from(IMPORT_KEYS), st.integers(0, 3), min_size=1, max_size=6),
        st.booleans(),  # refresh right after this import
    ),
    min_size=1,
    max_size=4,
)


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(csv_imports)
def test_touched_day_refreshes_after_random_csv_imports_and_revisions_equal_a_full_rebuild(reference, tmp_path, files):
    reference.execute("TRUNCATE listener_metrics, metrics_daily, metrics_daily_pending, listener_metrics_history")
    reference.execute("DELETE FROM etl_imports WHERE source_uri LIKE %s", ("%prop-import-%",))
    reference.commit()
    model: dict = {}
    seen: set[str] = set()
    for n, (values, refresh) in enumerate(files):
        body = CSV_HEADER + "".join(
            f"{TENANT},{day},{show},{episode},{source},{v},{v},{v * 60}\n"
            for (day, show, episode, source), v in sorted(values.items())
        )
        path = tmp_path / f"prop-import-{n}.csv"
        path.write_text(body, encoding="utf-8")
        assert imports.import_csv(reference, path, LISTENER_METRICS).status in {"completed", "skipped"}
        if body not in seen:  # the same bytes again are skipped by checksum
            model.update(values)
        seen.add(body)
        if refresh:
            refresh_metrics_daily(reference)
    refresh_metrics_daily(reference)
    incremental = reference.execute(ROWS.format("metrics_daily")).fetchall()
    assert rebuild_metrics_daily(reference).days == 0  # the touched-day refreshes left nothing to repair
    assert incremental == reference.execute(ROWS.format("listener_metrics")).fetchall()
    assert {(r[1].isoformat(), r[2], r[3], r[4]): r[5] for r in incremental} == model
    assert reconcile_metrics_daily(reference) == (0, [])
