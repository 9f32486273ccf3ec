-- 0008_tenant_logins: one database login per tenant, its tenant resolved from the authenticated
-- role, never from a setting the session can change. Idempotent.
-- depends: 0007_dashboards
--
-- * tenant_roles maps a login role to exactly one tenant; `sponsor-pipeline tenant grant|revoke`
--   writes it (and creates / drops the role). Only the owner reads it.
-- * Tenant logins are members of the NOLOGIN group sponsor_tenant_login WITH INHERIT TRUE, SET FALSE
--   and of nothing else: they hold the group's privileges but cannot SET ROLE to it or to anyone.
-- * login_tenant_id() is the tenant of session_user. session_user is the role that authenticated:
--   SET ROLE does not change it, and SET SESSION AUTHORIZATION is refused unless the authenticated
--   role is a superuser. app.tenant_id / set_config() play no part for a tenant login.
-- * Policy tenant_login_isolation (TO sponsor_tenant_login): rows whose tenant_id is the login's.
--   Policy tenant_login_scope (RESTRICTIVE, TO PUBLIC): whatever role a tenant login's session acts
--   as (were it ever granted sponsor_tenant by mistake), rows stay bounded by its own tenant. Other
--   sessions (the pipeline, the trusted backend) are not affected by it.
-- * Least privilege: SELECT on every tenant table; INSERT/UPDATE/DELETE only on the tenant's own
--   deal and reference inputs. The pipeline's bookkeeping (events, etl_imports, quarantined_rows,
--   change_log) and everything the pipeline computes (listener_metrics, matches, io_delivery,
--   dashboards, ops_alerts, io_documents) is read-only; no sequence is usable; no CREATE on public.
-- * The trusted-backend path stays: a pooled login granted sponsor_tenant, `SET LOCAL
--   app.tenant_id` per transaction (tenant_isolation policies of 0001-0007). Tenant logins are
--   never members of sponsor_tenant.
-- * The change-capture trigger functions of 0005 run as their owner (SECURITY DEFINER), so a
--   tenant login's IO or deal change is still logged although it cannot write change_log.

CREATE TABLE IF NOT EXISTS tenant_roles (
    role_name   text PRIMARY KEY,
    tenant_id   text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    granted_at  timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE tenant_roles ENABLE ROW LEVEL SECURITY;  -- no policy: nobody but the owner reads it
REVOKE ALL ON tenant_roles FROM PUBLIC;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sponsor_tenant_login') THEN
        CREATE ROLE sponsor_tenant_login NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
END
$$;

-- The tenant of the session's authenticated role (NULL: not a tenant login).
CREATE OR REPLACE FUNCTION login_tenant_id() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path FROM CURRENT
AS $$
    SELECT tenant_id FROM tenant_roles WHERE role_name = session_user::text
$$;

-- True when the session authenticated as a tenant login (mapped, or a member of the group).
CREATE OR REPLACE FUNCTION is_tenant_login() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path FROM CURRENT
AS $$
    SELECT EXISTS (SELECT 1 FROM tenant_roles WHERE role_name = session_user::text)
        OR EXISTS (SELECT 1 FROM pg_auth_members m
                   JOIN pg_roles g ON g.oid = m.roleid
                   JOIN pg_roles u ON u.oid = m.member
                   WHERE g.rolname = 'sponsor_tenant_login' AND u.rolname = session_user)
$$;

-- Policies and grants on every tenant table, and the tenant_metrics_daily view. A function, because
-- sql/partitioning recreates listener_metrics and the view and calls it again afterwards.
-- The two tenant-login policies and the login's grants on one table: read-only unless
-- login_may_write. tenant_login_policies() applies it to the tables of 0001-0007;
-- secure_tenant_table() to a table a later migration adds.
CREATE OR REPLACE FUNCTION tenant_login_table(t text, login_may_write boolean) RETURNS void
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
BEGIN
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('DROP POLICY IF EXISTS tenant_login_isolation ON %I', t);
    EXECUTE format(
        'CREATE POLICY tenant_login_isolation ON %I TO sponsor_tenant_login '
        'USING (tenant_id = (SELECT login_tenant_id())) '
        'WITH CHECK (tenant_id = (SELECT login_tenant_id()))', t);
    EXECUTE format('DROP POLICY IF EXISTS tenant_login_scope ON %I', t);
    EXECUTE format(
        'CREATE POLICY tenant_login_scope ON %I AS RESTRICTIVE TO PUBLIC '
        'USING (NOT (SELECT is_tenant_login()) OR tenant_id = (SELECT login_tenant_id())) '
        'WITH CHECK (NOT (SELECT is_tenant_login()) OR tenant_id = (SELECT login_tenant_id()))', t);
    EXECUTE format('REVOKE ALL ON %I FROM sponsor_tenant_login', t);
    IF login_may_write THEN
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO sponsor_tenant_login', t);
    ELSE
        EXECUTE format('GRANT SELECT ON %I TO sponsor_tenant_login', t);
    END IF;
END
$fn$;
REVOKE ALL ON FUNCTION tenant_login_table(text, boolean) FROM PUBLIC;

-- Row-level security of a business table added after 0008, as every tenant table has it:
-- tenant_isolation for the trusted backend (sponsor_tenant with SET LOCAL app.tenant_id) and the
-- tenant-login policies; tenant logins read it, the pipeline writes it.
CREATE OR REPLACE FUNCTION secure_tenant_table(t text) RETURNS void
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
BEGIN
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %I', t);
    EXECUTE format(
        'CREATE POLICY tenant_isolation ON %I TO sponsor_tenant '
        'USING (tenant_id = current_setting(''app.tenant_id'', true)) '
        'WITH CHECK (tenant_id = current_setting(''app.tenant_id'', true))', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO sponsor_tenant', t);
    PERFORM tenant_login_table(t, false);
END
$fn$;
REVOKE ALL ON FUNCTION secure_tenant_table(text) FROM PUBLIC;

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
$fn$;
REVOKE ALL ON FUNCTION tenant_login_policies() FROM PUBLIC;
DO $$ BEGIN PERFORM tenant_login_policies(); END $$;

-- Schema public: usage only (PostgreSQL 15+ no longer grants CREATE to PUBLIC; older servers did).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO sponsor_tenant_login;

-- Change capture writes change_log as the owner, whoever changed the IO or the deal.
ALTER FUNCTION change_log_io_booking_status() SECURITY DEFINER SET search_path FROM CURRENT;
ALTER FUNCTION change_log_campaign_stage() SECURITY DEFINER SET search_path FROM CURRENT;
