-- Rollback of 0007_dashboards. Idempotent.
DROP TABLE IF EXISTS io_documents;
DROP TABLE IF EXISTS ops_alerts;
DROP TABLE IF EXISTS advertiser_recommendations;
DROP TABLE IF EXISTS advertiser_dashboard;
DROP TABLE IF EXISTS creator_source_split;
DROP TABLE IF EXISTS creator_dashboard;
