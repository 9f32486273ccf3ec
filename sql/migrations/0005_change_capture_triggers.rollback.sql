-- Rollback of 0005_change_capture_triggers. Idempotent. change_log and its rows stay (0003 owns them).
DROP TRIGGER IF EXISTS trg_campaigns_change_log_stage ON campaigns;
DROP TRIGGER IF EXISTS trg_campaigns_change_log_insert ON campaigns;
DROP TRIGGER IF EXISTS trg_io_bookings_change_log_status ON io_bookings;
DROP TRIGGER IF EXISTS trg_io_bookings_change_log_insert ON io_bookings;
DROP FUNCTION IF EXISTS change_log_campaign_stage();
DROP FUNCTION IF EXISTS change_log_io_booking_status();
