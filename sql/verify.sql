-- verify.sql: one row per required object that is missing or wrong. `sponsor-pipeline db verify`
-- fails when this returns any row. Each migration adds its objects here.
WITH required (kind, name, detail) AS (
    VALUES
    ('table', 'tenants', NULL), ('table', 'shows', NULL), ('table', 'episodes', NULL),
    ('table', 'advertisers', NULL), ('table', 'campaigns', NULL), ('table', 'ad_units', NULL),
    ('table', 'io_bookings', NULL), ('table', 'listener_metrics', NULL), ('table', 'matches', NULL),
    ('table', 'events', NULL), ('table', 'etl_imports', NULL), ('table', 'quarantined_rows', NULL),
    ('table', 'metrics_daily', NULL),
    ('view', 'tenant_metrics_daily', NULL),
    ('unique_index', 'ux_metrics_daily_day_ep_source', 'metrics_daily'),
    ('unique_index', 'ux_listener_metrics_key', 'listener_metrics'),
    ('role', 'sponsor_tenant', NULL),
    ('rls', 'tenants', NULL), ('rls', 'shows', NULL), ('rls', 'episodes', NULL),
    ('rls', 'advertisers', NULL), ('rls', 'campaigns', NULL), ('rls', 'ad_units', NULL),
    ('rls', 'io_bookings', NULL), ('rls', 'listener_metrics', NULL), ('rls', 'matches', NULL),
    ('rls', 'events', NULL), ('rls', 'etl_imports', NULL), ('rls', 'quarantined_rows', NULL),
    -- 0002_audience_profiles
    ('table', 'audience_profiles', NULL), ('rls', 'audience_profiles', NULL),
    -- 0003_delivery_and_change_log
    ('table', 'io_delivery', NULL), ('rls', 'io_delivery', NULL),
    ('table', 'io_responses', NULL), ('rls', 'io_responses', NULL),
    ('table', 'change_log', NULL), ('rls', 'change_log', NULL),
    -- 0005_change_capture_triggers
    ('trigger', 'trg_io_bookings_change_log_insert', 'io_bookings'),
    ('trigger', 'trg_io_bookings_change_log_status', 'io_bookings'),
    ('trigger', 'trg_campaigns_change_log_insert', 'campaigns'),
    ('trigger', 'trg_campaigns_change_log_stage', 'campaigns'),
    ('function', 'change_log_io_booking_status', NULL),
    ('function', 'change_log_campaign_stage', NULL),
    -- 0006_matchmaking_inputs
    ('table', 'show_topics', NULL), ('rls', 'show_topics', NULL),
    ('table', 'show_brand_safety', NULL), ('rls', 'show_brand_safety', NULL),
    ('table', 'campaign_brand_safety', NULL), ('rls', 'campaign_brand_safety', NULL),
    ('table', 'campaign_targets', NULL), ('rls', 'campaign_targets', NULL),
    ('index', 'ix_matches_campaign_score', 'matches'),
    -- 0007_dashboards
    ('table', 'creator_dashboard', NULL), ('rls', 'creator_dashboard', NULL),
    ('unique_index', 'ux_creator_dashboard_key', 'creator_dashboard'),
    ('table', 'creator_source_split', NULL), ('rls', 'creator_source_split', NULL),
    ('table', 'advertiser_dashboard', NULL), ('rls', 'advertiser_dashboard', NULL),
    ('unique_index', 'ux_advertiser_dashboard_key', 'advertiser_dashboard'),
    ('table', 'advertiser_recommendations', NULL), ('rls', 'advertiser_recommendations', NULL),
    ('table', 'ops_alerts', NULL), ('rls', 'ops_alerts', NULL),
    ('unique_index', 'ux_ops_alerts_key', 'ops_alerts'),
    ('table', 'io_documents', NULL), ('rls', 'io_documents', NULL),
    -- 0008_tenant_logins: the mapping, the group role, the functions policies call, and on every
    -- table with a tenant_isolation policy both tenant-login policies
    ('table', 'tenant_roles', NULL),
    ('role', 'sponsor_tenant_login', NULL),
    ('function', 'login_tenant_id', NULL), ('function', 'is_tenant_login', NULL),
    ('function', 'tenant_login_policies', NULL), ('function', 'tenant_login_table', NULL),
    ('function', 'secure_tenant_table', NULL),
    ('tenant_login_policies', 'every table with tenant_isolation', NULL),
    ('security_definer', 'change_log_io_booking_status', NULL),
    ('security_definer', 'change_log_campaign_stage', NULL),
    -- 0009_source_isolation
    ('unique_index', 'ux_etl_imports_failed_content', 'etl_imports'),
    ('index', 'ix_etl_imports_running', 'etl_imports'),
    -- 0010_data_points
    ('column', 'rows_dropped', 'etl_imports'), ('column', 'feed_url', 'shows'),
    ('column', 'guid', 'episodes'),
    ('unique_index', 'ux_episodes_show_guid', 'episodes'),
    -- 0011_platform_identity
    ('table', 'platform_episode_map', NULL), ('rls', 'platform_episode_map', NULL),
    ('index', 'ix_platform_episode_map_episode', 'platform_episode_map'),
    ('column', 'target_table', 'etl_imports'), ('column', 'rows_replayed', 'etl_imports'),
    ('column', 'replayed_at', 'quarantined_rows'),
    ('index', 'ix_quarantined_rows_pending', 'quarantined_rows'),
    -- 0012_incremental_metrics_daily (metrics_daily above is a table since 0012)
    ('index', 'ix_metrics_daily_show_day', 'metrics_daily'),
    ('table', 'metrics_daily_pending', NULL),
    ('table', 'listener_metrics_history', NULL), ('rls', 'listener_metrics_history', NULL),
    ('function', 'listener_metrics_capture', NULL), ('function', 'listener_metrics_capture_triggers', NULL),
    ('function', 'metrics_as_reported', NULL), ('function', 'metrics_as_reported_at', NULL),
    ('trigger', 'trg_listener_metrics_reported_at', 'listener_metrics'),
    ('trigger', 'trg_listener_metrics_capture_insert', 'listener_metrics'),
    ('trigger', 'trg_listener_metrics_capture_update', 'listener_metrics'),
    ('trigger', 'trg_listener_metrics_capture_delete', 'listener_metrics'),
    ('trigger', 'trg_listener_metrics_capture_truncate', 'listener_metrics'),
    -- 0014_attribution
    ('column', 'pacing_mode', 'io_bookings'), ('column', 'daily_goal_impressions', 'io_bookings'),
    ('column', 'pacing_mode', 'io_delivery'), ('column', 'attribution_window_days', 'campaigns'),
    ('function', 'promo_code_key', NULL), ('function', 'vanity_url_key', NULL),
    ('function', 'vanity_path_key', NULL),
    ('table', 'promo_redemptions', NULL), ('rls', 'promo_redemptions', NULL),
    ('table', 'vanity_visits', NULL), ('rls', 'vanity_visits', NULL),
    ('table', 'io_attribution', NULL), ('rls', 'io_attribution', NULL),
    -- 0015_performance_windows
    ('table', 'episode_download_windows', NULL), ('rls', 'episode_download_windows', NULL),
    ('table', 'episode_performance', NULL), ('rls', 'episode_performance', NULL),
    -- 0016_verification_flags
    ('table', 'io_verification_flags', NULL), ('rls', 'io_verification_flags', NULL),
    ('column', 'verification_flags', 'advertiser_dashboard'),
    -- 0017_campaign_reports
    ('table', 'campaign_reports', NULL), ('rls', 'campaign_reports', NULL),
    -- 0018_audience_marginals_and_size
    ('table', 'show_audience_size', NULL), ('rls', 'show_audience_size', NULL)
)
SELECT kind, name, detail
FROM required r
WHERE NOT CASE r.kind
    WHEN 'table' THEN EXISTS (
        SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relname = r.name AND c.relkind IN ('r', 'p'))
    WHEN 'view' THEN EXISTS (
        SELECT 1 FROM pg_views WHERE schemaname = current_schema() AND viewname = r.name)
    WHEN 'matview' THEN EXISTS (
        SELECT 1 FROM pg_matviews WHERE schemaname = current_schema() AND matviewname = r.name)
    WHEN 'unique_index' THEN EXISTS (
        SELECT 1 FROM pg_index i
        JOIN pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_class tc ON tc.oid = i.indrelid
        WHERE ic.relname = r.name AND tc.relname = r.detail AND i.indisunique AND i.indisvalid)
    WHEN 'index' THEN EXISTS (
        SELECT 1 FROM pg_index i
        JOIN pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_class tc ON tc.oid = i.indrelid
        WHERE ic.relname = r.name AND tc.relname = r.detail AND i.indisvalid)
    WHEN 'role' THEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.name)
    -- row-level security on, and a tenant_isolation policy for the tenant role
    WHEN 'rls' THEN EXISTS (
        SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relname = r.name AND c.relrowsecurity)
        AND EXISTS (
        SELECT 1 FROM pg_policies p
        WHERE p.schemaname = current_schema() AND p.tablename = r.name
          AND p.policyname = 'tenant_isolation' AND 'sponsor_tenant' = ANY (p.roles))
    -- tables whose tenant_isolation policy lacks tenant_login_isolation or tenant_login_scope
    WHEN 'tenant_login_policies' THEN NOT EXISTS (
        SELECT 1 FROM pg_policies p
        WHERE p.schemaname = current_schema() AND p.policyname = 'tenant_isolation'
          AND (NOT EXISTS (SELECT 1 FROM pg_policies q
                           WHERE q.schemaname = p.schemaname AND q.tablename = p.tablename
                             AND q.policyname = 'tenant_login_isolation' AND q.permissive = 'PERMISSIVE'
                             AND 'sponsor_tenant_login' = ANY (q.roles))
               OR NOT EXISTS (SELECT 1 FROM pg_policies q
                              WHERE q.schemaname = p.schemaname AND q.tablename = p.tablename
                                AND q.policyname = 'tenant_login_scope' AND q.permissive = 'RESTRICTIVE')))
    WHEN 'security_definer' THEN EXISTS (
        SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = current_schema() AND p.proname = r.name AND p.prosecdef)
    WHEN 'trigger' THEN EXISTS (
        SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE t.tgname = r.name AND c.relname = r.detail AND NOT t.tgisinternal)
    WHEN 'function' THEN EXISTS (
        SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = current_schema() AND p.proname = r.name)
    WHEN 'column' THEN EXISTS (
        SELECT 1 FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = r.detail AND column_name = r.name)
    ELSE false
END
ORDER BY kind, name;
