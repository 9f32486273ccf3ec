-- 0003_delivery_and_change_log: per-IO delivery figures (written by the io_delivery asset), per-IO
-- direct response (promo-code redemptions, vanity-URL visits), and the change log that database
-- triggers append to and the IO-status / deal-stage sensors read. Idempotent.
-- depends: 0002_audience_profiles

-- One row per IO, recomputed by the io_delivery asset. Impressions are downloads in metrics_daily
-- (IAB Podcast Measurement Technical Guidelines v2.1: a delivered ad is counted per qualified download).
CREATE TABLE IF NOT EXISTS io_delivery (
    tenant_id               text NOT NULL,
    io_id                   text NOT NULL,
    campaign_id             text NOT NULL,
    show_id                 text NOT NULL,
    episode_id              text,
    status                  text NOT NULL,
    flight_start            date NOT NULL,
    flight_end              date NOT NULL,
    as_of                   date NOT NULL,              -- last day of metrics counted
    booked_impressions      bigint NOT NULL,
    delivered_impressions   bigint NOT NULL CHECK (delivered_impressions >= 0),
    percent_delivered       numeric(12, 4) NOT NULL,    -- delivered / booked × 100
    expected_to_date        numeric(16, 2) NOT NULL,    -- even pacing: booked × elapsed days / flight days
    pacing_ratio            numeric(12, 4),             -- delivered / expected_to_date; NULL before the flight
    projected_delivery      numeric(16, 2) NOT NULL,    -- expected impressions at flight end
    make_good_impressions   bigint NOT NULL DEFAULT 0,  -- shortfall owed when a completed IO under-delivered
    cpm                     numeric(10, 2) NOT NULL,
    computed_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, io_id),
    FOREIGN KEY (tenant_id, io_id) REFERENCES io_bookings (tenant_id, io_id) ON DELETE CASCADE
);

-- Direct response per IO and day: promo-code redemptions and vanity-URL visits reported by the advertiser.
CREATE TABLE IF NOT EXISTS io_responses (
    tenant_id          text NOT NULL,
    io_id              text NOT NULL,
    day                date NOT NULL,
    promo_redemptions  integer NOT NULL DEFAULT 0 CHECK (promo_redemptions >= 0),
    vanity_visits      integer NOT NULL DEFAULT 0 CHECK (vanity_visits >= 0),
    PRIMARY KEY (tenant_id, io_id, day),
    FOREIGN KEY (tenant_id, io_id) REFERENCES io_bookings (tenant_id, io_id) ON DELETE CASCADE
);

-- Every IO status and deal stage transition, appended by triggers; change_id is monotonic.
-- Sensor events for a change carry dedupe_key 'change_log:<change_id>'.
CREATE TABLE IF NOT EXISTS change_log (
    change_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    text NOT NULL,
    entity_type  text NOT NULL CHECK (entity_type IN ('io_booking', 'campaign')),
    entity_id    text NOT NULL,
    from_value   text,           -- NULL on insert
    to_value     text NOT NULL,
    changed_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    txid         bigint NOT NULL DEFAULT txid_current()
);
CREATE INDEX IF NOT EXISTS ix_change_log_entity ON change_log (entity_type, change_id);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['io_delivery', 'io_responses', 'change_log']
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
