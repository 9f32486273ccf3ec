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

-- Row-level security as on every tenant table (secure_tenant_table, 0008): tenant logins read, the
-- pipeline writes.
SELECT secure_tenant_table('promo_redemptions');
SELECT secure_tenant_table('vanity_visits');
SELECT secure_tenant_table('io_attribution');

-- Column descriptions (shown in the Dagster catalogue's column schema).
COMMENT ON COLUMN io_bookings.pacing_mode IS 'How the IO is meant to deliver over its flight: even, front_loaded, asap or daily_goal (pacing.py).';
COMMENT ON COLUMN io_bookings.daily_goal_impressions IS 'Impressions per day the IO aims at when pacing_mode is daily_goal.';
COMMENT ON COLUMN io_delivery.pacing_mode IS 'The pacing mode whose expected-to-date curve the pacing ratio and projection used.';
COMMENT ON COLUMN campaigns.attribution_window_days IS 'Days after the flight end that still count toward attribution (default 30 when NULL).';
COMMENT ON COLUMN promo_redemptions.tenant_id IS 'Network (tenant) the IO belongs to.';
COMMENT ON COLUMN promo_redemptions.source IS 'Export the redemption came from: shopify or generic.';
COMMENT ON COLUMN promo_redemptions.order_id IS 'The store''s order id (e.g. Shopify''s #1001); one conversion per order.';
COMMENT ON COLUMN promo_redemptions.code IS 'The promo code as the store recorded it.';
COMMENT ON COLUMN promo_redemptions.io_id IS 'The IO whose promo code it is (matched ignoring case and blanks).';
COMMENT ON COLUMN promo_redemptions.occurred_at IS 'When the order was placed (UTC).';
COMMENT ON COLUMN promo_redemptions.revenue IS 'Order total in currency.';
COMMENT ON COLUMN promo_redemptions.currency IS 'ISO 4217 currency of revenue.';
COMMENT ON COLUMN promo_redemptions.import_id IS 'etl_imports row that loaded the redemption.';
COMMENT ON COLUMN promo_redemptions.loaded_at IS 'When the row was loaded (UTC).';
COMMENT ON COLUMN vanity_visits.tenant_id IS 'Network (tenant) the IO belongs to.';
COMMENT ON COLUMN vanity_visits.source IS 'Analytics export the visits came from: plausible, ga4 or generic.';
COMMENT ON COLUMN vanity_visits.url IS 'Page or URL as the analytics export spelled it.';
COMMENT ON COLUMN vanity_visits.day IS 'Day of the visits (the analytics property''s day).';
COMMENT ON COLUMN vanity_visits.io_id IS 'The IO whose vanity URL it is.';
COMMENT ON COLUMN vanity_visits.visits IS 'Visits (sessions or visitors, as the export reports) to the vanity URL that day.';
COMMENT ON COLUMN vanity_visits.import_id IS 'etl_imports row that loaded the visits.';
COMMENT ON COLUMN vanity_visits.loaded_at IS 'When the row was loaded (UTC).';
COMMENT ON COLUMN io_attribution.tenant_id IS 'Network (tenant) of the IO.';
COMMENT ON COLUMN io_attribution.io_id IS 'The insertion order.';
COMMENT ON COLUMN io_attribution.campaign_id IS 'Campaign (deal) of the IO.';
COMMENT ON COLUMN io_attribution.window_start IS 'First day of the attribution window (flight start).';
COMMENT ON COLUMN io_attribution.window_end IS 'Last day of the attribution window (flight end + window_days).';
COMMENT ON COLUMN io_attribution.window_days IS 'Days after the flight end counted toward attribution.';
COMMENT ON COLUMN io_attribution.delivered_impressions IS 'Delivered impressions of the IO (io_delivery).';
COMMENT ON COLUMN io_attribution.spend IS 'Billable impressions × CPM / 1,000, in spend_currency.';
COMMENT ON COLUMN io_attribution.spend_currency IS 'ISO 4217 currency of spend and CPA.';
COMMENT ON COLUMN io_attribution.conversions IS 'Distinct orders with the IO''s promo code inside the window.';
COMMENT ON COLUMN io_attribution.revenue IS 'Revenue of those orders in revenue_currency (NULL when they came in several currencies).';
COMMENT ON COLUMN io_attribution.revenue_currency IS 'ISO 4217 currency of revenue.';
COMMENT ON COLUMN io_attribution.cpa IS 'Cost per acquisition: spend / conversions, in spend_currency.';
COMMENT ON COLUMN io_attribution.roas IS 'Return on ad spend: revenue / spend (only when both are in one currency).';
COMMENT ON COLUMN io_attribution.vanity_visits IS 'Visits to the IO''s vanity URL inside the window.';
COMMENT ON COLUMN io_attribution.responses_per_1000 IS '(conversions + vanity visits) per 1,000 delivered impressions.';
COMMENT ON COLUMN io_attribution.duplicate_orders IS 'Redemption rows left out because their order id was already counted.';
COMMENT ON COLUMN io_attribution.outside_window IS 'Redemptions and visit days left out for falling outside the window.';
COMMENT ON COLUMN io_attribution.computed_at IS 'When the row was computed (UTC).';
