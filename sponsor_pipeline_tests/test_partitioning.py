"""Monthly partitioning of listener_metrics (sql/partitioning): converted in place with the sample data,
imports and upserts route to the month's partition, metrics_daily refreshes and reconciles, a month's
query prunes to one partition, RLS still isolates tenants, the DEFAULT partition is emptied by
ensure_listener_metrics_partitions, and rollback restores the plain table with every row.

The tests share one scratch database (module scope) and run in file order; each states what it relies on.
"""

import datetime as dt
import json

import pandas as pd
import psycopg
import pytest

from sponsor_pipeline.db import migrate, server
from sponsor_pipeline.warehouse import imports
from sponsor_pipeline.warehouse.metrics import reconcile_metrics_daily, refresh_metrics_daily
from sponsor_pipeline.warehouse.targets import LISTENER_METRICS

from .conftest import SAMPLES, load_reference

# Lane: end to end on a partitioned scratch database; not in `make test-fast`.
pytestmark = pytest.mark.slow

TENANT_A, TENANT_B = "northwind-audio", "harbor-pods"

TOTALS = """
SELECT count(*), sum(downloads), sum(listeners), sum(listen_seconds),
       count(*) FILTER (WHERE episode_id IS NULL), count(DISTINCT tenant_id)
FROM listener_metrics
"""

# Everything the conversion must keep, as text comparable before and after.
SHAPE = {
    "columns": """
        SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = 'listener_metrics' ORDER BY ordinal_position
    """,
    "constraints": """
        SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE conrelid = 'listener_metrics'::regclass ORDER BY conname
    """,
    "policies": """
        SELECT policyname, roles::text, cmd, qual, with_check FROM pg_policies
        WHERE schemaname = current_schema() AND tablename = 'listener_metrics'
    """,
    "rls": "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'listener_metrics'::regclass",
    "grants": """
        SELECT privilege_type FROM information_schema.role_table_grants
        WHERE table_name = 'listener_metrics' AND grantee = 'sponsor_tenant' ORDER BY 1
    """,
    "views": """
        SELECT c.relname, c.relkind, pg_get_viewdef(c.oid), c.reloptions::text FROM pg_class c
        WHERE c.relname IN ('metrics_daily', 'tenant_metrics_daily') ORDER BY 1
    """,
    "view_indexes": "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'metrics_daily' ORDER BY 1",
    "view_grants": """
        SELECT table_name, privilege_type FROM information_schema.role_table_grants
        WHERE table_name IN ('metrics_daily', 'tenant_metrics_daily') AND grantee = 'sponsor_tenant' ORDER BY 1, 2
    """,
}


def _shape(conn: psycopg.Connection) -> dict[str, list[tuple]]:
    return {name: conn.execute(query).fetchall() for name, query in SHAPE.items()}


def _relkind(conn: psycopg.Connection) -> str:
    return conn.execute("SELECT relkind FROM pg_class WHERE oid = 'listener_metrics'::regclass").fetchone()[0]


def _month_partition(day: dt.date) -> str:
    return f"listener_metrics_y{day:%Y}m{day:%m}"


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


@pytest.fixture(scope="module")
def scratch(server_url):
    """A database migrated without partitioning, holding the sample reference data and metrics, whose
    shape and totals are recorded; then migrated with partitioning."""
    url = server_url.set(database="sponsor_test_partitioning")
    server.drop_database(url)
    server.ensure_database(url)
    migrate.migrate(url, partitioning=False)
    with psycopg.connect(server.libpq_dsn(url)) as conn:
        load_reference(conn)
        imports.import_csv(conn, SAMPLES / "metrics_daily.csv", LISTENER_METRICS)
        # a show-level row (episode_id NULL) and a row without downloads (allowed since 0004)
        conn.execute(
            "INSERT INTO listener_metrics (tenant_id, day, show_id, episode_id, source, downloads, listeners) "
            "SELECT tenant_id, '2026-09-03', show_id, NULL, 'spotify', NULL, 42 FROM shows"
        )
        conn.commit()
        refresh_metrics_daily(conn)
        before = {
            "totals": conn.execute(TOTALS).fetchone(),
            "shape": _shape(conn),
            "first_day": conn.execute("SELECT min(day) FROM listener_metrics").fetchone()[0],
            "metrics_daily": conn.execute("SELECT count(*), sum(downloads) FROM metrics_daily").fetchone(),
        }
        assert _relkind(conn) == "r"
    applied = migrate.migrate(url, partitioning=True)
    assert applied == ["0001_partition_listener_metrics"]
    yield url, before
    server.drop_database(url)


