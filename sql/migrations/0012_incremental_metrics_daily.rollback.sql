-- Rollback of 0012_incremental_metrics_daily: metrics_daily is the materialized view of 0001 again
-- (populated from listener_metrics), read by tenants through tenant_metrics_daily as in 0008; the
-- capture triggers, the pending days, the history of superseded values and the as-reported
-- functions go. Idempotent.

DROP FUNCTION IF EXISTS metrics_as_reported(date);
DROP FUNCTION IF EXISTS metrics_as_reported_at(timestamptz);
DO $$
BEGIN
    IF to_regclass('listener_metrics') IS NOT NULL THEN
        DROP TRIGGER IF EXISTS trg_listener_metrics_reported_at ON listener_metrics;
        DROP TRIGGER IF EXISTS trg_listener_metrics_capture_insert ON listener_metrics;
        DROP TRIGGER IF EXISTS trg_listener_metrics_capture_update ON listener_metrics;
        DROP TRIGGER IF EXISTS trg_listener_metrics_capture_delete ON listener_metrics;
        DROP TRIGGER IF EXISTS trg_listener_metrics_capture_truncate ON listener_metrics;
    END IF;
END
$$;
DROP FUNCTION IF EXISTS listener_metrics_capture_triggers();
DROP FUNCTION IF EXISTS listener_metrics_capture();
DROP FUNCTION IF EXISTS listener_metrics_stamp_reported_at();
DROP TABLE IF EXISTS listener_metrics_history;
DROP TABLE IF EXISTS metrics_daily_pending;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'metrics_daily') THEN
        DROP VIEW IF EXISTS tenant_metrics_daily;
        DROP TABLE metrics_daily;
        -- metrics_daily exactly as in 0001_core_schema
        CREATE MATERIALIZED VIEW metrics_daily AS
        SELECT tenant_id,
               day,
               show_id,
               episode_id,
               source,
               sum(downloads)::bigint       AS downloads,
               sum(listeners)::bigint       AS listeners,
               sum(listen_seconds)::bigint  AS listen_seconds
        FROM listener_metrics
        GROUP BY tenant_id, day, show_id, episode_id, source
        WITH DATA;
        CREATE UNIQUE INDEX ux_metrics_daily_day_ep_source ON metrics_daily (tenant_id, day, episode_id, source);
        CREATE INDEX ix_metrics_daily_show_day ON metrics_daily (tenant_id, show_id, day);
        IF to_regprocedure('tenant_login_policies()') IS NOT NULL THEN
            PERFORM tenant_login_policies();
        ELSE
            CREATE VIEW tenant_metrics_daily WITH (security_barrier) AS
            SELECT * FROM metrics_daily WHERE tenant_id = current_setting('app.tenant_id', true);
            GRANT SELECT ON tenant_metrics_daily TO sponsor_tenant;
        END IF;
    END IF;
END
$$;
