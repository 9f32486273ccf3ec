-- Rollback of 0008_tenant_logins: tenant logins, their policies and grants go; tenant_metrics_daily
-- and the change-capture functions are as in 0001 and 0005 again. The login roles of tenant_roles
-- and the group sponsor_tenant_login are dropped, unless another database still grants them
-- privileges (then kept, with a notice). Idempotent.

DO $$
DECLARE
    t text;
    r text;
BEGIN
    FOREACH t IN ARRAY ARRAY['tenants', 'shows', 'episodes', 'advertisers', 'campaigns', 'ad_units',
                             'io_bookings', 'listener_metrics', 'matches', 'events', 'etl_imports',
                             'quarantined_rows', 'audience_profiles', 'io_delivery', 'io_responses',
                             'change_log', 'show_topics', 'show_brand_safety', 'campaign_brand_safety',
                             'campaign_targets', 'creator_dashboard', 'creator_source_split',
                             'advertiser_dashboard', 'advertiser_recommendations', 'ops_alerts',
                             'io_documents']
    LOOP
        IF to_regclass(t) IS NULL THEN
            CONTINUE;
        END IF;
        EXECUTE format('DROP POLICY IF EXISTS tenant_login_isolation ON %I', t);
        EXECUTE format('DROP POLICY IF EXISTS tenant_login_scope ON %I', t);
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sponsor_tenant_login') THEN
            EXECUTE format('REVOKE ALL ON %I FROM sponsor_tenant_login', t);
        END IF;
    END LOOP;

    IF to_regclass('tenant_roles') IS NOT NULL THEN
        FOR r IN SELECT role_name FROM tenant_roles LOOP
            BEGIN
                IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
                    EXECUTE format('DROP ROLE %I', r);
                END IF;
            EXCEPTION WHEN dependent_objects_still_exist THEN
                RAISE NOTICE 'tenant login % kept: other databases still grant it privileges', r;
            END;
        END LOOP;
    END IF;
END
$$;

DO $$
BEGIN
    IF to_regclass('metrics_daily') IS NOT NULL THEN
        DROP VIEW IF EXISTS tenant_metrics_daily;
        CREATE VIEW tenant_metrics_daily WITH (security_barrier) AS
        SELECT * FROM metrics_daily WHERE tenant_id = current_setting('app.tenant_id', true);
        GRANT SELECT ON tenant_metrics_daily TO sponsor_tenant;
    END IF;
    IF to_regprocedure('change_log_io_booking_status()') IS NOT NULL THEN
        ALTER FUNCTION change_log_io_booking_status() SECURITY INVOKER RESET search_path;
    END IF;
    IF to_regprocedure('change_log_campaign_stage()') IS NOT NULL THEN
        ALTER FUNCTION change_log_campaign_stage() SECURITY INVOKER RESET search_path;
    END IF;
END
$$;

DROP FUNCTION IF EXISTS tenant_login_policies();
DROP FUNCTION IF EXISTS secure_tenant_table(text);
DROP FUNCTION IF EXISTS tenant_login_table(text, boolean);
DROP FUNCTION IF EXISTS is_tenant_login();
DROP FUNCTION IF EXISTS login_tenant_id();
DROP TABLE IF EXISTS tenant_roles;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sponsor_tenant_login') THEN
        EXECUTE 'REVOKE ALL ON SCHEMA public FROM sponsor_tenant_login';
        BEGIN
            DROP ROLE sponsor_tenant_login;
        EXCEPTION WHEN dependent_objects_still_exist THEN
            RAISE NOTICE 'role sponsor_tenant_login kept: other databases still grant it privileges';
        END;
    END IF;
END
$$;
