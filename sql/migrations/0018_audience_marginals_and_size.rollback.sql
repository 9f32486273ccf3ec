-- Rollback of 0018_audience_marginals_and_size. Idempotent (also when the tables are gone). Age-only
-- and gender-only shares are deleted: the 0002 dimension check does not admit them.
DROP TABLE IF EXISTS show_audience_size;
DO $rollback$
BEGIN
    IF to_regclass('audience_profiles') IS NULL THEN
        RETURN;
    END IF;
    DELETE FROM audience_profiles WHERE dimension IN ('age_band', 'gender');
    ALTER TABLE audience_profiles DROP CONSTRAINT IF EXISTS ck_audience_profiles_gender;
    ALTER TABLE audience_profiles DROP CONSTRAINT IF EXISTS ck_audience_profiles_age_band;
    ALTER TABLE audience_profiles DROP CONSTRAINT IF EXISTS ck_audience_profiles_dimension;
    ALTER TABLE audience_profiles DROP CONSTRAINT IF EXISTS audience_profiles_dimension_check;
    ALTER TABLE audience_profiles ADD CONSTRAINT audience_profiles_dimension_check
        CHECK (dimension IN ('country', 'age_gender'));
    COMMENT ON COLUMN audience_profiles.dimension IS 'What the bucket splits: country or age_gender.';
    COMMENT ON COLUMN audience_profiles.bucket IS
        'ISO 3166-1 alpha-2 country (ZZ = unknown), or <age band>|<gender> with Spotify''s age bands.';
END
$rollback$;
