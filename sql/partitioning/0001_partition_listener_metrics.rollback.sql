-- Rollback of 0001_partition_listener_metrics: listener_metrics becomes a plain table again with
-- every row of every partition (the DEFAULT one included), the same columns, defaults, constraints,
-- row-level security and grants; metrics_daily and tenant_metrics_daily are recreated exactly as in
-- 0001_core_schema. Idempotent: does nothing to a listener_metrics that is not partitioned, or gone.

DROP FUNCTION IF EXISTS ensure_listener_metrics_partitions(date, date);

DO $$
BEGIN
    IF (SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass('listener_metrics')) IS DISTINCT FROM 'p' THEN
        RETURN;  -- plain already, or rolled back with the core schema
    END IF;
    LOCK TABLE listener_metrics IN ACCESS EXCLUSIVE MODE;

    -- The materialized view of 0001 depends on listener_metrics; the table of 0012 does not.
    IF EXISTS (SELECT 1 FROM pg_matviews WHERE schemaname = current_schema() AND matviewname = 'metrics_daily') THEN
        DROP VIEW IF EXISTS tenant_metrics_daily;
        DROP MATERIALIZED VIEW metrics_daily;
    END IF;

    ALTER TABLE listener_metrics RENAME TO listener_metrics_partitioned;
    ALTER TABLE listener_metrics_partitioned
        RENAME CONSTRAINT ux_listener_metrics_key TO ux_listener_metrics_partitioned_key;

    CREATE TABLE listener_metrics (LIKE listener_metrics_partitioned INCLUDING ALL EXCLUDING INDEXES);
    ALTER TABLE listener_metrics ADD CONSTRAINT ux_listener_metrics_key
        UNIQUE NULLS NOT DISTINCT (tenant_id, day, show_id, episode_id, source);
    INSERT INTO listener_metrics SELECT * FROM listener_metrics_partitioned;
    DROP TABLE listener_metrics_partitioned;  -- with its partitions

    -- Row-level security and grants, as in 0001_core_schema.
    ALTER TABLE listener_metrics ENABLE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON listener_metrics TO sponsor_tenant
        USING (tenant_id = current_setting('app.tenant_id', true))
        WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
    GRANT SELECT, INSERT, UPDATE, DELETE ON listener_metrics TO sponsor_tenant;

    -- metrics_daily and tenant_metrics_daily exactly as in 0001_core_schema.
    CREATE MATERIALIZED VIEW IF NOT EXISTS metrics_daily AS
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
    -- Required by REFRESH MATERIALIZED VIEW CONCURRENTLY. Show-level rows (episode_id NULL) stay distinct.
    CREATE UNIQUE INDEX IF NOT EXISTS ux_metrics_daily_day_ep_source
        ON metrics_daily (tenant_id, day, episode_id, source);
    CREATE INDEX IF NOT EXISTS ix_metrics_daily_show_day ON metrics_daily (tenant_id, show_id, day);

    -- Materialized views cannot carry row-level security: tenants read metrics_daily through this view.
    CREATE OR REPLACE VIEW tenant_metrics_daily WITH (security_barrier) AS
    SELECT * FROM metrics_daily WHERE tenant_id = current_setting('app.tenant_id', true);
    GRANT SELECT ON tenant_metrics_daily TO sponsor_tenant;
END
$$;

-- 0008_tenant_logins: listener_metrics and tenant_metrics_daily were recreated above; give them the
-- tenant-login policies and grants again.
DO $$
BEGIN
    IF to_regprocedure('tenant_login_policies()') IS NOT NULL THEN
        PERFORM tenant_login_policies();
    END IF;
END
$$;

-- 0012_incremental_metrics_daily: the capture triggers went with the recreated table; recreate them.
DO $$
BEGIN
    IF to_regprocedure('listener_metrics_capture_triggers()') IS NOT NULL THEN
        PERFORM listener_metrics_capture_triggers();
    END IF;
END
$$;
