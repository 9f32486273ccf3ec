-- 0016_verification_flags: what a sponsor would question about each IO, with the rule and the figures
-- behind it (sponsor_pipeline/verification.py holds the rules); each flag also shows as an ops alert
-- ('flag_<flag>') and on the advertiser dashboard. Idempotent.
-- depends: 0015_performance_windows

-- One row per IO and flag raised; the io_verification_flags asset replaces a tenant's rows each run.
CREATE TABLE IF NOT EXISTS io_verification_flags (
    tenant_id    text NOT NULL,
    io_id        text NOT NULL,
    flag         text NOT NULL CHECK (flag IN (
                     'under_delivered', 'under_pacing', 'missing_promo_code', 'unused_promo_code',
                     'no_vanity_traffic', 'audience_outside_targets', 'brand_safety_conflict',
                     'delivery_after_flight')),
    severity     text NOT NULL CHECK (severity IN ('warning', 'critical')),
    rule         text NOT NULL CHECK (btrim(rule) <> ''),
    evidence     jsonb NOT NULL CHECK (jsonb_typeof(evidence) = 'object'),
    as_of        date NOT NULL,
    computed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, io_id, flag),
    FOREIGN KEY (tenant_id, io_id) REFERENCES io_bookings (tenant_id, io_id) ON DELETE CASCADE
);

SELECT secure_tenant_table('io_verification_flags');

-- Ops alerts gain one type per verification flag ('flag_<flag>').
ALTER TABLE ops_alerts DROP CONSTRAINT IF EXISTS ops_alerts_alert_type_check;
ALTER TABLE ops_alerts ADD CONSTRAINT ops_alerts_alert_type_check CHECK (alert_type IN (
    'io_under_pacing', 'flight_ending', 'make_good_owed', 'missing_promo_code', 'missing_vanity_url',
    'import_failed', 'import_quarantined', 'sensor_lag', 'stale_source',
    'flag_under_delivered', 'flag_under_pacing', 'flag_missing_promo_code', 'flag_unused_promo_code',
    'flag_no_vanity_traffic', 'flag_audience_outside_targets', 'flag_brand_safety_conflict',
    'flag_delivery_after_flight'));

-- The advertiser dashboard lists each IO's flags (and the campaign row the union of its IOs').
ALTER TABLE advertiser_dashboard ADD COLUMN IF NOT EXISTS verification_flags text[] NOT NULL DEFAULT '{}';

COMMENT ON COLUMN io_verification_flags.tenant_id IS 'Network (tenant) of the IO.';
COMMENT ON COLUMN io_verification_flags.io_id IS 'The insertion order flagged.';
COMMENT ON COLUMN io_verification_flags.flag IS 'What is wrong: under_delivered, under_pacing, missing_promo_code, unused_promo_code, no_vanity_traffic, audience_outside_targets, brand_safety_conflict or delivery_after_flight.';
COMMENT ON COLUMN io_verification_flags.severity IS 'warning or critical (the rule says when each applies).';
COMMENT ON COLUMN io_verification_flags.rule IS 'The rule in words with its threshold.';
COMMENT ON COLUMN io_verification_flags.evidence IS 'The figures that triggered the flag (JSON object).';
COMMENT ON COLUMN io_verification_flags.as_of IS 'Day the IO was judged on (its io_delivery as_of).';
COMMENT ON COLUMN io_verification_flags.computed_at IS 'When the flag was computed (UTC).';
COMMENT ON COLUMN advertiser_dashboard.verification_flags IS 'Verification flags raised on the IO (campaign row: on any of its IOs), sorted.';
COMMENT ON COLUMN ops_alerts.alert_type IS 'Kind of alert: io_under_pacing, flight_ending, make_good_owed, missing_promo_code, missing_vanity_url, import_failed, import_quarantined, sensor_lag, stale_source, or flag_<verification flag> for a verification flag of an IO.';
