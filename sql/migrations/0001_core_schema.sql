-- 0001_core_schema: tenants, reference tables, IO bookings, listener_metrics, metrics_daily,
-- matches, events, etl_imports, quarantined_rows; row-level security for the tenant-facing role.
-- Idempotent: every statement can run again on a database that already has the object.
-- Requires PostgreSQL >= 15 (UNIQUE NULLS NOT DISTINCT).

CREATE TABLE IF NOT EXISTS tenants (
    tenant_id   text PRIMARY KEY CHECK (tenant_id ~ '^[a-z0-9][a-z0-9-]*$'),
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS shows (
    tenant_id    text NOT NULL REFERENCES tenants (tenant_id),
    show_id      text NOT NULL,
    title        text NOT NULL,
    slug         text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]*$'),
    apple_genre  text,
    explicit     boolean NOT NULL DEFAULT false,
    language     text NOT NULL DEFAULT 'en',
    description  text,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, show_id),
    UNIQUE (tenant_id, slug)
);

CREATE TABLE IF NOT EXISTS episodes (
    tenant_id         text NOT NULL,
    episode_id        text NOT NULL,
    show_id           text NOT NULL,
    title             text NOT NULL,
    published_at      date NOT NULL,
    duration_seconds  integer NOT NULL CHECK (duration_seconds > 0),
    ad_slots          smallint NOT NULL DEFAULT 3 CHECK (ad_slots >= 0),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, episode_id),
    UNIQUE (tenant_id, show_id, episode_id),
    FOREIGN KEY (tenant_id, show_id) REFERENCES shows (tenant_id, show_id)
);

CREATE TABLE IF NOT EXISTS advertisers (
    tenant_id      text NOT NULL REFERENCES tenants (tenant_id),
    advertiser_id  text NOT NULL,
    name           text NOT NULL,
    category       text,            -- IAB Content Taxonomy 3.1 unique id of the advertiser's vertical
    domain         text,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, advertiser_id)
);

CREATE TABLE IF NOT EXISTS campaigns (
    tenant_id         text NOT NULL,
    campaign_id       text NOT NULL,
    advertiser_id     text NOT NULL,
    name              text NOT NULL,
    stage             text NOT NULL DEFAULT 'lead'
                      CHECK (stage IN ('lead', 'qualified', 'proposal', 'negotiation', 'won', 'lost')),
    stage_changed_at  timestamptz NOT NULL DEFAULT now(),
    flight_start      date,
    flight_end        date,
    budget            numeric(14, 2) CHECK (budget >= 0),          -- USD
    target_cpm        numeric(10, 2) CHECK (target_cpm >= 0),      -- USD per 1,000 impressions
    impressions_goal  bigint CHECK (impressions_goal >= 0),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, campaign_id),
    FOREIGN KEY (tenant_id, advertiser_id) REFERENCES advertisers (tenant_id, advertiser_id),
    CHECK (flight_end IS NULL OR flight_start IS NULL OR flight_end >= flight_start)
);

CREATE TABLE IF NOT EXISTS ad_units (
    tenant_id         text NOT NULL REFERENCES tenants (tenant_id),
    ad_unit_id        text NOT NULL,
    name              text NOT NULL,
    position          text NOT NULL CHECK (position IN ('pre_roll', 'mid_roll', 'post_roll')),
    duration_seconds  integer NOT NULL CHECK (duration_seconds > 0),
    read_type         text NOT NULL CHECK (read_type IN ('host_read', 'announcer_read', 'programmatic')),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, ad_unit_id)
);

CREATE TABLE IF NOT EXISTS io_bookings (
    tenant_id           text NOT NULL,
    io_id               text NOT NULL,
    campaign_id         text NOT NULL,
    show_id             text NOT NULL,
    episode_id          text,                      -- NULL: run-of-show IO
    ad_unit_id          text,
    flight_start        date NOT NULL,
    flight_end          date NOT NULL,
    booked_impressions  bigint NOT NULL CHECK (booked_impressions > 0),
    cpm                 numeric(10, 2) NOT NULL CHECK (cpm >= 0),   -- USD per 1,000 impressions
    status              text NOT NULL DEFAULT 'draft'
                        CHECK (status IN ('draft', 'scheduled', 'live', 'paused', 'completed', 'cancelled')),
    promo_code          text,
    vanity_url          text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, io_id),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, campaign_id),
    FOREIGN KEY (tenant_id, show_id) REFERENCES shows (tenant_id, show_id),
    FOREIGN KEY (tenant_id, show_id, episode_id) REFERENCES episodes (tenant_id, show_id, episode_id),
    FOREIGN KEY (tenant_id, ad_unit_id) REFERENCES ad_units (tenant_id, ad_unit_id),
    UNIQUE (tenant_id, promo_code),
    UNIQUE (tenant_id, vanity_url),
    CHECK (flight_end >= flight_start)
);

