-- 0001_partition_listener_metrics: listener_metrics becomes a table range-partitioned by month on
-- `day`, converted in place with every row kept. Opt-in: applied after sql/migrations only when
-- SPONSOR_PARTITION_LISTENER_METRICS=true (or `sponsor-pipeline db migrate --partitioned`).
--
-- * Partitions are listener_metrics_yYYYYmMM, one per calendar month, [first day, first day of the
--   next month), from the first month holding data (or the current month) to 12 months ahead, plus
--   the DEFAULT partition listener_metrics_default for any day outside them.
-- * ensure_listener_metrics_partitions(from_day, to_day) creates the missing monthly partitions of a
--   range (idempotent) and moves rows of those months out of the DEFAULT partition. Call it ahead of
--   time, e.g. monthly: SELECT * FROM ensure_listener_metrics_partitions(current_date, (current_date
--   + interval '12 months')::date);
-- * Kept as they were: columns, defaults, NOT NULL and CHECK constraints (copied from the plain
--   table with LIKE, names included), the unique constraint ux_listener_metrics_key (it includes the
--   partition key `day`, so it holds across partitions), row-level security with the
--   tenant_isolation policy and the grants to sponsor_tenant. Queries go through the parent; the
--   tenant role has no grant on the partitions themselves.
-- * metrics_daily as the materialized view of 0001_core_schema (its indexes and tenant_metrics_daily)
--   depends on listener_metrics: it is dropped and recreated exactly as in 0001_core_schema. The
--   metrics_daily table of 0012 does not depend on it and is kept; the capture triggers of 0012 are
--   recreated on the partitioned parent.
-- Idempotent: the conversion runs only while listener_metrics is a plain table.

-- Creates the monthly partitions of [from_day, to_day] that do not exist yet; returns one row per
-- partition created with the rows moved into it from the DEFAULT partition. When the DEFAULT
-- partition holds rows of a month being created, it is detached, the month's partition created, the
-- rows moved, and the DEFAULT partition attached again (PostgreSQL refuses to create a partition
-- whose range has rows in the DEFAULT partition). Takes an ACCESS EXCLUSIVE lock on listener_metrics
-- only in that case; otherwise creating a partition scans the DEFAULT partition once.
CREATE OR REPLACE FUNCTION ensure_listener_metrics_partitions(from_day date, to_day date)
RETURNS TABLE (partition_name text, rows_moved bigint)
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
    month_start date;
    month_end   date;
    part        text;
    has_default boolean;
    moving      boolean;
BEGIN
    IF from_day IS NULL OR to_day IS NULL OR from_day > to_day THEN
        RAISE EXCEPTION 'ensure_listener_metrics_partitions: need from_day <= to_day (got % .. %)',
            from_day, to_day USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_partitioned_table pt
                   WHERE pt.partrelid = to_regclass('listener_metrics')) THEN
        RAISE EXCEPTION 'ensure_listener_metrics_partitions: listener_metrics is not partitioned'
            USING ERRCODE = 'wrong_object_type';
    END IF;
    has_default := to_regclass('listener_metrics_default') IS NOT NULL
        AND EXISTS (SELECT 1 FROM pg_inherits i
                    WHERE i.inhrelid = to_regclass('listener_metrics_default')
                      AND i.inhparent = to_regclass('listener_metrics'));
    month_start := date_trunc('month', from_day)::date;
    WHILE month_start <= to_day LOOP
        month_end := (month_start + interval '1 month')::date;
        part := format('listener_metrics_y%sm%s', to_char(month_start, 'YYYY'), to_char(month_start, 'MM'));
        IF to_regclass(part) IS NULL THEN
            moving := false;
            IF has_default THEN
                moving := EXISTS (SELECT 1 FROM listener_metrics_default d
                                  WHERE d.day >= month_start AND d.day < month_end);
            END IF;
            IF moving THEN
                ALTER TABLE listener_metrics DETACH PARTITION listener_metrics_default;
            END IF;
            EXECUTE format('CREATE TABLE %I PARTITION OF listener_metrics FOR VALUES FROM (%L) TO (%L)',
                           part, month_start, month_end);
            partition_name := part;
            rows_moved := 0;
            IF moving THEN
                WITH moved AS (
                    DELETE FROM listener_metrics_default d
                    WHERE d.day >= month_start AND d.day < month_end
                    RETURNING d.*
                )
                INSERT INTO listener_metrics SELECT * FROM moved;
                GET DIAGNOSTICS rows_moved = ROW_COUNT;
                ALTER TABLE listener_metrics ATTACH PARTITION listener_metrics_default DEFAULT;
            END IF;
            RETURN NEXT;
        END IF;
        month_start := month_end;
    END LOOP;
END
$fn$;
REVOKE ALL ON FUNCTION ensure_listener_metrics_partitions(date, date) FROM PUBLIC;

DO $$
DECLARE
    first_day date;
BEGIN
    IF (SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass('listener_metrics')) IS DISTINCT FROM 'r' THEN
        RETURN;  -- already partitioned
    END IF;
    LOCK TABLE listener_metrics IN ACCESS EXCLUSIVE MODE;

    -- The materialized view of 0001 depends on listener_metrics; the table of 0012 does not.
    IF EXISTS (SELECT 1 FROM pg_matviews WHERE schemaname = current_schema() AND matviewname = 'metrics_daily') THEN
        DROP VIEW IF EXISTS tenant_metrics_daily;
        DROP MATERIALIZED VIEW metrics_daily;
    END IF;

    ALTER TABLE listener_metrics RENAME TO listener_metrics_plain;
    ALTER TABLE listener_metrics_plain RENAME CONSTRAINT ux_listener_metrics_key TO ux_listener_metrics_plain_key;

    -- Same columns, defaults, NOT NULL and CHECK constraints (with their names) as the plain table.
    CREATE TABLE listener_metrics (LIKE listener_metrics_plain INCLUDING ALL EXCLUDING INDEXES)
        PARTITION BY RANGE (day);
    ALTER TABLE listener_metrics ADD CONSTRAINT ux_listener_metrics_key
        UNIQUE NULLS NOT DISTINCT (tenant_id, day, show_id, episode_id, source);
    CREATE TABLE listener_metrics_default PARTITION OF listener_metrics DEFAULT;

    SELECT min(day) INTO first_day FROM listener_metrics_plain;
    PERFORM ensure_listener_metrics_partitions(
        least(coalesce(first_day, current_date), current_date),
        (date_trunc('month', current_date) + interval '12 months')::date);

    INSERT INTO listener_metrics SELECT * FROM listener_metrics_plain;
    DROP TABLE listener_metrics_plain;
END
$$;

-- Keep the partitions ahead of the calendar also when the conversion ran earlier.
DO $$
BEGIN
    PERFORM ensure_listener_metrics_partitions(
        current_date, (date_trunc('month', current_date) + interval '12 months')::date);
END
$$;

-- Row-level security and grants on the parent, as in 0001_core_schema.
ALTER TABLE listener_metrics ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON listener_metrics;
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
