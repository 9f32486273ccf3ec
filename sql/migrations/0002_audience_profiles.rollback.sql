-- Rollback of 0002_audience_profiles. Idempotent.
DROP TABLE IF EXISTS audience_profiles;
