-- 0007_dashboards: the creator, advertiser and ops dashboard aggregates (rewritten whole by their
-- assets on each materialization) and the IO documents register (one PDF insertion order per IO,
-- with the fingerprint of the IO row it was rendered from). Row-level security on each. Idempotent.
-- depends: 0003_delivery_and_change_log

-- Creator view, per show (episode_id NULL) and per episode. Downloads windows end at as_of
-- (inclusive): 7d = as_of-6 .. as_of, prev_7d = the 7 days before, likewise 30d; 90d has no trend.
-- Revenue is USD: impressions × CPM / 1000 over the IOs booked on the show (run-of-show IOs count on
-- the show row only); delivered revenue counts billable impressions (delivered, capped at booked).
CREATE TABLE IF NOT EXISTS creator_dashboard (
    tenant_id              text NOT NULL,
    show_id                text NOT NULL,
    episode_id             text,                  -- NULL: the show row
    as_of                  date NOT NULL,
    show_title             text NOT NULL,
    episode_title          text,
    published_at           date,
    downloads_7d           bigint NOT NULL DEFAULT 0,
    downloads_prev_7d      bigint NOT NULL DEFAULT 0,
    trend_7d_pct           numeric(12, 2),        -- (7d - prev 7d) / prev 7d × 100; NULL when prev = 0
    downloads_30d          bigint NOT NULL DEFAULT 0,
    downloads_prev_30d     bigint NOT NULL DEFAULT 0,
    trend_30d_pct          numeric(12, 2),
    downloads_90d          bigint NOT NULL DEFAULT 0,
    episode_rank           integer,               -- 1 = the show's top episode by 30-day downloads
    booked_impressions     bigint NOT NULL DEFAULT 0,
    delivered_impressions  bigint NOT NULL DEFAULT 0,
    booked_revenue         numeric(14, 2) NOT NULL DEFAULT 0,
    delivered_revenue      numeric(14, 2) NOT NULL DEFAULT 0,
    active_sponsors        integer NOT NULL DEFAULT 0,
    computed_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ux_creator_dashboard_key UNIQUE NULLS NOT DISTINCT (tenant_id, show_id, episode_id)
);

-- Downloads split by source per show over the 30 days ending at as_of.
CREATE TABLE IF NOT EXISTS creator_source_split (
    tenant_id      text NOT NULL,
    show_id        text NOT NULL,
    source         text NOT NULL,
    as_of          date NOT NULL,
    downloads_30d  bigint NOT NULL,
    share_pct      numeric(7, 2) NOT NULL CHECK (share_pct BETWEEN 0 AND 100),
    computed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, show_id, source)
);

-- Advertiser view, per campaign (io_id NULL: roll-up over the campaign's IOs) and per IO.
-- spend_to_date = billable impressions (delivered, capped at booked) × CPM / 1000, USD;
-- effective_cpm = spend_to_date / delivered × 1000 (below the booked CPM once an IO over-delivers).
CREATE TABLE IF NOT EXISTS advertiser_dashboard (
    tenant_id              text NOT NULL,
    campaign_id            text NOT NULL,
    io_id                  text,                  -- NULL: the campaign row
    as_of                  date NOT NULL,
    advertiser_id          text NOT NULL,
    advertiser_name        text NOT NULL,
    campaign_name          text NOT NULL,
    show_id                text,
    status                 text,
    flight_start           date,
    flight_end             date,
    booked_impressions     bigint NOT NULL DEFAULT 0,
    delivered_impressions  bigint NOT NULL DEFAULT 0,
    percent_delivered      numeric(12, 2),
    pacing_ratio           numeric(12, 4),        -- delivered / expected to date; NULL before the flight
    booked_cost            numeric(14, 2) NOT NULL DEFAULT 0,
    spend_to_date          numeric(14, 2) NOT NULL DEFAULT 0,
    effective_cpm          numeric(10, 2),        -- NULL until something is delivered
    computed_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ux_advertiser_dashboard_key UNIQUE NULLS NOT DISTINCT (tenant_id, campaign_id, io_id)
);

-- The top recommended shows per campaign, from matches (score 0..100, best first).
CREATE TABLE IF NOT EXISTS advertiser_recommendations (
    tenant_id       text NOT NULL,
    campaign_id     text NOT NULL,
    rank            integer NOT NULL CHECK (rank >= 1),
    show_id         text NOT NULL,
    show_title      text NOT NULL,
    score           numeric(5, 2) NOT NULL CHECK (score BETWEEN 0 AND 100),
    rationale       text NOT NULL DEFAULT '',
    already_booked  boolean NOT NULL DEFAULT false,   -- the campaign already has an IO on the show
    computed_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, campaign_id, rank)
);

-- Ops alerts: one row per open alert. tenant_id NULL: an import of a file carrying several tenants.
CREATE TABLE IF NOT EXISTS ops_alerts (
    alert_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    text,
    alert_type   text NOT NULL CHECK (alert_type IN (
                     'io_under_pacing', 'flight_ending', 'make_good_owed', 'missing_promo_code',
                     'missing_vanity_url', 'import_failed', 'import_quarantined', 'sensor_lag',
                     'stale_source')),
    severity     text NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
    entity_type  text NOT NULL,
    entity_id    text NOT NULL,
    metric       numeric(16, 4),        -- the figure behind the alert (pacing ratio, days, rows, seconds)
    detail       text NOT NULL,
    as_of        date NOT NULL,
    detected_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ux_ops_alerts_key UNIQUE NULLS NOT DISTINCT (tenant_id, alert_type, entity_id)
);

-- One PDF insertion order per IO; fingerprint = sha256 of the IO row (and the names it prints) it
-- was rendered from, so an unchanged IO is not rendered again.
CREATE TABLE IF NOT EXISTS io_documents (
    tenant_id    text NOT NULL,
    io_id        text NOT NULL,
    fingerprint  text NOT NULL,
    path         text NOT NULL,
    bytes        integer NOT NULL CHECK (bytes > 0),
    rendered_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, io_id),
    FOREIGN KEY (tenant_id, io_id) REFERENCES io_bookings (tenant_id, io_id) ON DELETE CASCADE
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['creator_dashboard', 'creator_source_split', 'advertiser_dashboard',
                             'advertiser_recommendations', 'ops_alerts', 'io_documents']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %I', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I TO sponsor_tenant '
            'USING (tenant_id = current_setting(''app.tenant_id'', true)) '
            'WITH CHECK (tenant_id = current_setting(''app.tenant_id'', true))', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO sponsor_tenant', t);
    END LOOP;
END
$$;
