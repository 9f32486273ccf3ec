-- Rollback of 0004_export_measures: rows without downloads cannot satisfy NOT NULL and are removed.
ALTER TABLE listener_metrics DROP CONSTRAINT IF EXISTS ck_listener_metrics_some_measure;
DELETE FROM listener_metrics WHERE downloads IS NULL;
ALTER TABLE listener_metrics ALTER COLUMN downloads SET NOT NULL;