@pytest.fixture
def conn(scratch):
    with psycopg.connect(server.libpq_dsn(scratch[0])) as connection:
        yield connection


def test_conversion_keeps_every_row_and_the_table_shape(scratch, conn):
    url, before = scratch
    assert _relkind(conn) == "p"
    assert conn.execute(TOTALS).fetchone() == before["totals"]
    assert _shape(conn) == before["shape"]
    # metrics_daily was recreated with data
    assert conn.execute("SELECT count(*), sum(downloads) FROM metrics_daily").fetchone() == before["metrics_daily"]
    assert migrate.verify(url, partitioning=True) == []
    assert migrate.status(url, partitioning=True).pending == []


def test_partitions_run_from_the_first_data_month_to_a_year_ahead(scratch, conn):
    first_day = scratch[1]["first_day"]
    today = conn.execute("SELECT current_date").fetchone()[0]
    last_month = (today.replace(day=1) + dt.timedelta(days=366)).replace(day=1)
    expected = [_month_partition(m) for m in _months(min(first_day, today), last_month)]
    rows = conn.execute(
        "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
        "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'listener_metrics'::regclass ORDER BY 1"
    ).fetchall()
    bounds = dict(rows)
    assert sorted(bounds) == sorted([*expected, "listener_metrics_default"])
    assert bounds["listener_metrics_default"] == "DEFAULT"
    assert bounds["listener_metrics_y2026m09"] == "FOR VALUES FROM ('2026-09-01') TO ('2026-10-01')"
    # every sample row sits in the partition of its month; none in the DEFAULT one
    misplaced = conn.execute(
        "SELECT count(*) FROM listener_metrics "
        "WHERE tableoid::regclass::text <> 'listener_metrics_y' || to_char(day, 'YYYY\"m\"MM')"
    ).fetchone()[0]
    assert misplaced == 0


def _metrics_csv(path, rows) -> None:
    pd.DataFrame(
        rows,
        columns=["tenant_id", "day", "show_id", "episode_id", "source", "downloads", "listeners", "listen_seconds"],
    ).to_csv(path, index=False)


def test_imports_land_in_the_month_partition_and_a_reimport_upserts(conn, tmp_path):
    # Metric days may not lie in the future (pandera schema); the samples cover 2026-08-18 .. 2026-11-15.
    # 2025-05-10 is before the first partitioned month: the DEFAULT partition takes it.
    keys = []
    for tenant, days in ((TENANT_A, ["2026-11-16", "2026-11-20"]), (TENANT_B, ["2025-05-10", "2026-08-17"])):
        show, episode_id = conn.execute(
            "SELECT show_id, episode_id FROM episodes WHERE tenant_id = %s ORDER BY episode_id LIMIT 1", (tenant,)
        ).fetchone()
        keys += [(tenant, day, show, episode_id) for day in days]
    rows = [(*key, "acast", 100 + i, 90, 3600) for i, key in enumerate(keys)]
    first = tmp_path / "metrics_new_days.csv"
    _metrics_csv(first, rows)
    count_before = conn.execute("SELECT count(*) FROM listener_metrics").fetchone()[0]
    placed_query = (
        "SELECT m.day::text, m.tableoid::regclass::text, m.downloads, m.import_id FROM listener_metrics m "
        "JOIN unnest(%s::text[], %s::date[], %s::text[]) AS k (tenant_id, day, episode_id) "
        "USING (tenant_id, day, episode_id) WHERE m.source = 'acast' ORDER BY m.day"
    )
    key_params = ([k[0] for k in keys], [k[1] for k in keys], [k[3] for k in keys])

    result = imports.import_csv(conn, first, LISTENER_METRICS)
    assert (result.status, result.rows_loaded, result.rows_changed) == ("completed", 4, 4)
    placed = conn.execute(placed_query, key_params).fetchall()
    assert [row[:3] for row in placed] == [
        ("2025-05-10", "listener_metrics_default", 102),
        ("2026-08-17", "listener_metrics_y2026m08", 103),
        ("2026-11-16", "listener_metrics_y2026m11", 100),
        ("2026-11-20", "listener_metrics_y2026m11", 101),
    ]

    # a corrected file with the same keys: INSERT ... ON CONFLICT ON CONSTRAINT ux_listener_metrics_key
    # on the partitioned parent updates the changed rows in place and leaves the identical one alone
    changed = tmp_path / "metrics_new_days_corrected.csv"
    _metrics_csv(changed, [(*r[:5], r[5] + 1000, *r[6:]) for r in rows[:3]] + [rows[3]])
    again = imports.import_csv(conn, changed, LISTENER_METRICS)
    assert (again.status, again.rows_loaded, again.rows_changed) == ("completed", 4, 3)
    assert conn.execute("SELECT count(*) FROM listener_metrics").fetchone()[0] == count_before + 4
    placed = conn.execute(placed_query, key_params).fetchall()
    assert placed == [
        ("2025-05-10", "listener_metrics_default", 1102, again.import_id),
        ("2026-08-17", "listener_metrics_y2026m08", 103, result.import_id),
        ("2026-11-16", "listener_metrics_y2026m11", 1100, again.import_id),
        ("2026-11-20", "listener_metrics_y2026m11", 1101, again.import_id),
    ]


