-- Rollback of 0010_data_points. Idempotent (also when the tables are gone). Episodes without a
-- duration get 1 s, since the column is NOT NULL again.
DROP INDEX IF EXISTS ux_episodes_show_guid;
DO $$
BEGIN
    IF to_regclass('episodes') IS NOT NULL THEN
        UPDATE episodes SET duration_seconds = 1 WHERE duration_seconds IS NULL;
        ALTER TABLE episodes ALTER COLUMN duration_seconds SET NOT NULL;
    END IF;
END $$;
ALTER TABLE IF EXISTS episodes DROP COLUMN IF EXISTS published_time;
ALTER TABLE IF EXISTS episodes DROP COLUMN IF EXISTS episode_number;
ALTER TABLE IF EXISTS episodes DROP COLUMN IF EXISTS season;
ALTER TABLE IF EXISTS episodes DROP COLUMN IF EXISTS enclosure_bytes;
ALTER TABLE IF EXISTS episodes DROP COLUMN IF EXISTS enclosure_url;
ALTER TABLE IF EXISTS episodes DROP COLUMN IF EXISTS guid;
ALTER TABLE IF EXISTS shows DROP COLUMN IF EXISTS feed_fetched_at;
ALTER TABLE IF EXISTS shows DROP COLUMN IF EXISTS feed_last_modified;
ALTER TABLE IF EXISTS shows DROP COLUMN IF EXISTS feed_etag;
ALTER TABLE IF EXISTS shows DROP COLUMN IF EXISTS feed_url;
ALTER TABLE IF EXISTS etl_imports DROP COLUMN IF EXISTS quarantined_reasons;
ALTER TABLE IF EXISTS etl_imports DROP COLUMN IF EXISTS dropped_reasons;
ALTER TABLE IF EXISTS etl_imports DROP COLUMN IF EXISTS rows_dropped;
