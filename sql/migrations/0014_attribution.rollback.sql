-- Rollback of 0014_attribution. Idempotent (also when the tables are gone).
DROP TABLE IF EXISTS io_attribution;
DROP TABLE IF EXISTS vanity_visits;
DROP TABLE IF EXISTS promo_redemptions;
DROP FUNCTION IF EXISTS vanity_path_key(text);
DROP FUNCTION IF EXISTS vanity_url_key(text);
DROP FUNCTION IF EXISTS promo_code_key(text);
ALTER TABLE IF EXISTS campaigns DROP COLUMN IF EXISTS attribution_window_days;
ALTER TABLE IF EXISTS io_delivery DROP COLUMN IF EXISTS pacing_mode;
ALTER TABLE IF EXISTS io_bookings DROP CONSTRAINT IF EXISTS ck_io_bookings_pacing_mode;
ALTER TABLE IF EXISTS io_bookings DROP COLUMN IF EXISTS daily_goal_impressions;
ALTER TABLE IF EXISTS io_bookings DROP COLUMN IF EXISTS pacing_mode;
