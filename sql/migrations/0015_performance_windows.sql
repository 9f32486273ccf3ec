-- 0015_performance_windows: episode performance windows (downloads in the first 1, 7, 30 and 90 days
-- after release, per episode and source) and the windows hosting exports report. Idempotent.
-- depends: 0011_platform_identity
--
-- * episode_download_windows: cumulative "downloads since release" a host's export reports per
--   episode (1/3/7/30-day, all-time: window_days NULL), one row per export day; loaded by the
--   platform_exports import (import_id) from per-episode window TSV/CSV files.
-- * episode_performance: rewritten by the creator_dashboard asset (sponsor_pipeline/dashboards/
--   performance.py): from metrics_daily where the (episode, source) has daily rows, else from
--   episode_download_windows. Decreasing cumulative windows are flagged, values kept as reported.

CREATE TABLE IF NOT EXISTS episode_download_windows (
    tenant_id      text NOT NULL REFERENCES tenants (tenant_id),
    show_id        text NOT NULL,
    episode_id     text NOT NULL,
    source         text NOT NULL,
    window_days    integer CHECK (window_days > 0),
    as_of          date NOT NULL,
    downloads      bigint NOT NULL CHECK (downloads >= 0),
    released_on    date,
    import_id      bigint REFERENCES etl_imports (import_id) ON DELETE SET NULL,
    loaded_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ux_episode_download_windows_key
        UNIQUE NULLS NOT DISTINCT (tenant_id, episode_id, source, window_days, as_of),
    FOREIGN KEY (tenant_id, show_id, episode_id) REFERENCES episodes (tenant_id, show_id, episode_id)
        ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE IF NOT EXISTS episode_performance (
    tenant_id           text NOT NULL,
    show_id             text NOT NULL,
    episode_id          text NOT NULL,
    source              text NOT NULL,
    released_on         date NOT NULL,
    as_of               date NOT NULL,
    basis               text NOT NULL CHECK (basis IN ('daily', 'window_export')),
    downloads_1d        bigint,
    downloads_7d        bigint,
    downloads_30d       bigint,
    downloads_90d       bigint,
    complete_1d         boolean NOT NULL DEFAULT false,
    complete_7d         boolean NOT NULL DEFAULT false,
    complete_30d        boolean NOT NULL DEFAULT false,
    complete_90d        boolean NOT NULL DEFAULT false,
    downloads_all_time  bigint,
    decreasing          boolean NOT NULL DEFAULT false,
    flags               text NOT NULL DEFAULT '',
    computed_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, show_id, episode_id, source)
);

-- Row-level security as platform_episode_map (0011): tenant_isolation for the trusted backend and
-- the two tenant-login policies of 0008; tenant logins read, the pipeline writes.
SELECT secure_tenant_table('episode_download_windows');
SELECT secure_tenant_table('episode_performance');

-- Column descriptions (shown in the Dagster catalogue's column schema).
COMMENT ON COLUMN episode_download_windows.tenant_id IS 'Tenant (podcast network) of the show.';
COMMENT ON COLUMN episode_download_windows.show_id IS 'Show of the episode.';
COMMENT ON COLUMN episode_download_windows.episode_id IS 'The network''s episode the exported row resolved to (platform identity map).';
COMMENT ON COLUMN episode_download_windows.source IS 'Reporting source of the export (the hosting platform).';
COMMENT ON COLUMN episode_download_windows.window_days IS 'Window length in days after release (1, 3, 7, 30, ...); NULL = all-time (since release).';
COMMENT ON COLUMN episode_download_windows.as_of IS 'Day the export was taken: a window not elapsed by then is partial.';
COMMENT ON COLUMN episode_download_windows.downloads IS 'Cumulative downloads in the window, as the export reported them.';
COMMENT ON COLUMN episode_download_windows.released_on IS 'Publication day the export gives for the episode, if any.';
COMMENT ON COLUMN episode_download_windows.import_id IS 'etl_imports row of the export file the value came from.';
COMMENT ON COLUMN episode_download_windows.loaded_at IS 'When the row was loaded (UTC).';
COMMENT ON COLUMN episode_performance.tenant_id IS 'Tenant (podcast network) of the show.';
COMMENT ON COLUMN episode_performance.show_id IS 'Show of the episode.';
COMMENT ON COLUMN episode_performance.episode_id IS 'Episode the windows count downloads of.';
COMMENT ON COLUMN episode_performance.source IS 'Reporting source (hosting platform, Spotify, Apple, Anchor, sheet); one row per source.';
COMMENT ON COLUMN episode_performance.released_on IS 'Release day (episodes.published_at, else the export''s publication date); day 1 of every window.';
COMMENT ON COLUMN episode_performance.as_of IS 'Reference day of daily windows, or the day of the latest export used.';
COMMENT ON COLUMN episode_performance.basis IS 'daily (summed from metrics_daily) or window_export (cumulative values of an imported window export).';
COMMENT ON COLUMN episode_performance.downloads_1d IS 'Downloads on the release day; NULL when the source reports nothing for this window.';
COMMENT ON COLUMN episode_performance.downloads_7d IS 'Downloads in the first 7 days (release day included); NULL when not reported.';
COMMENT ON COLUMN episode_performance.downloads_30d IS 'Downloads in the first 30 days (release day included); NULL when not reported.';
COMMENT ON COLUMN episode_performance.downloads_90d IS 'Downloads in the first 90 days (release day included); NULL when not reported.';
COMMENT ON COLUMN episode_performance.complete_1d IS 'The 1-day window had elapsed on as_of (false: partial).';
COMMENT ON COLUMN episode_performance.complete_7d IS 'The 7-day window had elapsed on as_of (false: partial so far).';
COMMENT ON COLUMN episode_performance.complete_30d IS 'The 30-day window had elapsed on as_of (false: partial so far).';
COMMENT ON COLUMN episode_performance.complete_90d IS 'The 90-day window had elapsed on as_of (false: partial so far).';
COMMENT ON COLUMN episode_performance.downloads_all_time IS 'Downloads since release up to as_of (daily) or the export''s all-time value.';
COMMENT ON COLUMN episode_performance.decreasing IS 'A cumulative window was reported lower than a shorter window or an earlier export (values kept as reported).';
COMMENT ON COLUMN episode_performance.flags IS 'Notes on the row: decreasing windows, daily data starting after the release; empty when none.';
COMMENT ON COLUMN episode_performance.computed_at IS 'When the creator_dashboard asset wrote the row.';
