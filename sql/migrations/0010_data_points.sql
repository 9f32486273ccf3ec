-- 0010_data_points: every data point of an import accounted for, and the episode catalogue read
-- from each show's RSS feed. Idempotent.
-- depends: 0001_core_schema

-- rows_read = rows_loaded + rows_quarantined + rows_dropped for every completed import. A dropped
-- row is a source entry deliberately not turned into a warehouse row (an exact duplicate, a range
-- total where daily values are stored, an age band outside the vocabulary...); the reasons hold
-- {reason: rows} for dropped and for quarantined rows.
ALTER TABLE etl_imports ADD COLUMN IF NOT EXISTS rows_dropped integer NOT NULL DEFAULT 0;
ALTER TABLE etl_imports ADD COLUMN IF NOT EXISTS dropped_reasons jsonb NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE etl_imports ADD COLUMN IF NOT EXISTS quarantined_reasons jsonb NOT NULL DEFAULT '{}'::jsonb;

-- Each show's RSS feed, and the validators of its last successful fetch for conditional GET
-- (RFC 9110 §13.1: If-None-Match with the ETag, If-Modified-Since with Last-Modified).
ALTER TABLE shows ADD COLUMN IF NOT EXISTS feed_url text;
ALTER TABLE shows ADD COLUMN IF NOT EXISTS feed_etag text;
ALTER TABLE shows ADD COLUMN IF NOT EXISTS feed_last_modified text;
ALTER TABLE shows ADD COLUMN IF NOT EXISTS feed_fetched_at timestamptz;

-- Episodes as a feed describes them (RSS 2.0 <item>, Apple's itunes: tags, podcast:season/episode).
-- A feed item without itunes:duration is still an episode: duration_seconds may be unknown.
ALTER TABLE episodes ADD COLUMN IF NOT EXISTS guid text;
ALTER TABLE episodes ADD COLUMN IF NOT EXISTS enclosure_url text;
ALTER TABLE episodes ADD COLUMN IF NOT EXISTS enclosure_bytes bigint CHECK (enclosure_bytes >= 0);
ALTER TABLE episodes ADD COLUMN IF NOT EXISTS season integer;
ALTER TABLE episodes ADD COLUMN IF NOT EXISTS episode_number integer;
ALTER TABLE episodes ADD COLUMN IF NOT EXISTS published_time timestamptz;
ALTER TABLE episodes ALTER COLUMN duration_seconds DROP NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS ux_episodes_show_guid ON episodes (tenant_id, show_id, guid);
