-- Rollback of 0020_io_responses_derived: tenant logins may write io_responses again (0008's
-- tenant_login_policies()). Idempotent: does nothing once 0008's functions or the table are gone.
DO $do$
BEGIN
    IF to_regprocedure('tenant_login_policies()') IS NOT NULL THEN
        EXECUTE $ddl$
CREATE OR REPLACE FUNCTION tenant_login_policies() RETURNS void
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
    t text;
    -- the tenant's own deal and reference inputs; every other table is read-only
    editable text[] := ARRAY['shows', 'episodes', 'advertisers', 'campaigns', 'ad_units', 'io_bookings',
                             'io_responses', 'audience_profiles', 'show_topics', 'show_brand_safety',
                             'campaign_brand_safety', 'campaign_targets'];
BEGIN
    FOREACH t IN ARRAY ARRAY['tenants', 'shows', 'episodes', 'advertisers', 'campaigns', 'ad_units',
                             'io_bookings', 'listener_metrics', 'matches', 'events', 'etl_imports',
                             'quarantined_rows', 'audience_profiles', 'io_delivery', 'io_responses',
                             'change_log', 'show_topics', 'show_brand_safety', 'campaign_brand_safety',
                             'campaign_targets', 'creator_dashboard', 'creator_source_split',
                             'advertiser_dashboard', 'advertiser_recommendations', 'ops_alerts',
                             'io_documents']
    LOOP
        PERFORM tenant_login_table(t, t = ANY (editable));
    END LOOP;

    -- metrics_daily (a materialized view, no row-level security) is read through this view: a
    -- tenant login sees its own tenant whatever it SETs; the trusted backend keeps app.tenant_id.
    CREATE OR REPLACE VIEW tenant_metrics_daily WITH (security_barrier) AS
    SELECT * FROM metrics_daily
    WHERE tenant_id = CASE WHEN (SELECT is_tenant_login()) THEN (SELECT login_tenant_id())
                           ELSE current_setting('app.tenant_id', true) END;
    GRANT SELECT ON tenant_metrics_daily TO sponsor_tenant, sponsor_tenant_login;
END
$fn$
        $ddl$;
        REVOKE ALL ON FUNCTION tenant_login_policies() FROM PUBLIC;
    END IF;
    IF to_regprocedure('tenant_login_table(text, boolean)') IS NOT NULL AND to_regclass('io_responses') IS NOT NULL THEN
        PERFORM tenant_login_table('io_responses', true);
    END IF;
END
$do$;
