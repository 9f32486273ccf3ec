"""SPONSOR_ENV=production: a missing DATABASE_URL is a clear start-up error, never an embedded server."""

from __future__ import annotations

import dagster as dg
import pytest
from click.testing import CliRunner

from sponsor_pipeline import cli
from sponsor_pipeline.db import server
from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.settings import environment, is_production


@pytest.fixture
def production(monkeypatch, tmp_path):
    """Production mode, DATABASE_URL unset, a state folder of its own (to see nothing start there)."""
    monkeypatch.setenv("SPONSOR_ENV", "production")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SPONSOR_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


def test_the_switch_reads_sponsor_env(monkeypatch):
    monkeypatch.delenv("SPONSOR_ENV", raising=False)
    assert environment() == "development" and not is_production()
    monkeypatch.setenv("SPONSOR_ENV", " Production ")
    assert is_production()
    monkeypatch.setenv("SPONSOR_ENV", "prod")
    with pytest.raises(ValueError, match="SPONSOR_ENV='prod'"):
        environment()


def test_warehouse_url_refuses_to_start_an_embedded_server(production):
    with pytest.raises(server.DatabaseUrlRequired, match="SPONSOR_ENV=production but DATABASE_URL is not set"):
        server.warehouse_url()
    with pytest.raises(server.DatabaseUrlRequired):
        server.embedded_server_url(production / "pg")
    assert not (production / "pg").exists()


def test_the_postgres_resource_fails_at_set_up(production):
    resource = PostgresResource()
    with pytest.raises(server.DatabaseUrlRequired, match="DATABASE_URL"):
        resource.setup_for_execution(dg.build_init_resource_context())
    assert not (production / "pg").exists()


def test_an_asset_run_fails_with_the_error_instead_of_starting_a_server(production):
    @dg.asset
    def needs_the_warehouse(postgres: PostgresResource) -> None:
        with postgres.connect() as conn:
            conn.execute("SELECT 1")

    result = dg.materialize([needs_the_warehouse], resources={"postgres": PostgresResource()}, raise_on_error=False)
    assert not result.success
    assert "DATABASE_URL is not set" in str(result.all_events)
    assert not (production / "pg").exists()


def test_the_cli_exits_with_the_error(production):
    result = CliRunner().invoke(cli.main, ["db", "migrate"])
    assert result.exit_code == 1
    assert "Error: SPONSOR_ENV=production but DATABASE_URL is not set" in result.output
    assert not (production / "pg").exists()


def test_production_with_database_url_uses_it(production, monkeypatch, server_url):
    url = server_url.set(database="sponsor_pipeline_prod_check")
    monkeypatch.setenv("DATABASE_URL", url.render_as_string(hide_password=False))
    assert server.warehouse_url().database == "sponsor_pipeline_prod_check"
    assert PostgresResource()._url().database == "sponsor_pipeline_prod_check"
