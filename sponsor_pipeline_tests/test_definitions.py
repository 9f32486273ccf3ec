"""Definitions: they load and validate, flags remove their assets, the whole graph materializes."""

import dagster as dg
import pytest
from psycopg import sql

from sponsor_pipeline.definitions import ALL_ASSETS_JOB, build_definitions, defs
from sponsor_pipeline.defs import table_metadata
from sponsor_pipeline.settings import PROJECT_ROOT, Flags, flag
from sponsor_pipeline.warehouse.targets import REFERENCE_FILES


def _keys(definitions: dg.Definitions) -> set[str]:
    graph = definitions.resolve_asset_graph()
    return {k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).is_materializable}


def test_definitions_load_and_validate():
    loaded = defs()
    dg.Definitions.validate_loadable(loaded)
    assert {"tenants", "shows", "episodes", "io_bookings", "listener_metrics", "metrics_daily"} <= _keys(loaded)


def _inventory(definitions: dg.Definitions) -> dict[str, set[str]]:
    """Names of what ``definitions`` holds: materializable assets, checks, sensors, schedules, jobs."""
    repo = definitions.get_repository_def()
    return {
        "assets": _keys(definitions),
        "checks": {spec.name for c in definitions.asset_checks or [] for spec in c.check_specs},
        "sensors": {s.name for s in repo.sensor_defs},
        "schedules": {s.name for s in repo.schedule_defs},
        "jobs": {j.name for j in repo.get_all_jobs() if not j.name.startswith("__")},
    }


# What each flag removes when false (partitioning: adds when true), and nothing else.
FLAG_OWNS = {
    "etl_csv_upload": {
        "assets": {
            "listener_metrics",
            "sheet_metrics",
            "platform_exports",
            "platform_identity_map",
            "quarantine_replay",
        },
        "checks": {
            "listener_metrics_matches_schema",
            "show_audience_size_plausible",
            "listener_metrics_data_is_fresh",
            "platform_exports_data_is_fresh",
            "sheet_metrics_data_is_fresh",
        },
        "sensors": {"landing_sensor", "sheets_sensor"},
        "jobs": {"landing_import_job", "sheets_import_job"},
    },
    "io_bookings": {
        "assets": {
            "io_bookings",
            "io_responses",
            "io_delivery",
            "io_documents",
            "promo_redemptions",
            "vanity_visits",
            "io_attribution",
            "io_verification_flags",
            "campaign_reports",
        },
        "checks": {
            "io_delivery_covers_every_io",
            "io_verification_flags_have_evidence",
            "campaign_reports_match_warehouse",
        },
        "sensors": {"io_status_sensor"},
        "jobs": {"io_delivery_job"},
    },
    "deal_pipeline": {"sensors": {"deal_stage_sensor"}, "jobs": {"match_scores_job"}},
    "matchmaking": {"assets": {"match_scores"}, "checks": {"match_scores_in_range"}, "jobs": {"match_scores_job"}},
    "new_dashboard_cards": {
        "assets": {"creator_dashboard", "advertiser_dashboard", "ops_dashboard"},
        "checks": {"creator_dashboard_reconciles", "advertiser_dashboard_reconciles", "ops_dashboard_reconciles"},
    },
    "partition_listener_metrics": {
        "schedules": {"listener_metrics_partition_maintenance_schedule"},
        "jobs": {"listener_metrics_partition_maintenance"},
    },
}


@pytest.mark.parametrize("flag_name", sorted(FLAG_OWNS))
def test_each_flag_removes_exactly_its_domains_objects(flag_name):
    default = Flags()
    toggled = Flags(**{flag_name: not getattr(default, flag_name)})
    with_flag, without_flag = (toggled, default) if flag_name == "partition_listener_metrics" else (default, toggled)
    on, off = _inventory(build_definitions(with_flag)), _inventory(build_definitions(without_flag))
    dg.Definitions.validate_loadable(build_definitions(without_flag))
    expected = FLAG_OWNS[flag_name]
    for kind in on:
        assert on[kind] - off[kind] == expected.get(kind, set()), (flag_name, kind)
        assert off[kind] <= on[kind], (flag_name, kind)


def test_every_domain_folder_has_its_definitions_and_the_root_merges_them_all():
    from pathlib import Path

    from sponsor_pipeline import definitions as root

    folders = {p.parent.name for p in (Path(root.__file__).parent / "defs").glob("*/__init__.py")}
    merged = {domain.__name__.split(".")[-2] for domain in root.DOMAINS}
    assert folders == merged
    assert {"reference", "catalogue", "ingestion"} <= merged
    for domain in root.DOMAINS:
        assert isinstance(domain.build_defs(Flags()), dg.Definitions), domain.__name__


def test_daily_schedule_runs_the_whole_graph_with_configurable_cron_and_timezone(monkeypatch):
    monkeypatch.setenv("SPONSOR_DAILY_CRON", "30 4 * * 1-5")
    monkeypatch.setenv("SPONSOR_DAILY_TIMEZONE", "America/New_York")
    (schedule,) = [
        s for s in build_definitions(Flags()).get_repository_def().schedule_defs if s.job_name == ALL_ASSETS_JOB
    ]
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("30 4 * * 1-5", "America/New_York")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    monkeypatch.setenv("SPONSOR_DAILY_CRON", "every day")
    with pytest.raises(Exception, match="every day"):
        build_definitions(Flags())


