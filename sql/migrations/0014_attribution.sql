-- 0014_attribution: what each IO earned the advertiser. Promo-code redemptions and vanity-URL visits
-- read from the advertiser's exports (Shopify orders, Plausible / GA4 pages, generic CSVs), each IO's
-- attribution window (campaign override) and pacing mode, and the io_attribution figures the
-- io_attribution asset writes. Idempotent.
-- depends: 0010_data_points

-- Pacing mode of each IO (sponsor_pipeline/pacing.py defines each expected-to-date curve). A daily
-- goal IO states its goal in impressions per flight day.
ALTER TABLE io_bookings ADD COLUMN IF NOT EXISTS pacing_mode text NOT NULL DEFAULT 'even';
ALTER TABLE io_bookings ADD COLUMN IF NOT EXISTS daily_goal_impressions bigint;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'ck_io_bookings_pacing_mode') THEN
        ALTER TABLE io_bookings ADD CONSTRAINT ck_io_bookings_pacing_mode CHECK (
            pacing_mode IN ('even', 'front_loaded', 'asap', 'daily_goal')
            AND (daily_goal_impressions IS NULL OR daily_goal_impressions > 0)
            AND (pacing_mode <> 'daily_goal' OR daily_goal_impressions IS NOT NULL));
    END IF;
END
$$;
ALTER TABLE io_delivery ADD COLUMN IF NOT EXISTS pacing_mode text NOT NULL DEFAULT 'even';

-- Days after flight end during which a response still counts for the campaign's IOs (NULL: the
-- default of sponsor_pipeline/vocabulary.py, 30).
ALTER TABLE campaigns ADD COLUMN IF NOT EXISTS attribution_window_days integer
    CHECK (attribution_window_days BETWEEN 0 AND 365);

-- The matching keys of codes and URLs: case and whitespace never matter; for URLs neither do the
-- scheme, a leading www., the query string, the fragment nor a trailing slash
-- (sponsor_pipeline/responses.py holds the same rules in Python).
CREATE OR REPLACE FUNCTION promo_code_key(code text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT nullif(upper(regexp_replace(code, '\s', '', 'g')), '') $$;

CREATE OR REPLACE FUNCTION vanity_url_key(url text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT nullif(rtrim(regexp_replace(regexp_replace(regexp_replace(
        lower(regexp_replace(url, '\s', '', 'g')),
        '^[a-z][a-z0-9+.-]*://', ''), '^www\.', ''), '[?#].*$', ''), '/'), '')
$$;

-- The path of a vanity URL key ('loamwell.com/tech-talk' -> '/tech-talk'): GA4 exports pages by
-- path only.
CREATE OR REPLACE FUNCTION vanity_path_key(url text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN vanity_url_key(url) IS NULL THEN NULL
                  WHEN position('/' IN vanity_url_key(url)) > 0
                  THEN substr(vanity_url_key(url), position('/' IN vanity_url_key(url))) ELSE '/' END $$;

-- One row per order that used an IO's promo code, as the store reported it. revenue: the order
-- total in currency (ISO 4217), discounts applied.
CREATE TABLE IF NOT EXISTS promo_redemptions (
    tenant_id    text NOT NULL REFERENCES tenants (tenant_id),
    source       text NOT NULL CHECK (source IN ('shopify', 'generic')),
    order_id     text NOT NULL,
    code         text NOT NULL,               -- as the source spelled it
    io_id        text NOT NULL,               -- the IO whose promo code it is
    occurred_at  timestamptz NOT NULL,
    revenue      numeric(14, 2) NOT NULL CHECK (revenue >= 0),
    currency     text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    import_id    bigint,
    loaded_at    timestamptz NOT NULL DEFAULT now(),
    -- order ids are per store (Shopify's #1001 in every store): the IO names the advertiser's store
    PRIMARY KEY (tenant_id, io_id, source, order_id),
    FOREIGN KEY (tenant_id, io_id) REFERENCES io_bookings (tenant_id, io_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS ix_promo_redemptions_io ON promo_redemptions (tenant_id, io_id, occurred_at);

-- Visits per day to an IO's vanity URL, as the web-analytics tool reported them.
CREATE TABLE IF NOT EXISTS vanity_visits (
    tenant_id  text NOT NULL REFERENCES tenants (tenant_id),
    source     text NOT NULL CHECK (source IN ('plausible', 'ga4', 'generic')),
    url        text NOT NULL,                 -- page or URL as the source spelled it
    day        date NOT NULL,
    io_id      text NOT NULL,
    visits     integer NOT NULL CHECK (visits >= 0),
    import_id  bigint,
    loaded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, source, url, day),
    FOREIGN KEY (tenant_id, io_id) REFERENCES io_bookings (tenant_id, io_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS ix_vanity_visits_io ON vanity_visits (tenant_id, io_id, day);

-- One row per IO, recomputed by the io_attribution asset (formulas: sponsor_pipeline/attribution.py).
CREATE TABLE IF NOT EXISTS io_attribution (
    tenant_id               text NOT NULL,
    io_id                   text NOT NULL,
    campaign_id             text NOT NULL,
    window_start            date NOT NULL,            -- flight start
    window_end              date NOT NULL,            -- flight end + window_days
    window_days             integer NOT NULL,
    delivered_impressions   bigint NOT NULL,
    spend                   numeric(14, 2) NOT NULL,  -- billable impressions × CPM / 1,000
    spend_currency          text NOT NULL,
    conversions             integer NOT NULL,         -- distinct orders inside the window
    revenue                 numeric(14, 2),           -- NULL when orders came in several currencies
    revenue_currency        text,
    cpa                     numeric(14, 2),           -- spend / conversions, in spend_currency
    roas                    numeric(12, 4),           -- revenue / spend (same currency only)
    vanity_visits           bigint NOT NULL,
    responses_per_1000      numeric(12, 4),           -- (conversions + visits) × 1,000 / delivered
    duplicate_orders        integer NOT NULL DEFAULT 0,
    outside_window          integer NOT NULL DEFAULT 0,  -- redemptions and visit days left out
    computed_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, io_id),
    FOREIGN KEY (tenant_id, io_id) REFERENCES io_bookings (tenant_id, io_id) ON DELETE CASCADE
);

-- Row-level security as on every tenant table: tenant_isolation for the trusted backend (0001-0007)
-- and the two tenant-login policies of 0008 (tenant_login_policies() covers the tables of 0001-0007;
-- the same statements are applied here). Tenant logins read these tables; the pipeline writes them.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['promo_redemptions', 'vanity_visits', 'io_attribution']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %I', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I TO sponsor_tenant '
            'USING (tenant_id = current_setting(''app.tenant_id'', true)) '
            'WITH CHECK (tenant_id = current_setting(''app.tenant_id'', true))', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO sponsor_tenant', t);
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
        EXECUTE format('GRANT SELECT ON %I TO sponsor_tenant_login', t);
    END LOOP;
END
$$;