-- One row per (tenant, day, show, episode, source). episode_id NULL is a show-level series.
-- No foreign keys: imports check episodes themselves and quarantine unknown ones, keeping COPY fast.
CREATE TABLE IF NOT EXISTS listener_metrics (
    tenant_id       text NOT NULL,
    day             date NOT NULL,
    show_id         text NOT NULL,
    episode_id      text,
    source          text NOT NULL,
    downloads       bigint NOT NULL CHECK (downloads >= 0),
    listeners       bigint CHECK (listeners >= 0),
    listen_seconds  bigint CHECK (listen_seconds >= 0),
    import_id       bigint,
    loaded_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ux_listener_metrics_key
        UNIQUE NULLS NOT DISTINCT (tenant_id, day, show_id, episode_id, source)
);

CREATE TABLE IF NOT EXISTS matches (
    tenant_id          text NOT NULL,
    show_id            text NOT NULL,
    campaign_id        text NOT NULL,
    score              numeric(5, 2) NOT NULL CHECK (score BETWEEN 0 AND 100),
    signals            jsonb NOT NULL DEFAULT '{}'::jsonb,
    weights            jsonb NOT NULL DEFAULT '{}'::jsonb,
    rationale          text NOT NULL DEFAULT '',
    input_fingerprint  text,
    computed_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, show_id, campaign_id),
    FOREIGN KEY (tenant_id, show_id) REFERENCES shows (tenant_id, show_id),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, campaign_id)
);

-- tenant_id NULL: an event about a file or system that is not one tenant's (e.g. a multi-tenant CSV).
CREATE TABLE IF NOT EXISTS events (
    event_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    text REFERENCES tenants (tenant_id),
    event_type   text NOT NULL,
    entity_type  text,
    entity_id    text,
    payload      jsonb NOT NULL DEFAULT '{}'::jsonb,
    dedupe_key   text UNIQUE,
    occurred_at  timestamptz NOT NULL DEFAULT now(),
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS ix_events_type_time ON events (event_type, occurred_at);

-- tenant_id NULL: a file that carries rows of several tenants.
CREATE TABLE IF NOT EXISTS etl_imports (
    import_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id         text REFERENCES tenants (tenant_id),
    source_kind       text NOT NULL CHECK (source_kind IN ('csv', 'sheet', 'export')),
    source_uri        text NOT NULL,
    checksum          text NOT NULL,          -- sha256 of the bytes read
    status            text NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
    rows_read         integer NOT NULL DEFAULT 0,
    rows_loaded       integer NOT NULL DEFAULT 0,
    rows_quarantined  integer NOT NULL DEFAULT 0,
    error             text,
    started_at        timestamptz NOT NULL DEFAULT now(),
    finished_at       timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS ux_etl_imports_completed_checksum
    ON etl_imports (source_kind, checksum) WHERE status = 'completed';

CREATE TABLE IF NOT EXISTS quarantined_rows (
    quarantine_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    import_id       bigint NOT NULL REFERENCES etl_imports (import_id) ON DELETE CASCADE,
    tenant_id       text,
    source_uri      text NOT NULL,
    row_number      integer NOT NULL,       -- 1-based data row (the header is not counted)
    column_name     text,
    reason          text NOT NULL,
    raw_row         jsonb NOT NULL,
    quarantined_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS ix_quarantined_rows_import ON quarantined_rows (import_id);

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

-- Tenant-facing role: sees and writes only its tenant's rows (SET app.tenant_id = '<tenant>').
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sponsor_tenant') THEN
        CREATE ROLE sponsor_tenant NOLOGIN;
    END IF;
END
$$;

-- Materialized views cannot carry row-level security: tenants read metrics_daily through this view.
CREATE OR REPLACE VIEW tenant_metrics_daily WITH (security_barrier) AS
SELECT * FROM metrics_daily WHERE tenant_id = current_setting('app.tenant_id', true);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['tenants', 'shows', 'episodes', 'advertisers', 'campaigns', 'ad_units',
                             'io_bookings', 'listener_metrics', 'matches', 'events', 'etl_imports',
                             'quarantined_rows']
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
GRANT SELECT ON tenant_metrics_daily TO sponsor_tenant;
