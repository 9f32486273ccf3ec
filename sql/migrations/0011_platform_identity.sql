-- 0011_platform_identity: the platform identity map, and quarantined rows replayed once what they
-- lacked arrives. Idempotent.
-- depends: 0010_data_points
--
-- * platform_episode_map pairs a platform's own episode key (Spotify / Apple ids, Anchor labels, a
--   host's GUID) with the network's episode, and says how (sponsor_pipeline/identity.py): manual
--   (the tenant's episode_map.csv), guid, episode_id (the key is the network's id), title_date
--   (normalised title and publication date). A manual pair is never replaced by an automatic one.
-- * etl_imports.target_table: the table an import writes, so its quarantined rows can be validated
--   again against the same target. rows_replayed / replayed_at: rows of the import loaded later by
--   the replay (they count in rows_loaded; rows_quarantined keeps the rows still quarantined).
-- * quarantined_rows.replayed_at / replay_note: when a row was loaded by the replay and how (e.g.
--   the episode it resolved to). The row stays, as the audit trail; the loaded row keeps the
--   import_id of the import it came from.

CREATE TABLE IF NOT EXISTS platform_episode_map (
    tenant_id             text NOT NULL REFERENCES tenants (tenant_id),
    provider              text NOT NULL,
    platform_show_key     text NOT NULL,
    platform_episode_key  text NOT NULL,
    show_id               text NOT NULL,
    episode_id            text NOT NULL,
    matched_by            text NOT NULL CHECK (matched_by IN ('manual', 'guid', 'episode_id', 'title_date')),
    platform_title        text,
    detail                text,
    matched_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, provider, platform_show_key, platform_episode_key),
    FOREIGN KEY (tenant_id, show_id, episode_id) REFERENCES episodes (tenant_id, show_id, episode_id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX IF NOT EXISTS ix_platform_episode_map_episode ON platform_episode_map (tenant_id, episode_id);

ALTER TABLE etl_imports ADD COLUMN IF NOT EXISTS target_table text;
ALTER TABLE etl_imports ADD COLUMN IF NOT EXISTS rows_replayed integer NOT NULL DEFAULT 0;
ALTER TABLE etl_imports ADD COLUMN IF NOT EXISTS replayed_at timestamptz;
ALTER TABLE quarantined_rows ADD COLUMN IF NOT EXISTS replayed_at timestamptz;
ALTER TABLE quarantined_rows ADD COLUMN IF NOT EXISTS replay_note text;
-- the replay reads the rows still quarantined, import by import
CREATE INDEX IF NOT EXISTS ix_quarantined_rows_pending ON quarantined_rows (import_id) WHERE replayed_at IS NULL;

-- Row-level security as on every tenant table (secure_tenant_table, 0008): tenant logins read, the
-- pipeline writes.
SELECT secure_tenant_table('platform_episode_map');

-- Column descriptions (shown in the Dagster catalogue's column schema).
COMMENT ON COLUMN platform_episode_map.tenant_id IS 'Network (tenant) that owns the show and the platform account.';
COMMENT ON COLUMN platform_episode_map.provider IS 'Platform the key comes from: spotify, apple, anchor, the host, op3, ...';
COMMENT ON COLUMN platform_episode_map.platform_show_key IS 'The platform''s own id of the show (as in platform_shows.csv).';
COMMENT ON COLUMN platform_episode_map.platform_episode_key IS 'The platform''s own id or label of the episode in its exports.';
COMMENT ON COLUMN platform_episode_map.show_id IS 'The network''s show the platform show maps to.';
COMMENT ON COLUMN platform_episode_map.episode_id IS 'The network''s episode the platform episode key resolves to.';
COMMENT ON COLUMN platform_episode_map.matched_by IS 'How the pair was made: manual (episode_map.csv), guid, episode_id (key equals the id) or title_date (normalised title + publication date).';
COMMENT ON COLUMN platform_episode_map.platform_title IS 'Episode title as the platform reported it, kept for review.';
COMMENT ON COLUMN platform_episode_map.detail IS 'What the match rested on (the normalised title, the dates compared, the CSV row).';
COMMENT ON COLUMN platform_episode_map.matched_at IS 'When the pair was stored (UTC).';
COMMENT ON COLUMN etl_imports.target_table IS 'Table the import loads (listener_metrics, audience_profiles, episodes, ...); quarantine replay loads into it.';
COMMENT ON COLUMN etl_imports.rows_replayed IS 'Rows of this import loaded later by quarantine replay (moved from quarantined to loaded).';
COMMENT ON COLUMN etl_imports.replayed_at IS 'When quarantine replay last loaded rows of this import (UTC).';
COMMENT ON COLUMN quarantined_rows.replayed_at IS 'When quarantine replay loaded this row (UTC); NULL while it stays quarantined.';
COMMENT ON COLUMN quarantined_rows.replay_note IS 'What the replay did with this row (loaded into which table, or why it stayed).';
