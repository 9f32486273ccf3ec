-- Rollback of 0004_export_measures: rows without downloads cannot satisfy NOT NULL and are removed.
-- Idempotent: does nothing when listener_metrics is already gone.
DO $$
BEGIN
    IF to_regclass('listener_metrics') IS NOT NULL THEN
        ALTER TABLE listener_metrics DROP CONSTRAINT IF EXISTS ck_listener_metrics_some_measure;
        DELETE FROM listener_metrics WHERE downloads IS NULL;
        ALTER TABLE listener_metrics ALTER COLUMN downloads SET NOT NULL;
    END IF;
END
$$;
