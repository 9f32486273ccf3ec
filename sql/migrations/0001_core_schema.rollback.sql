-- Rollback of 0001_core_schema. Idempotent. The cluster-wide role sponsor_tenant is kept when
-- another database still holds privileges for it.
DROP VIEW IF EXISTS tenant_metrics_daily;
DROP MATERIALIZED VIEW IF EXISTS metrics_daily;
DROP TABLE IF EXISTS quarantined_rows;
DROP TABLE IF EXISTS etl_imports;
DROP TABLE IF EXISTS events;
DROP TABLE IF EXISTS matches;
DROP TABLE IF EXISTS listener_metrics;
DROP TABLE IF EXISTS io_bookings;
DROP TABLE IF EXISTS ad_units;
DROP TABLE IF EXISTS campaigns;
DROP TABLE IF EXISTS advertisers;
DROP TABLE IF EXISTS episodes;
DROP TABLE IF EXISTS shows;
DROP TABLE IF EXISTS tenants;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sponsor_tenant') THEN
        EXECUTE 'REVOKE ALL ON SCHEMA public FROM sponsor_tenant';
        BEGIN
            DROP ROLE sponsor_tenant;
        EXCEPTION WHEN dependent_objects_still_exist THEN
            RAISE NOTICE 'role sponsor_tenant kept: other databases still grant it privileges';
        END;
    END IF;
END
$$;
