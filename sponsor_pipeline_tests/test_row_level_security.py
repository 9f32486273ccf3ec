"""Row-level security: the tenant-facing role sees and writes only its own tenant's rows."""

import dagster as dg
import pandas as pd
import psycopg
import pytest

from sponsor_pipeline.defs.dashboards.assets import advertiser_dashboard, creator_dashboard, ops_dashboard
from sponsor_pipeline.defs.deals_io.campaign_reports import campaign_reports
from sponsor_pipeline.defs.deals_io.io_documents import io_documents
from sponsor_pipeline.defs.deals_io.verification import io_verification_flags
from sponsor_pipeline.resources.settings import settings_from_env
from sponsor_pipeline.warehouse import imports
from sponsor_pipeline.warehouse.metrics import refresh_metrics_daily
from sponsor_pipeline.warehouse.targets import LISTENER_METRICS

from .conftest import BUSINESS_TABLES, SAMPLES

TENANT_A, TENANT_B = "northwind-audio", "harbor-pods"


@pytest.fixture
def loaded(reference, tmp_path, postgres):
    return load_two_tenants(reference, postgres, tmp_path)


def load_two_tenants(reference: psycopg.Connection, postgres, tmp_path) -> psycopg.Connection:
    """Rows of both tenants in every business table (reference data loaded into ``reference``)."""
    # single-tenant files give etl_imports rows of each tenant (multi-tenant files have tenant NULL)
    frame = pd.read_csv(SAMPLES / "metrics_daily.csv", dtype=str)
    for tenant in (TENANT_A, TENANT_B):
        path = tmp_path / f"{tenant}.csv"
        rows = frame[frame.tenant_id == tenant].head(5).assign(source="acast")
        rows.to_csv(path, index=False)
        imports.import_csv(reference, path, LISTENER_METRICS)
    imports.import_csv(reference, SAMPLES / "metrics_bad_rows.csv", LISTENER_METRICS)
    imports.import_csv(reference, SAMPLES / "metrics_daily.csv", LISTENER_METRICS)
    reference.execute(
        "INSERT INTO matches (tenant_id, show_id, campaign_id, score) "
        "SELECT s.tenant_id, s.show_id, c.campaign_id, 50 FROM shows s JOIN campaigns c USING (tenant_id)"
    )
    reference.execute(
        "INSERT INTO audience_profiles (tenant_id, show_id, source, dimension, bucket, share, as_of) "
        "SELECT tenant_id, show_id, 'survey', 'country', 'US', 0.6, '2026-11-15' FROM shows"
    )
    reference.execute(
        "INSERT INTO io_delivery (tenant_id, io_id, campaign_id, show_id, status, flight_start, flight_end, "
        "as_of, booked_impressions, delivered_impressions, percent_delivered, expected_to_date, "
        "projected_delivery, cpm) SELECT tenant_id, io_id, campaign_id, show_id, status, flight_start, "
        "flight_end, '2026-11-15', booked_impressions, 0, 0, 0, 0, cpm FROM io_bookings"
    )
    reference.execute(
        "INSERT INTO io_responses (tenant_id, io_id, day, promo_redemptions) "
        "SELECT tenant_id, io_id, flight_start, 3 FROM io_bookings ON CONFLICT DO NOTHING"  # samples have some
    )
    reference.execute(
        "INSERT INTO change_log (tenant_id, entity_type, entity_id, to_value) "
        "SELECT tenant_id, 'campaign', campaign_id, stage FROM campaigns"
    )
    # 0011_platform_identity: a hand-made pair per episode
    reference.execute(
        "INSERT INTO platform_episode_map (tenant_id, provider, platform_show_key, platform_episode_key, "
        "show_id, episode_id, matched_by) SELECT tenant_id, 'spotify', show_id, 'sp-' || episode_id, show_id, "
        "episode_id, 'manual' FROM episodes"
    )
    # 0015_performance_windows: an exported 7-day window per episode (episode_performance: the dashboard)
    reference.execute(
        "INSERT INTO episode_download_windows (tenant_id, show_id, episode_id, source, window_days, as_of, "
        "downloads) SELECT tenant_id, show_id, episode_id, 'podlove', 7, published_at + 30, 10 FROM episodes"
    )
    # 0018_audience_marginals_and_size: a follower count per show
    reference.execute(
        "INSERT INTO show_audience_size (tenant_id, show_id, source, metric, day, value) "
        "SELECT tenant_id, show_id, 'spotify', 'followers', '2026-11-15', 100 FROM shows"
    )
    reference.commit()
    refresh_metrics_daily(reference)
    # 0007_dashboards: the dashboard tables and the IO documents register, filled by their assets;
    # 0016: the verification flags (completed IOs with nothing delivered are under-delivered);
    # 0017: the campaign reports register
    result = dg.materialize(
        [io_verification_flags, creator_dashboard, advertiser_dashboard, ops_dashboard, io_documents, campaign_reports],
        resources={"postgres": postgres, "settings": settings_from_env()},
        run_config={
            "ops": {
                "io_documents": {"config": {"output_dir": str(tmp_path / "io_documents")}},
                "campaign_reports": {"config": {"output_dir": str(tmp_path / "campaign_reports")}},
                **{
                    name: {"config": {"plots_dir": str(tmp_path / "plots")}}
                    for name in ("creator_dashboard", "advertiser_dashboard", "ops_dashboard")
                },
            }
        },
    )
    assert result.success
    return reference


def _as_tenant(conn: psycopg.Connection, tenant: str) -> None:
    conn.execute("SET ROLE sponsor_tenant")
    conn.execute("SELECT set_config('app.tenant_id', %s, false)", (tenant,))


def test_every_business_table_has_rows_of_both_tenants(loaded):
    for table in BUSINESS_TABLES:
        tenants = {r[0] for r in loaded.execute(f"SELECT DISTINCT tenant_id FROM {table}")}
        assert {TENANT_A, TENANT_B} <= tenants, table


def test_tenant_reads_no_row_of_another_tenant(loaded):
    _as_tenant(loaded, TENANT_A)
    for table in BUSINESS_TABLES:
        others = loaded.execute(
            f"SELECT count(*) FROM {table} WHERE tenant_id IS DISTINCT FROM %s", (TENANT_A,)
        ).fetchone()[0]
        own = loaded.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        assert others == 0, table
        assert own > 0, table
    view = loaded.execute("SELECT count(DISTINCT tenant_id), count(*) FROM tenant_metrics_daily").fetchone()
    assert view[0] == 1 and view[1] > 0


def test_tenant_role_cannot_read_the_materialized_view_directly(loaded):
    _as_tenant(loaded, TENANT_A)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        loaded.execute("SELECT count(*) FROM metrics_daily")


def test_tenant_cannot_insert_or_move_rows_to_another_tenant(loaded):
    _as_tenant(loaded, TENANT_A)
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        loaded.execute(
            "INSERT INTO listener_metrics (tenant_id, day, show_id, source, downloads) "
            "VALUES (%s, '2026-10-01', 'hp-cold-harbor', 'megaphone', 1)",
            (TENANT_B,),
        )
    loaded.rollback()
    _as_tenant(loaded, TENANT_A)
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        loaded.execute("UPDATE shows SET tenant_id = %s", (TENANT_B,))
    loaded.rollback()
    _as_tenant(loaded, TENANT_A)
    assert loaded.execute("UPDATE shows SET title = title WHERE tenant_id = %s", (TENANT_B,)).rowcount == 0
    assert loaded.execute("DELETE FROM events WHERE tenant_id = %s", (TENANT_B,)).rowcount == 0
    loaded.rollback()
