-- Rollback of 0011_platform_identity. Idempotent (also when the tables are gone).
DROP INDEX IF EXISTS ix_quarantined_rows_pending;
ALTER TABLE IF EXISTS quarantined_rows DROP COLUMN IF EXISTS replay_note;
ALTER TABLE IF EXISTS quarantined_rows DROP COLUMN IF EXISTS replayed_at;
ALTER TABLE IF EXISTS etl_imports DROP COLUMN IF EXISTS replayed_at;
ALTER TABLE IF EXISTS etl_imports DROP COLUMN IF EXISTS rows_replayed;
ALTER TABLE IF EXISTS etl_imports DROP COLUMN IF EXISTS target_table;
DROP TABLE IF EXISTS platform_episode_map;
