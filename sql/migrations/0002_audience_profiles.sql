-- 0002_audience_profiles: a show's listener distribution by country and by age band × gender, as
-- reported by a platform (Spotify, Apple, the host, Anchor) or entered from a survey. Matchmaking's
-- geo and demographic signals read it. Idempotent.
-- depends: 0001_core_schema

CREATE TABLE IF NOT EXISTS audience_profiles (
    tenant_id   text NOT NULL,
    show_id     text NOT NULL,
    source      text NOT NULL CHECK (source ~ '^[a-z][a-z0-9_]*$'),
    -- 'country': bucket is an ISO 3166-1 alpha-2 code ('ZZ' = unknown);
    -- 'age_gender': bucket is '<age band>|<gender>' with the age bands Spotify reports
    --   (0-17, 18-22, 23-27, 28-34, 35-44, 45-59, 60+) and gender female, male, non_binary,
    --   not_specified.
    dimension   text NOT NULL CHECK (dimension IN ('country', 'age_gender')),
    bucket      text NOT NULL,
    share       numeric(9, 8) NOT NULL CHECK (share >= 0 AND share <= 1),  -- of the show's listeners
    listeners   bigint CHECK (listeners >= 0),                          -- absolute count when reported
    as_of       date NOT NULL,                                          -- last day the figures cover
    import_id   bigint,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, show_id, source, dimension, bucket),
    FOREIGN KEY (tenant_id, show_id) REFERENCES shows (tenant_id, show_id),
    CHECK (dimension <> 'age_gender' OR bucket ~ '^(0-17|18-22|23-27|28-34|35-44|45-59|60\+)\|(female|male|non_binary|not_specified)$'),
    CHECK (dimension <> 'country' OR bucket ~ '^[A-Z]{2}$')
);

ALTER TABLE audience_profiles ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON audience_profiles;
CREATE POLICY tenant_isolation ON audience_profiles TO sponsor_tenant
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
GRANT SELECT, INSERT, UPDATE, DELETE ON audience_profiles TO sponsor_tenant;
