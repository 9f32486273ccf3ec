-- Rollback of 0016_verification_flags. Idempotent (also when the tables are gone).
DROP TABLE IF EXISTS io_verification_flags;
ALTER TABLE IF EXISTS advertiser_dashboard DROP COLUMN IF EXISTS verification_flags;
DO $$
BEGIN
    IF to_regclass('ops_alerts') IS NOT NULL THEN
        DELETE FROM ops_alerts WHERE alert_type LIKE 'flag\_%';
        ALTER TABLE ops_alerts DROP CONSTRAINT IF EXISTS ops_alerts_alert_type_check;
        ALTER TABLE ops_alerts ADD CONSTRAINT ops_alerts_alert_type_check CHECK (alert_type IN (
            'io_under_pacing', 'flight_ending', 'make_good_owed', 'missing_promo_code', 'missing_vanity_url',
            'import_failed', 'import_quarantined', 'sensor_lag', 'stale_source'));
        COMMENT ON COLUMN ops_alerts.alert_type IS 'Kind of alert: io_under_pacing, flight_ending, make_good_owed, missing_promo_code, missing_vanity_url, import_failed, import_quarantined, sensor_lag, stale_source.';
    END IF;
END
$$;
