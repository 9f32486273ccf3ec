-- Rollback of 0006_matchmaking_inputs.
DROP INDEX IF EXISTS ix_matches_campaign_score;
ALTER TABLE IF EXISTS matches DROP COLUMN IF EXISTS brand_safety_conflict;
ALTER TABLE IF EXISTS matches DROP COLUMN IF EXISTS brand_safety;
ALTER TABLE IF EXISTS matches DROP COLUMN IF EXISTS inventory_fit;
ALTER TABLE IF EXISTS matches DROP COLUMN IF EXISTS historical_lift;
ALTER TABLE IF EXISTS matches DROP COLUMN IF EXISTS topic_overlap;
ALTER TABLE IF EXISTS matches DROP COLUMN IF EXISTS demographic_overlap;
ALTER TABLE IF EXISTS matches DROP COLUMN IF EXISTS geo_overlap;
DROP TABLE IF EXISTS campaign_targets;
DROP TABLE IF EXISTS campaign_brand_safety;
DROP TABLE IF EXISTS show_brand_safety;
DROP TABLE IF EXISTS show_topics;