def test_metrics_daily_refreshes_concurrently_and_reconciles(conn):
    conn.execute(
        "INSERT INTO listener_metrics (tenant_id, day, show_id, episode_id, source, downloads) "
        "SELECT tenant_id, '2026-10-02', show_id, NULL, 'refresh-check', 7 FROM shows"
    )
    conn.commit()
    mismatches, _ = reconcile_metrics_daily(conn)
    assert mismatches > 0  # the view is stale until refreshed
    refresh_metrics_daily(conn)  # REFRESH MATERIALIZED VIEW CONCURRENTLY
    assert reconcile_metrics_daily(conn) == (0, [])
    shows = conn.execute("SELECT count(*) FROM shows").fetchone()[0]
    assert (
        conn.execute("SELECT count(*) FROM metrics_daily WHERE source = 'refresh-check' AND downloads = 7").fetchone()[
            0
        ]
        == shows
    )


def _scanned_relations(conn: psycopg.Connection, query: str, params=()) -> set[str]:
    plan = conn.execute("EXPLAIN (FORMAT JSON) " + query, params).fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    found: set[str] = set()

    def walk(node: dict) -> None:
        if "Relation Name" in node:
            found.add(node["Relation Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return found


def test_a_tenant_month_query_scans_one_partition(conn):
    month = (
        "SELECT sum(downloads) FROM listener_metrics "
        "WHERE tenant_id = %s AND day >= '2026-09-01' AND day < '2026-10-01'"
    )
    assert _scanned_relations(conn, month, (TENANT_B,)) == {"listener_metrics_y2026m09"}
    one_day = "SELECT * FROM listener_metrics WHERE tenant_id = %s AND day = '2026-10-15'"
    assert _scanned_relations(conn, one_day, (TENANT_B,)) == {"listener_metrics_y2026m10"}
    # without a day bound every partition is read: the pruning above comes from the day predicate
    assert len(_scanned_relations(conn, "SELECT count(*) FROM listener_metrics WHERE tenant_id = %s", (TENANT_B,))) > 10


def test_row_level_security_isolates_tenants_on_the_partitioned_table(conn):
    conn.execute("SET ROLE sponsor_tenant")
    conn.execute("SELECT set_config('app.tenant_id', %s, false)", (TENANT_A,))
    tenants = conn.execute("SELECT DISTINCT tenant_id FROM listener_metrics").fetchall()
    assert tenants == [(TENANT_A,)]
    assert conn.execute("SELECT count(DISTINCT tenant_id) FROM tenant_metrics_daily").fetchone()[0] == 1
    with pytest.raises(psycopg.errors.InsufficientPrivilege):  # WITH CHECK of tenant_isolation
        conn.execute(
            "INSERT INTO listener_metrics (tenant_id, day, show_id, source, downloads) "
            "VALUES (%s, '2026-10-01', 'x', 'acast', 1)",
            (TENANT_B,),
        )
    conn.rollback()
    conn.execute("SET ROLE sponsor_tenant")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):  # partitions are not granted to the tenant
        conn.execute("SELECT count(*) FROM listener_metrics_y2026m10")
    conn.rollback()


def test_ensure_partitions_moves_rows_out_of_the_default_partition(conn):
    conn.execute(
        "INSERT INTO listener_metrics (tenant_id, day, show_id, episode_id, source, downloads) "
        "SELECT tenant_id, d::date, show_id, NULL, 'future', 5 FROM shows, "
        "generate_series('2032-05-01'::date, '2032-05-31', interval '10 days') d"
    )
    conn.commit()
    in_default = conn.execute(
        "SELECT count(*) FROM listener_metrics_default WHERE day >= '2032-05-01' AND day < '2032-06-01'"
    ).fetchone()[0]
    assert in_default > 0
    total = conn.execute(TOTALS).fetchone()

    created = conn.execute("SELECT * FROM ensure_listener_metrics_partitions('2032-05-20', '2032-06-01')").fetchall()
    conn.commit()
    assert created == [("listener_metrics_y2032m05", in_default), ("listener_metrics_y2032m06", 0)]
    assert conn.execute(
        "SELECT tableoid::regclass::text, count(*) FROM listener_metrics WHERE source = 'future' GROUP BY 1"
    ).fetchall() == [("listener_metrics_y2032m05", in_default)]
    assert conn.execute(TOTALS).fetchone() == total
    # the DEFAULT partition is attached again, still holding the other months' rows
    assert (
        conn.execute(
            "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = 'listener_metrics_default'"
        ).fetchone()[0]
        == "DEFAULT"
    )
    assert conn.execute("SELECT count(*) FROM listener_metrics_default").fetchone()[0] >= 1  # 2025-05-10
    # idempotent: a second call creates nothing
    assert conn.execute("SELECT * FROM ensure_listener_metrics_partitions('2032-05-01', '2032-06-30')").fetchall() == []
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="from_day <= to_day"):
        conn.execute("SELECT * FROM ensure_listener_metrics_partitions('2032-06-01', '2032-05-01')")
    conn.rollback()


