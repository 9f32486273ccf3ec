-- 0004_export_measures: a platform export may report listeners without plays for a day (Spotify's
-- `listeners` series), so listener_metrics.downloads may be NULL = "not reported by this source",
-- never zero. CSV and sheet imports still require downloads (pandera schema listener_metrics).
-- Idempotent.
-- depends: 0003_delivery_and_change_log

ALTER TABLE listener_metrics ALTER COLUMN downloads DROP NOT NULL;

ALTER TABLE listener_metrics DROP CONSTRAINT IF EXISTS ck_listener_metrics_some_measure;
ALTER TABLE listener_metrics ADD CONSTRAINT ck_listener_metrics_some_measure
    CHECK (downloads IS NOT NULL OR listeners IS NOT NULL OR listen_seconds IS NOT NULL);
