"""Definitions: they load and validate, flags remove their assets, the whole graph materializes."""

import dagster as dg
import pytest

from sponsor_pipeline.definitions import ALL_ASSETS_JOB, build_definitions, defs
from sponsor_pipeline.settings import Flags, flag
from sponsor_pipeline.warehouse.targets import REFERENCE_FILES


def _keys(definitions: dg.Definitions) -> set[str]:
    graph = definitions.resolve_asset_graph()
    return {k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).is_materializable}


def test_definitions_load_and_validate():
    loaded = defs()
    dg.Definitions.validate_loadable(loaded)
    assert {"tenants", "shows", "episodes", "io_bookings", "listener_metrics", "metrics_daily"} <= _keys(loaded)


def test_flags_remove_their_assets():
    all_on = _keys(build_definitions(Flags()))
    no_csv = _keys(build_definitions(Flags(etl_csv_upload=False)))
    no_io = _keys(build_definitions(Flags(io_bookings=False)))
    assert all_on - no_csv == {"listener_metrics", "sheet_metrics", "platform_exports"}
    assert "io_bookings" in all_on and "io_bookings" not in no_io


def test_flag_parsing_rejects_garbage(monkeypatch):
    monkeypatch.setenv("ENABLE_MATCHMAKING", "False")
    assert flag("ENABLE_MATCHMAKING") is False
    monkeypatch.setenv("ENABLE_MATCHMAKING", "maybe")
    with pytest.raises(ValueError, match="ENABLE_MATCHMAKING"):
        flag("ENABLE_MATCHMAKING")


@pytest.mark.slow  # every asset of the graph, once (over 10 s)
def test_whole_graph_materializes_against_postgres(conn, postgres):
    definitions = build_definitions(Flags())
    job = definitions.resolve_job_def(ALL_ASSETS_JOB)
    result = job.execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), resources={"postgres": postgres}
    )
    assert result.success
    assert all(check.passed for check in result.get_asset_check_evaluations())
    lm = conn.execute("SELECT count(*) FROM listener_metrics").fetchone()[0]
    md = conn.execute("SELECT count(*) FROM metrics_daily").fetchone()[0]
    assert lm == md > 20_000
    again = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), resources={"postgres": postgres})
    assert again.success
    # every reference file, the two metrics files, the export tenant's 3 reference files and its
    # 10 platform payloads, each imported once
    expected_imports = len(REFERENCE_FILES) + 2 + 3 + 10
    assert conn.execute("SELECT count(*) FROM etl_imports WHERE status = 'completed'").fetchone()[0] == expected_imports
