-- Rollback of 0015_performance_windows. Idempotent.
DROP TABLE IF EXISTS episode_performance;
DROP TABLE IF EXISTS episode_download_windows;
