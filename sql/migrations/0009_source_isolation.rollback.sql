-- Rollback of 0009_source_isolation: failed rows keep their status and error; the reason and the
-- retry stamp go. Idempotent: does nothing when etl_imports is already gone.
DO $$
BEGIN
    IF to_regclass('etl_imports') IS NOT NULL THEN
        DROP INDEX IF EXISTS ix_etl_imports_running;
        DROP INDEX IF EXISTS ux_etl_imports_failed_content;
        ALTER TABLE etl_imports DROP CONSTRAINT IF EXISTS ck_etl_imports_failure_reason;
        ALTER TABLE etl_imports DROP COLUMN IF EXISTS retried_at;
        ALTER TABLE etl_imports DROP COLUMN IF EXISTS failure_reason;
    END IF;
END
$$;