def test_metrics_domain_has_the_table_its_checks_and_the_weekly_whole_table_reconciliation(monkeypatch):
    from sponsor_pipeline.defs.metrics import definitions as metrics_domain

    monkeypatch.setenv("SPONSOR_FULL_RECONCILIATION_CRON", "0 2 * * 6")
    monkeypatch.setenv("SPONSOR_DAILY_TIMEZONE", "Europe/Berlin")
    from sponsor_pipeline.definitions import shared_resources

    domain = dg.Definitions.merge(metrics_domain.build_defs(Flags()), dg.Definitions(resources=shared_resources()))
    inventory = _inventory(domain)
    assert inventory == {
        "assets": {"metrics_daily"},
        "checks": {
            "metrics_daily_reconciles_with_listener_metrics",
            "metrics_daily_key_unique",
            "metrics_daily_data_is_fresh",
        },
        "sensors": {"default_automation_condition_sensor"},  # Dagster's, for the checks' automation
        "schedules": {"metrics_daily_full_reconciliation_schedule"},
        "jobs": {"metrics_daily_full_reconciliation"},
    }
    (schedule,) = [
        s
        for s in build_definitions(Flags()).get_repository_def().schedule_defs
        if s.job_name == "metrics_daily_full_reconciliation"
    ]
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 2 * * 6", "Europe/Berlin")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_settings_resource_binds_set_variables_and_resolves_them_at_run_time(monkeypatch, tmp_path):
    from sponsor_pipeline.resources.settings import PipelineSettings, settings_from_env

    monkeypatch.setenv("SPONSOR_LANDING_DIR", str(tmp_path))
    monkeypatch.setenv("SPONSOR_IMPRESSION_SOURCES", "megaphone, libsyn")
    monkeypatch.delenv("SPONSOR_EXPORTS_DIR", raising=False)
    resource = settings_from_env()
    # bound to the variable, not to its value: a change before the run starts is what the run sees
    monkeypatch.setenv("SPONSOR_LANDING_DIR", str(tmp_path / "later"))

    @dg.asset
    def probe(settings: PipelineSettings) -> dict:
        return {
            "landing": settings.landing(),
            "sources": settings.impression_source_list(),
            "exports": settings.exports(),
        }

    result = dg.materialize([probe], resources={"settings": resource})
    seen = result.output_for_node("probe")
    assert seen["landing"] == (tmp_path / "later").resolve()
    assert seen["sources"] == ["megaphone", "libsyn"]
    assert seen["exports"].name == "exports"  # unset: <samples>/exports


def test_flag_parsing_rejects_garbage(monkeypatch):
    monkeypatch.setenv("ENABLE_MATCHMAKING", "False")
    assert flag("ENABLE_MATCHMAKING") is False
    monkeypatch.setenv("ENABLE_MATCHMAKING", "maybe")
    with pytest.raises(ValueError, match="ENABLE_MATCHMAKING"):
        flag("ENABLE_MATCHMAKING")


@pytest.mark.slow  # every asset of the graph, once (over 10 s)
def test_whole_graph_materializes_against_postgres(conn, postgres, monkeypatch):
    # The sample network's data ends 2026-11-15: data-time freshness is judged in test_freshness.py.
    monkeypatch.setenv("SPONSOR_FRESHNESS_WARN_DAYS", "36500")
    monkeypatch.setenv("SPONSOR_FRESHNESS_FAIL_DAYS", "36500")
    definitions = build_definitions(Flags())
    job = definitions.resolve_job_def(ALL_ASSETS_JOB)
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), resources={"postgres": postgres})
    assert result.success
    assert all(check.passed for check in result.get_asset_check_evaluations())
    lm = conn.execute("SELECT count(*) FROM listener_metrics").fetchone()[0]
    md = conn.execute("SELECT count(*) FROM metrics_daily").fetchone()[0]
    assert lm == md > 20_000
    again = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), resources={"postgres": postgres})
    assert again.success
    # every table asset's materialization carries its table's row count: on the second run nothing new
    # is loaded, so each count still holds when the run ends (several assets write listener_metrics)
    graph = definitions.resolve_asset_graph()
    counted = set()
    for event in again.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        table = table_metadata.table_of(graph.get(materialization.asset_key).metadata)
        assert table, materialization.asset_key
        expected = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
        assert materialization.metadata["dagster/row_count"].value == expected, (materialization.asset_key, table)
        assert materialization.metadata["dagster/column_schema"].value.columns, materialization.asset_key
        counted.add(materialization.asset_key.to_user_string())
    assert counted == _keys(definitions)
    # every reference file, the two metrics files, the export tenant's 3 reference files and its
    # 10 platform payloads, and the 9 advertiser response exports, each imported once
    response_files = sorted((PROJECT_ROOT / "samples" / "responses").glob("*/*/*.csv"))
    assert len(response_files) == 9
    expected_imports = len(REFERENCE_FILES) + 2 + 3 + 10 + len(response_files)
    assert conn.execute("SELECT count(*) FROM etl_imports WHERE status = 'completed'").fetchone()[0] == expected_imports
