"""deploy/: the production dagster.yaml validates against the config schemas of the classes it names
(dagster-k8s K8sRunLauncher, QueuedRunCoordinator, dagster-postgres storage, dagster-aws compute logs),
deploy/workspace.yaml is a valid workspace of gRPC locations, and SPONSOR_EXECUTOR=k8s puts
k8s_job_executor on the Definitions."""

import copy

import dagster as dg
import pytest
import yaml
from dagster._config import validate_config
from dagster._core.instance.config import dagster_instance_config_schema
from dagster._core.workspace.config_schema import WORKSPACE_CONFIG_SCHEMA, process_workspace_config
from dagster._serdes.config_class import class_from_code_pointer, convert_dagster_submodule_name
from dagster_postgres import DagsterPostgresStorage

from sponsor_pipeline.definitions import ALL_ASSETS_JOB, build_definitions
from sponsor_pipeline.executors import executor_named
from sponsor_pipeline.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
CLASS_SECTIONS = ("run_launcher", "run_coordinator", "compute_logs")


@pytest.fixture
def instance_yaml() -> dict:
    return yaml.safe_load((DEPLOY / "dagster.yaml").read_text())


def _config_class(section: dict) -> type:
    """The class a ``module``/``class`` section names, resolved as the instance loader does
    (``dagster.core.*`` is Dagster's public alias of ``dagster._core.*``)."""
    return class_from_code_pointer(convert_dagster_submodule_name(section["module"], "private"), section["class"])


def _errors(result) -> list[str]:
    return [e.message for e in result.errors or []]


def test_instance_file_matches_dagsters_instance_schema(instance_yaml):
    result = validate_config(dagster_instance_config_schema(), instance_yaml)
    assert result.success, _errors(result)


@pytest.mark.parametrize("section", CLASS_SECTIONS)
def test_each_class_section_validates_against_its_class_config_schema(instance_yaml, section):
    cls = _config_class(instance_yaml[section])
    result = validate_config(cls.config_type(), instance_yaml[section]["config"])
    assert result.success, _errors(result)


def test_run_launcher_is_dagster_k8s_with_namespace_account_and_secrets(instance_yaml):
    from dagster_k8s import K8sRunLauncher

    launcher = instance_yaml["run_launcher"]
    assert _config_class(launcher) is K8sRunLauncher
    config = launcher["config"]
    assert config["job_namespace"] and config["service_account_name"]
    assert config["image_pull_policy"] in {"Always", "IfNotPresent", "Never"}
    assert config["env_secrets"] and config["env_config_maps"]
    assert config["run_k8s_config"]["container_config"]["resources"]["limits"]["memory"]


def test_postgres_storage_validates_against_dagster_postgres(instance_yaml):
    result = validate_config(DagsterPostgresStorage.config_type(), instance_yaml["storage"]["postgres"])
    assert result.success, _errors(result)
    # the password comes from the environment, never from the file
    assert instance_yaml["storage"]["postgres"]["postgres_db"]["password"] == {"env": "DAGSTER_PG_PASSWORD"}


def test_coordinator_limits_concurrency_by_tag(instance_yaml):
    limits = instance_yaml["run_coordinator"]["config"]["tag_concurrency_limits"]
    assert {"key": "dagster/sensor_name", "value": {"applyLimitPerUniqueValue": True}, "limit": 1} in limits


@pytest.mark.parametrize(
    ("section", "mutate"),
    [
        ("run_launcher", lambda c: c.__setitem__("job_namspace", c.pop("job_namespace"))),
        ("run_launcher", lambda c: c.__setitem__("image_pull_policy", ["IfNotPresent"])),
        ("run_coordinator", lambda c: c.__setitem__("max_concurent_runs", c.pop("max_concurrent_runs"))),
        ("compute_logs", lambda c: c.pop("bucket")),
    ],
    ids=["misspelled-key", "wrong-type", "misspelled-coordinator-key", "missing-required-bucket"],
)
def test_a_broken_section_fails_validation(instance_yaml, section, mutate):
    config = copy.deepcopy(instance_yaml[section]["config"])
    mutate(config)
    result = validate_config(_config_class(instance_yaml[section]).config_type(), config)
    assert not result.success


def test_misspelled_storage_key_fails_validation(instance_yaml):
    storage = copy.deepcopy(instance_yaml["storage"]["postgres"])
    storage["postgres_db"]["hostnme"] = storage["postgres_db"].pop("hostname")
    assert not validate_config(DagsterPostgresStorage.config_type(), storage).success


def test_workspace_lists_grpc_code_servers():
    workspace = yaml.safe_load((DEPLOY / "workspace.yaml").read_text())
    result = validate_config(WORKSPACE_CONFIG_SCHEMA, workspace)
    assert result.success, _errors(result)
    process_workspace_config(workspace)  # raises on an invalid shape, as `dagster-webserver -w` would
    servers = [entry["grpc_server"] for entry in workspace["load_from"]]
    assert servers and all({"host", "port", "location_name"} <= set(s) for s in servers)
    assert "sponsor_pipeline" in {s["location_name"] for s in servers}


def test_workspace_with_a_misspelled_key_fails():
    broken = {"load_from": [{"grpc_server": {"hots": "code", "port": 4000, "location_name": "x"}}]}
    assert not validate_config(WORKSPACE_CONFIG_SCHEMA, broken).success


def test_k8s_executor_is_set_on_the_definitions_only_when_asked(monkeypatch):
    from dagster_k8s import k8s_job_executor

    monkeypatch.setenv("SPONSOR_EXECUTOR", "k8s")
    defs = build_definitions()
    assert defs.executor is k8s_job_executor
    assert defs.resolve_job_def(ALL_ASSETS_JOB).executor_def is k8s_job_executor

    monkeypatch.delenv("SPONSOR_EXECUTOR")
    defs = build_definitions()
    assert defs.executor is dg.in_process_executor  # local runs: no process start-up per step
    assert defs.resolve_job_def(ALL_ASSETS_JOB).executor_def is dg.in_process_executor


def test_unknown_executor_name_is_an_error(monkeypatch):
    monkeypatch.setenv("SPONSOR_EXECUTOR", "kubernetes")
    with pytest.raises(ValueError, match="SPONSOR_EXECUTOR='kubernetes'"):
        build_definitions()


def test_in_process_and_multiprocess_executors_are_chosen_by_name(monkeypatch):
    monkeypatch.setenv("SPONSOR_EXECUTOR", "in_process")
    assert build_definitions().resolve_job_def(ALL_ASSETS_JOB).executor_def is dg.in_process_executor
    assert executor_named("multiprocess") is dg.multiprocess_executor
    monkeypatch.setenv("SPONSOR_EXECUTOR", "multiprocess")
    assert build_definitions().resolve_job_def(ALL_ASSETS_JOB).executor_def is dg.multiprocess_executor
    assert executor_named("") is dg.in_process_executor
