-- 0017_campaign_reports: the register of campaign reports (one PDF and one CSV per campaign, which a
-- sales team sends the sponsor), written by the campaign_reports asset. A report is generated again
-- only when its fingerprint (sha256 of every figure it prints, dashboards/campaign_report.py)
-- changes or one of its files is missing. Idempotent.
-- depends: 0014_attribution

CREATE TABLE IF NOT EXISTS campaign_reports (
    tenant_id     text NOT NULL,
    campaign_id   text NOT NULL,
    as_of         date,                      -- newest day io_delivery measured; NULL before any IO was
    ios           integer NOT NULL CHECK (ios > 0),
    fingerprint   text NOT NULL,
    pdf_path      text NOT NULL,
    csv_path      text NOT NULL,
    pdf_bytes     integer NOT NULL CHECK (pdf_bytes > 0),
    generated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, campaign_id),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, campaign_id) ON DELETE CASCADE
);

-- Row-level security as on every tenant table (secure_tenant_table, 0008): tenant logins read, the
-- pipeline writes.
SELECT secure_tenant_table('campaign_reports');

-- Column descriptions (shown in the Dagster catalogue's column schema).
COMMENT ON COLUMN campaign_reports.tenant_id IS 'Network (tenant) of the campaign.';
COMMENT ON COLUMN campaign_reports.campaign_id IS 'The campaign (deal) the report covers.';
COMMENT ON COLUMN campaign_reports.as_of IS 'Day the report''s figures are as of: the newest io_delivery day of its IOs (NULL before any was measured).';
COMMENT ON COLUMN campaign_reports.ios IS 'Committed IOs (scheduled, live, paused, completed) the report lists.';
COMMENT ON COLUMN campaign_reports.fingerprint IS 'sha256 of every figure the report prints and its layout version; the report is generated again only when it changes.';
COMMENT ON COLUMN campaign_reports.pdf_path IS 'Path of the PDF report under the campaign reports folder.';
COMMENT ON COLUMN campaign_reports.csv_path IS 'Path of the CSV of the report''s tables (one row per IO and a TOTAL row).';
COMMENT ON COLUMN campaign_reports.pdf_bytes IS 'Size of the PDF in bytes.';
COMMENT ON COLUMN campaign_reports.generated_at IS 'When the PDF and CSV were last generated (UTC).';
