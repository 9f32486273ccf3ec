-- Rollback of 0003_delivery_and_change_log. Idempotent.
DROP TABLE IF EXISTS change_log;
DROP TABLE IF EXISTS io_responses;
DROP TABLE IF EXISTS io_delivery;
