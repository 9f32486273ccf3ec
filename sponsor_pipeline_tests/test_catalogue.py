"""The catalogue reads well: owners, groups, kinds and descriptions on every asset, freshness policies
on metrics_daily and the dashboards, checks blocking where bad data must not flow on, flags respected."""

from datetime import timedelta

from sponsor_pipeline.definitions import build_definitions
from sponsor_pipeline.settings import Flags

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