def test_partitioning_sql_runs_again_on_a_partitioned_schema(scratch, conn):
    url = scratch[0]
    partitions = conn.execute(
        "SELECT count(*) FROM pg_inherits WHERE inhparent = 'listener_metrics'::regclass"
    ).fetchone()[0]
    total = conn.execute(TOTALS).fetchone()
    conn.execute((migrate.PARTITIONING_DIR / "0001_partition_listener_metrics.sql").read_text())
    conn.commit()
    assert (
        conn.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = 'listener_metrics'::regclass").fetchone()[0]
        == partitions
    )
    assert conn.execute(TOTALS).fetchone() == total
    assert migrate.verify(url, partitioning=True) == []


def test_verify_names_what_partitioning_lacks(scratch, conn):
    url = scratch[0]
    assert migrate.verify(url, partitioning=False) == []  # the core checks accept a partitioned table
    conn.execute("ALTER TABLE listener_metrics DETACH PARTITION listener_metrics_default")
    conn.execute("ALTER FUNCTION ensure_listener_metrics_partitions(date, date) RENAME TO ensure_partitions_old")
    conn.commit()
    try:
        missing = migrate.verify(url, partitioning=True)
        assert ("default_partition", "listener_metrics_default", "listener_metrics") in missing
        assert ("function", "ensure_listener_metrics_partitions", "from_day date, to_day date") in missing
        with pytest.raises(migrate.SchemaVerificationError, match="listener_metrics_default"):
            migrate.verify_or_raise(url, partitioning=True)
    finally:
        conn.execute("ALTER FUNCTION ensure_partitions_old(date, date) RENAME TO ensure_listener_metrics_partitions")
        conn.execute("ALTER TABLE listener_metrics ATTACH PARTITION listener_metrics_default DEFAULT")
        conn.commit()
    assert migrate.verify(url, partitioning=True) == []


def test_monthly_maintenance_job_recreates_a_missing_partition(scratch, conn, monkeypatch):
    from sponsor_pipeline.defs.maintenance.partitions import listener_metrics_partition_maintenance
    from sponsor_pipeline.resources import PostgresResource
    from sponsor_pipeline.warehouse.partitions import months_ahead

    last = _month_partition(months_ahead(dt.datetime.now(dt.UTC).date())[1])
    conn.execute(f"DROP TABLE {last}")  # name built from a date above, not from input
    conn.commit()
    postgres = PostgresResource(database_url=scratch[0].render_as_string(hide_password=False))
    result = listener_metrics_partition_maintenance.execute_in_process(resources={"postgres": postgres})
    assert result.success
    assert result.output_for_node("ensure_listener_metrics_partitions") == [(last, 0)]
    assert conn.execute("SELECT to_regclass(%s)::text", (last,)).fetchone()[0] == last
    again = listener_metrics_partition_maintenance.execute_in_process(resources={"postgres": postgres})
    assert again.output_for_node("ensure_listener_metrics_partitions") == []


