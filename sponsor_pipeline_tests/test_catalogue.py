"""The catalogue reads well: owners, groups, kinds and descriptions on every asset, freshness policies
on metrics_daily and the dashboards, checks blocking where bad data must not flow on, flags respected;
every table asset names its table and carries its column schema (PostgreSQL types, a description per
column, readable pandera rules) and row count; code references; no beta/preview warning on load."""

import subprocess
import sys
from datetime import timedelta

import dagster as dg
import pytest

from sponsor_pipeline.definitions import build_definitions
from sponsor_pipeline.defs import table_metadata
from sponsor_pipeline.schemas import LISTENER_METRICS
from sponsor_pipeline.settings import Flags
from sponsor_pipeline.warehouse import table_catalogue

DASHBOARDS = {"creator_dashboard", "advertiser_dashboard", "ops_dashboard"}


def _graph(flags: Flags | None = None):
    return build_definitions(flags or Flags()).resolve_asset_graph()


def _materializable(graph):
    return {k.to_user_string(): graph.get(k) for k in graph.get_all_asset_keys() if graph.get(k).is_materializable}


def test_every_asset_has_owners_group_kinds_and_description():
    nodes = _materializable(_graph())
    assert DASHBOARDS | {"io_documents", "metrics_daily", "listener_metrics", "tenants"} <= set(nodes)
    for name, node in nodes.items():
        assert node.owners, name
        assert node.group_name and node.group_name != "default", name
        assert node.kinds, name
        assert node.description and len(node.description) > 40, name


def test_freshness_policies_on_metrics_daily_and_dashboards_only():
    nodes = _materializable(_graph())
    fresh = {name for name, node in nodes.items() if node.freshness_policy is not None}
    assert fresh == DASHBOARDS | {"metrics_daily"}
    policy = nodes["metrics_daily"].freshness_policy
    assert policy.fail_window.to_timedelta() == timedelta(hours=26)
    assert policy.warn_window.to_timedelta() == timedelta(hours=24)


def test_checks_are_blocking_where_bad_data_must_not_flow_on():
    defs = build_definitions(Flags())
    checks = {}
    for check_def in defs.asset_checks or []:
        for spec in check_def.check_specs:
            checks[spec.name] = spec.blocking
    assert checks["listener_metrics_matches_schema"] and checks["metrics_daily_key_unique"]
    assert checks["metrics_daily_reconciles_with_listener_metrics"] and checks["match_scores_in_range"]
    for name in ("creator_dashboard_reconciles", "advertiser_dashboard_reconciles", "ops_dashboard_reconciles"):
        assert checks[name] is False, name


# --- The catalogue a Dagster user expects: table names, column schemas, row counts, code references ---

TABLE_NAME_PREFIX = "sponsor_pipeline.public."


def _table_assets(graph) -> dict[str, str]:
    """Asset name -> the table it writes (its ``dagster/table_name``), for every asset kind ``postgres``."""
    return {
        name: str(node.metadata.get(table_metadata.TABLE_NAME, ""))
        for name, node in _materializable(graph).items()
        if "postgres" in node.kinds
    }


def test_every_table_asset_names_its_table():
    tables = _table_assets(_graph())
    assert {
        "tenants",
        "listener_metrics",
        "metrics_daily",
        "match_scores",
        "ops_dashboard",
        "episode_catalogue",
    } <= set(tables)
    for name, table in tables.items():
        assert table.startswith(TABLE_NAME_PREFIX), name
    assert tables["match_scores"] == TABLE_NAME_PREFIX + "matches"
    assert tables["ops_dashboard"] == TABLE_NAME_PREFIX + "ops_alerts"
    assert tables["episode_catalogue"] == TABLE_NAME_PREFIX + "episodes"


def test_every_column_of_every_table_asset_has_a_type_and_a_description(conn):
    tables = {table.removeprefix(TABLE_NAME_PREFIX) for table in _table_assets(_graph()).values()}
    # second tables written
    tables |= {"creator_source_split", "advertiser_recommendations", "audience_profiles", "show_audience_size"}
    for table in sorted(tables):
        metadata = table_metadata.materialization_metadata(conn, table)
        columns = metadata[table_metadata.COLUMN_SCHEMA].value.columns
        assert columns, table
        for column in columns:
            assert column.type and column.type != "string", (table, column.name)
            assert column.description and len(column.description) > 10, (table, column.name)
        assert metadata[table_metadata.ROW_COUNT].value == 0, table  # the conn fixture empties the tables


def test_catalogue_types_come_from_postgres_and_keys_are_marked(conn):
    columns = {c.name: c for c in table_catalogue.columns(conn, "io_bookings")}
    assert columns["cpm"].type == "numeric(10,2)" and columns["booked_impressions"].type == "bigint"
    assert columns["flight_start"].type == "date" and columns["updated_at"].type == "timestamp with time zone"
    assert columns["episode_id"].nullable and not columns["io_id"].nullable
    assert not columns["io_id"].unique  # the primary key is (tenant_id, io_id): no single column is unique
    assert {c.name for c in table_catalogue.columns(conn, "metrics_daily")} >= {"downloads", "listeners"}  # a view
    with pytest.raises(LookupError, match=r"no table public\.no_such_table"):
        table_catalogue.columns(conn, "no_such_table")


def test_listener_metrics_column_schema_reads_its_pandera_rules(conn):
    schema = table_metadata.materialization_metadata(conn, "listener_metrics", validated_by=LISTENER_METRICS)[
        table_metadata.COLUMN_SCHEMA
    ].value
    rules = {c.name: list(c.constraints.other) for c in schema.columns}
    assert rules["downloads"] == ["required", ">= 0"]
    assert rules["listeners"] == [">= 0"]
    assert rules["day"] == ["required", ">= 2004-01-01", "rejects: day after tomorrow"]
    assert rules["source"] == ["required", "matches ^[a-z][a-z0-9_]*$", "between 1 and 64 characters"]
    assert rules["loaded_at"] == []  # a warehouse column the CSV schema does not have
    assert list(schema.constraints.other) == ["rejects: show_id and episode_id are both empty"]
    for texts in rules.values():
        for text in texts:
            assert not text.rstrip().endswith((">=", ">", "<=", "<", "==")), text  # every comparison has its value


def test_every_asset_and_check_is_described_and_has_a_code_reference():
    definitions = build_definitions(Flags())
    graph = definitions.resolve_asset_graph()
    for name, node in _materializable(graph).items():
        references = node.metadata.get("dagster/code_references")
        assert references is not None and references.code_references, name
        assert references.code_references[0].file_path.endswith(".py"), name
    for check_def in definitions.asset_checks or []:
        for spec in check_def.check_specs:
            assert spec.description and len(spec.description) > 20, spec.name


def test_code_references_link_to_git_when_a_repository_is_named(monkeypatch):
    monkeypatch.setenv("SPONSOR_GIT_URL", "https://github.com/example/sponsor_pipeline")
    node = _graph().get(dg.AssetKey("metrics_daily"))
    (reference,) = node.metadata["dagster/code_references"].code_references
    assert reference.url.startswith(
        "https://github.com/example/sponsor_pipeline/tree/main/sponsor_pipeline/defs/metrics/assets.py"
    )


@pytest.mark.slow  # a fresh interpreter importing Dagster (about 10 s)
def test_loading_the_definitions_prints_no_beta_preview_or_deprecation_warning():
    code = "from sponsor_pipeline.definitions import defs; defs().resolve_asset_graph()"
    done = subprocess.run(
        [sys.executable, "-W", "error::UserWarning", "-W", "error::DeprecationWarning", "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
