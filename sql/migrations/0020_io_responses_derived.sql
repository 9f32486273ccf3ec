-- 0020_io_responses_derived: io_responses is computed by the pipeline (the io_responses asset, from
-- the promo-code redemptions and vanity-URL visits attributed to each IO), no longer a tenant's input:
-- a tenant login reads it and can no longer write it. tenant_login_policies() is redefined without it
-- in its editable list, because sql/partitioning calls that function again. Idempotent.
-- depends: 0018_audience_marginals_and_size

CREATE OR REPLACE FUNCTION tenant_login_policies() RETURNS void
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
    t text;
    -- the tenant's own deal and reference inputs; every other table is read-only (io_responses is
    -- derived from the attributed redemptions and visits since 0020)
    editable text[] := ARRAY['shows', 'episodes', 'advertisers', 'campaigns', 'ad_units', 'io_bookings',
                             'audience_profiles', 'show_topics', 'show_brand_safety',
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
$fn$;
REVOKE ALL ON FUNCTION tenant_login_policies() FROM PUBLIC;
DO $$ BEGIN PERFORM tenant_login_table('io_responses', false); END $$;
COMMENT ON TABLE io_responses IS 'Promo-code redemptions and vanity-URL visits per IO and day, derived from the attributed response exports (io_responses asset); read-only for tenant logins.';