def test_maintenance_schedule_is_registered_only_with_partitioning(monkeypatch):
    from sponsor_pipeline.definitions import build_definitions

    monkeypatch.setenv("SPONSOR_PARTITION_LISTENER_METRICS", "true")
    on = build_definitions()
    assert on.resolve_schedule_def("listener_metrics_partition_maintenance_schedule").cron_schedule == "0 3 1 * *"
    assert on.resolve_job_def("listener_metrics_partition_maintenance") is not None
    monkeypatch.setenv("SPONSOR_PARTITION_LISTENER_METRICS", "false")
    off = build_definitions()
    assert "listener_metrics_partition_maintenance_schedule" not in [s.name for s in off.schedules or []]
    assert "listener_metrics_partition_maintenance" not in [j.name for j in off.jobs or []]


def test_rollback_restores_the_plain_table_with_every_row(scratch, conn):
    url, before = scratch
    with pytest.raises(migrate.PartitioningApplied, match="--partitioned"):
        migrate.rollback(url, steps=1, partitioning=False)
    total = conn.execute(TOTALS).fetchone()
    conn.commit()

    assert migrate.rollback(url, steps=1, partitioning=True) == ["0001_partition_listener_metrics"]
    assert _relkind(conn) == "r"
    assert conn.execute(TOTALS).fetchone() == total
    assert _shape(conn) == before["shape"]
    assert conn.execute(
        "SELECT to_regclass('listener_metrics_default'), to_regclass('listener_metrics_y2026m09')"
    ).fetchone() == (None, None)
    assert (
        conn.execute("SELECT count(*) FROM pg_proc WHERE proname = 'ensure_listener_metrics_partitions'").fetchone()[0]
        == 0
    )
    assert migrate.verify(url, partitioning=False) == []
    assert ("partitioned_table", "listener_metrics", "range (day)") in migrate.verify(url, partitioning=True)
    refresh_metrics_daily(conn)
    assert reconcile_metrics_daily(conn) == (0, [])
    # the rollback SQL is idempotent on the plain table
    conn.execute((migrate.PARTITIONING_DIR / "0001_partition_listener_metrics.rollback.sql").read_text())
    conn.commit()
    assert _relkind(conn) == "r" and conn.execute(TOTALS).fetchone() == total
    conn.commit()

    # and partitioning can be applied again, rows and verify intact
    assert migrate.migrate(url, partitioning=True) == ["0001_partition_listener_metrics"]
    assert _relkind(conn) == "p"
    assert conn.execute(TOTALS).fetchone() == total
    assert migrate.verify(url, partitioning=True) == []


def test_cli_partitioned_flag_migrates_verifies_and_rolls_back(server_url, monkeypatch):
    from click.testing import CliRunner

    from sponsor_pipeline.cli import main

    url = server_url.set(database="sponsor_test_partitioning_cli")
    server.drop_database(url)
    server.ensure_database(url)
    monkeypatch.setenv("DATABASE_URL", url.render_as_string(hide_password=False))
    monkeypatch.delenv("SPONSOR_PARTITION_LISTENER_METRICS", raising=False)
    runner = CliRunner()
    try:
        assert runner.invoke(main, ["db", "migrate"]).exit_code == 0
        unpartitioned = runner.invoke(main, ["db", "verify", "--partitioned"])
        assert unpartitioned.exit_code == 1
        assert "MISSING partitioned_table listener_metrics" in unpartitioned.output

        migrated = runner.invoke(main, ["db", "migrate", "--partitioned"])
        assert migrated.exit_code == 0, migrated.output
        assert "applied: 0001_partition_listener_metrics" in migrated.output
        assert runner.invoke(main, ["db", "verify", "--partitioned"]).exit_code == 0
        status = runner.invoke(main, ["db", "status", "--partitioned"]).output
        assert "applied  0001_partition_listener_metrics" in status

        refused = runner.invoke(main, ["db", "rollback"])  # partitioning off in the environment
        assert refused.exit_code == 1 and "--partitioned" in refused.output
        monkeypatch.setenv("SPONSOR_PARTITION_LISTENER_METRICS", "true")  # the environment decides
        undone = runner.invoke(main, ["db", "rollback"])
        assert undone.exit_code == 0, undone.output
        assert "rolled back: 0001_partition_listener_metrics" in undone.output
        assert runner.invoke(main, ["db", "verify", "--not-partitioned"]).exit_code == 0
    finally:
        server.drop_database(url)
