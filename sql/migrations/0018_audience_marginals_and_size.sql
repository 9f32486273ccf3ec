-- 0018_audience_marginals_and_size: age-only and gender-only listener shares in audience_profiles,
-- and a show's follower count / audience size per day in show_audience_size. Idempotent.
-- depends: 0015_performance_windows
--
-- * audience_profiles gains the dimensions 'age_band' (bucket: one of Spotify's age bands) and
--   'gender' (bucket: female, male, non_binary, not_specified): the marginal shares Anchor reports
--   (playsByAgeRange, playsByGender) without the age × gender cells. Matchmaking reads a source's
--   cells when it has them and builds cells from its two marginals only when it has none
--   (sponsor_pipeline/matchmaking/inputs.py), so one source is never counted twice.
-- * show_audience_size: Spotify's and Apple's daily follower counts (followers) and Anchor's
--   audience size (audience_size), one value per (show, source, metric, day), loaded by the
--   platform_exports import (import_id).

ALTER TABLE audience_profiles DROP CONSTRAINT IF EXISTS audience_profiles_dimension_check;
ALTER TABLE audience_profiles DROP CONSTRAINT IF EXISTS ck_audience_profiles_dimension;
ALTER TABLE audience_profiles ADD CONSTRAINT ck_audience_profiles_dimension
    CHECK (dimension IN ('country', 'age_gender', 'age_band', 'gender'));
ALTER TABLE audience_profiles DROP CONSTRAINT IF EXISTS ck_audience_profiles_age_band;
ALTER TABLE audience_profiles ADD CONSTRAINT ck_audience_profiles_age_band
    CHECK (dimension <> 'age_band' OR bucket IN ('0-17', '18-22', '23-27', '28-34', '35-44', '45-59', '60+'));
ALTER TABLE audience_profiles DROP CONSTRAINT IF EXISTS ck_audience_profiles_gender;
ALTER TABLE audience_profiles ADD CONSTRAINT ck_audience_profiles_gender
    CHECK (dimension <> 'gender' OR bucket IN ('female', 'male', 'non_binary', 'not_specified'));
COMMENT ON COLUMN audience_profiles.dimension IS
    'What the bucket splits: country, age_gender (cells), or age_band / gender alone (marginal shares).';
COMMENT ON COLUMN audience_profiles.bucket IS
    'ISO 3166-1 alpha-2 country (ZZ = unknown); <age band>|<gender> with Spotify''s age bands; an age band; or a gender.';

CREATE TABLE IF NOT EXISTS show_audience_size (
    tenant_id  text NOT NULL REFERENCES tenants (tenant_id),
    show_id    text NOT NULL,
    source     text NOT NULL CHECK (source ~ '^[a-z][a-z0-9_]*$'),
    metric     text NOT NULL CHECK (metric IN ('followers', 'audience_size')),
    day        date NOT NULL,
    value      bigint NOT NULL CHECK (value >= 0),
    import_id  bigint REFERENCES etl_imports (import_id) ON DELETE SET NULL,
    loaded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, show_id, source, metric, day),
    FOREIGN KEY (tenant_id, show_id) REFERENCES shows (tenant_id, show_id) ON DELETE CASCADE ON UPDATE CASCADE
);

SELECT secure_tenant_table('show_audience_size');

COMMENT ON COLUMN show_audience_size.tenant_id IS 'Tenant (podcast network) of the show.';
COMMENT ON COLUMN show_audience_size.show_id IS 'Show whose audience is counted.';
COMMENT ON COLUMN show_audience_size.source IS 'Reporting platform (spotify, apple_podcasts, anchor).';
COMMENT ON COLUMN show_audience_size.metric IS 'followers (accounts following the show on the platform) or audience_size (Anchor''s estimated unique audience).';
COMMENT ON COLUMN show_audience_size.day IS 'Day the count applies to (UTC); Anchor''s audience size: the last day of the payload range.';
COMMENT ON COLUMN show_audience_size.value IS 'The count as the platform reported it for that day.';
COMMENT ON COLUMN show_audience_size.import_id IS 'etl_imports row of the payload the value came from.';
COMMENT ON COLUMN show_audience_size.loaded_at IS 'When the row was loaded (UTC).';
