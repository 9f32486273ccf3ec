-- Rollback of 0017_campaign_reports. Idempotent.
DROP TABLE IF EXISTS campaign_reports;
