-- 0009_source_isolation: a failed source is recorded once per content and not retried until its
-- content changes or a run asks for it; an import whose process died is told apart.
--   etl_imports.failure_reason: 'content' (the bytes cannot be loaded: bad shape, unknown payload;
--     the same checksum will fail the same way, so it is not retried), 'error' (anything else: a
--     database or network error; retried on the next run), 'interrupted' (the importing process died:
--     its row was left 'running' with no advisory lock held; retried on the next run).
--   etl_imports.retried_at: when a later import of the same content superseded this failed row.
-- At most one unretried content failure per (source_kind, checksum): ux_etl_imports_failed_content.
-- Idempotent.
-- depends: 0007_dashboards

ALTER TABLE etl_imports ADD COLUMN IF NOT EXISTS failure_reason text;
ALTER TABLE etl_imports ADD COLUMN IF NOT EXISTS retried_at timestamptz;

UPDATE etl_imports SET failure_reason = 'error' WHERE status = 'failed' AND failure_reason IS NULL;

ALTER TABLE etl_imports DROP CONSTRAINT IF EXISTS ck_etl_imports_failure_reason;
ALTER TABLE etl_imports ADD CONSTRAINT ck_etl_imports_failure_reason CHECK (
    (status = 'failed' AND failure_reason IN ('content', 'error', 'interrupted'))
    OR (status <> 'failed' AND failure_reason IS NULL)
);

CREATE UNIQUE INDEX IF NOT EXISTS ux_etl_imports_failed_content
    ON etl_imports (source_kind, checksum)
    WHERE status = 'failed' AND failure_reason = 'content' AND retried_at IS NULL;

CREATE INDEX IF NOT EXISTS ix_etl_imports_running ON etl_imports (source_uri) WHERE status = 'running';
