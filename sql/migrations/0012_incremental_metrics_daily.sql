-- 0012_incremental_metrics_daily: metrics_daily becomes a table brought up to date for the days that
-- changed, and every value a source ever reported stays queryable. Idempotent.
-- depends: 0008_tenant_logins 0010_data_points
--
-- * metrics_daily: a TABLE with the columns, unique index ux_metrics_daily_day_ep_source and index
--   ix_metrics_daily_show_day of the former materialized view, converted in place (rows kept). The
--   metrics_daily asset replaces the rows of the touched (tenant, day) pairs in one transaction
--   (DELETE + INSERT), so readers never wait and see the old or the new day, never a mix.
--   Row-level security is on with no tenant policy and no tenant grant: tenants keep reading it
--   through tenant_metrics_daily, exactly as when it was a materialized view.
-- * metrics_daily_pending (tenant_id, day): the days whose listener_metrics rows changed since the
--   last refresh. Appended by statement-level triggers on listener_metrics inside the writing
--   transaction (imports, replays, hand edits alike), so a committed change always has its day
--   pending; consumed by the refresh. Append-only, no unique key: a refresh deletes exactly the rows
--   its snapshot sees, and a concurrent import's uncommitted rows stay for the next refresh.
-- * listener_metrics_history: every superseded value of a listener_metrics key, with when it was
--   reported (reported_at, the row's loaded_at) and when it stopped being current (superseded_at).
--   Appended only when downloads, listeners or listen_seconds change (or the row is deleted); a
--   re-sent identical row changes nothing, so adds nothing. The current value stays in
--   listener_metrics, whose loaded_at is when it was reported: the SQL:2011 system-versioned
--   pattern (current table + history table), so first loads write no second copy.
-- * metrics_as_reported(d date) / metrics_as_reported_at(t timestamptz): the rows as they stood at
--   the end of day d (UTC) / at instant t, from listener_metrics and listener_metrics_history.
-- * listener_metrics_capture_triggers(): (re)creates the triggers on listener_metrics; sql/partitioning
--   calls it after recreating the table.

-- 1. metrics_daily: the materialized view becomes a table with the same rows -------------------------
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_matviews WHERE schemaname = current_schema() AND matviewname = 'metrics_daily') THEN
        DROP VIEW IF EXISTS tenant_metrics_daily;
        ALTER MATERIALIZED VIEW metrics_daily RENAME TO metrics_daily_matview;
        ALTER INDEX ux_metrics_daily_day_ep_source RENAME TO ux_metrics_daily_matview_key;
        ALTER INDEX IF EXISTS ix_metrics_daily_show_day RENAME TO ix_metrics_daily_matview_show_day;
        CREATE TABLE metrics_daily (
            tenant_id       text NOT NULL,
            day             date NOT NULL,
            show_id         text NOT NULL,
            episode_id      text,
            source          text NOT NULL,
            downloads       bigint,
            listeners       bigint,
            listen_seconds  bigint
        );
        INSERT INTO metrics_daily SELECT * FROM metrics_daily_matview;
        DROP MATERIALIZED VIEW metrics_daily_matview;
    END IF;
END
$$;

CREATE TABLE IF NOT EXISTS metrics_daily (
    tenant_id       text NOT NULL,
    day             date NOT NULL,
    show_id         text NOT NULL,
    episode_id      text,
    source          text NOT NULL,
    downloads       bigint,
    listeners       bigint,
    listen_seconds  bigint
);
-- Show-level rows (episode_id NULL) stay distinct, one per show, as in the view.
CREATE UNIQUE INDEX IF NOT EXISTS ux_metrics_daily_day_ep_source
    ON metrics_daily (tenant_id, day, episode_id, source);
CREATE INDEX IF NOT EXISTS ix_metrics_daily_show_day ON metrics_daily (tenant_id, show_id, day);
ALTER TABLE metrics_daily ENABLE ROW LEVEL SECURITY;  -- no tenant policy: read through tenant_metrics_daily
REVOKE ALL ON metrics_daily FROM PUBLIC;

-- tenant_metrics_daily over the table; the 0008 definition (tenant login or app.tenant_id).
DO $$
BEGIN
    IF to_regprocedure('tenant_login_policies()') IS NOT NULL THEN
        PERFORM tenant_login_policies();
    ELSE
        CREATE OR REPLACE VIEW tenant_metrics_daily WITH (security_barrier) AS
        SELECT * FROM metrics_daily WHERE tenant_id = current_setting('app.tenant_id', true);
        GRANT SELECT ON tenant_metrics_daily TO sponsor_tenant;
    END IF;
END
$$;

-- 2. the days waiting for a refresh -------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS metrics_daily_pending (
    tenant_id    text NOT NULL,
    day          date NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS ix_metrics_daily_pending_day ON metrics_daily_pending (day);
ALTER TABLE metrics_daily_pending ENABLE ROW LEVEL SECURITY;  -- no policy: the pipeline's bookkeeping
REVOKE ALL ON metrics_daily_pending FROM PUBLIC;

-- 3. superseded values -------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS listener_metrics_history (
    tenant_id       text NOT NULL,
    day             date NOT NULL,
    show_id         text NOT NULL,
    episode_id      text,
    source          text NOT NULL,
    downloads       bigint,
    listeners       bigint,
    listen_seconds  bigint,
    import_id       bigint,                -- the import that reported the value
    reported_at     timestamptz NOT NULL,  -- when the value was reported (its loaded_at)
    superseded_at   timestamptz NOT NULL,  -- when a revision or a deletion replaced it
    CHECK (superseded_at >= reported_at)
);
CREATE INDEX IF NOT EXISTS ix_listener_metrics_history_key
    ON listener_metrics_history (tenant_id, day, show_id, episode_id, source, superseded_at);

-- Row-level security and grants as on listener_metrics (0001 tenant_isolation, 0008 login policies):
-- a tenant reads its own restatements and writes none.
DO $$
BEGIN
    ALTER TABLE listener_metrics_history ENABLE ROW LEVEL SECURITY;
    DROP POLICY IF EXISTS tenant_isolation ON listener_metrics_history;
    CREATE POLICY tenant_isolation ON listener_metrics_history TO sponsor_tenant
        USING (tenant_id = current_setting('app.tenant_id', true));
    REVOKE ALL ON listener_metrics_history FROM PUBLIC;
    GRANT SELECT ON listener_metrics_history TO sponsor_tenant;
    IF to_regprocedure('login_tenant_id()') IS NOT NULL THEN
        DROP POLICY IF EXISTS tenant_login_isolation ON listener_metrics_history;
        CREATE POLICY tenant_login_isolation ON listener_metrics_history TO sponsor_tenant_login
            USING (tenant_id = (SELECT login_tenant_id()));
        DROP POLICY IF EXISTS tenant_login_scope ON listener_metrics_history;
        CREATE POLICY tenant_login_scope ON listener_metrics_history AS RESTRICTIVE TO PUBLIC
            USING (NOT (SELECT is_tenant_login()) OR tenant_id = (SELECT login_tenant_id()));
        GRANT SELECT ON listener_metrics_history TO sponsor_tenant_login;
    END IF;
END
$$;

-- 4. capture on listener_metrics ----------------------------------------------------------------------
-- A revised value is reported now: loaded_at follows the value whoever updates it (the import sets it
-- too), so the current row's loaded_at is always the start of its validity.
CREATE OR REPLACE FUNCTION listener_metrics_stamp_reported_at() RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    NEW.loaded_at := now();
    RETURN NEW;
END
$fn$;

-- One function for the three statement-level triggers; each branch reads only the transition
-- tables its event has (PL/pgSQL plans a statement when it first runs). Keys are matched on
-- (tenant_id, day, show_id, source, coalesce(episode_id, '')) so the join can hash, and exactly with
-- IS NOT DISTINCT FROM. Runs as the owner: a trusted-backend session that may write listener_metrics
-- has no grant on the bookkeeping it fills.
CREATE OR REPLACE FUNCTION listener_metrics_capture() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path FROM CURRENT
AS $fn$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO metrics_daily_pending (tenant_id, day)
        SELECT DISTINCT tenant_id, day FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
        WITH changed AS MATERIALIZED (
            SELECT o.*, n.tenant_id IS NULL AS moved
            FROM old_rows o
            LEFT JOIN new_rows n
              ON n.tenant_id = o.tenant_id AND n.day = o.day AND n.show_id = o.show_id
             AND n.source = o.source AND coalesce(n.episode_id, '') = coalesce(o.episode_id, '')
             AND n.episode_id IS NOT DISTINCT FROM o.episode_id
            WHERE n.tenant_id IS NULL
               OR (n.downloads, n.listeners, n.listen_seconds)
                  IS DISTINCT FROM (o.downloads, o.listeners, o.listen_seconds)
        ), kept AS (
            INSERT INTO listener_metrics_history (tenant_id, day, show_id, episode_id, source, downloads,
                                                  listeners, listen_seconds, import_id, reported_at,
                                                  superseded_at)
            SELECT tenant_id, day, show_id, episode_id, source, downloads, listeners, listen_seconds,
                   import_id, least(loaded_at, now()), now()
            FROM changed
        )
        INSERT INTO metrics_daily_pending (tenant_id, day)
        SELECT tenant_id, day FROM changed
        UNION
        -- a key that moved (day, show or episode updated) also changes the day it moved to
        SELECT n.tenant_id, n.day FROM new_rows n WHERE EXISTS (SELECT 1 FROM changed WHERE moved);
    ELSIF TG_OP = 'DELETE' THEN
        WITH gone AS (
            INSERT INTO listener_metrics_history (tenant_id, day, show_id, episode_id, source, downloads,
                                                  listeners, listen_seconds, import_id, reported_at,
                                                  superseded_at)
            SELECT tenant_id, day, show_id, episode_id, source, downloads, listeners, listen_seconds,
                   import_id, least(loaded_at, now()), now()
            FROM old_rows
            RETURNING tenant_id, day
        )
        INSERT INTO metrics_daily_pending (tenant_id, day) SELECT DISTINCT tenant_id, day FROM gone;
    ELSIF TG_OP = 'TRUNCATE' THEN
        -- Not a restatement (no history is written); every day metrics_daily holds is now stale.
        INSERT INTO metrics_daily_pending (tenant_id, day) SELECT DISTINCT tenant_id, day FROM metrics_daily;
    END IF;
    RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION listener_metrics_capture() FROM PUBLIC;

-- (Re)creates the capture triggers on listener_metrics (plain or partitioned parent). Transition
-- tables allow one event per trigger, hence three.
CREATE OR REPLACE FUNCTION listener_metrics_capture_triggers() RETURNS void
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
BEGIN
    DROP TRIGGER IF EXISTS trg_listener_metrics_reported_at ON listener_metrics;
    CREATE TRIGGER trg_listener_metrics_reported_at BEFORE UPDATE ON listener_metrics
        FOR EACH ROW
        WHEN ((OLD.downloads, OLD.listeners, OLD.listen_seconds)
              IS DISTINCT FROM (NEW.downloads, NEW.listeners, NEW.listen_seconds))
        EXECUTE FUNCTION listener_metrics_stamp_reported_at();
    DROP TRIGGER IF EXISTS trg_listener_metrics_capture_insert ON listener_metrics;
    CREATE TRIGGER trg_listener_metrics_capture_insert AFTER INSERT ON listener_metrics
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION listener_metrics_capture();
    DROP TRIGGER IF EXISTS trg_listener_metrics_capture_update ON listener_metrics;
    CREATE TRIGGER trg_listener_metrics_capture_update AFTER UPDATE ON listener_metrics
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION listener_metrics_capture();
    DROP TRIGGER IF EXISTS trg_listener_metrics_capture_delete ON listener_metrics;
    CREATE TRIGGER trg_listener_metrics_capture_delete AFTER DELETE ON listener_metrics
        REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION listener_metrics_capture();
    DROP TRIGGER IF EXISTS trg_listener_metrics_capture_truncate ON listener_metrics;
    CREATE TRIGGER trg_listener_metrics_capture_truncate AFTER TRUNCATE ON listener_metrics
        FOR EACH STATEMENT EXECUTE FUNCTION listener_metrics_capture();
END
$fn$;
REVOKE ALL ON FUNCTION listener_metrics_capture_triggers() FROM PUBLIC;
DO $$ BEGIN PERFORM listener_metrics_capture_triggers(); END $$;

-- 5. as reported -------------------------------------------------------------------------------------
-- The listener_metrics rows as they stood at instant as_of: the current rows reported by then, and
-- the superseded values that were current then (reported_at <= as_of < superseded_at). Runs with the
-- caller's rights, so a tenant sees its own rows only.
CREATE OR REPLACE FUNCTION metrics_as_reported_at(as_of timestamptz)
RETURNS TABLE (tenant_id text, day date, show_id text, episode_id text, source text, downloads bigint,
               listeners bigint, listen_seconds bigint, import_id bigint, reported_at timestamptz)
LANGUAGE sql STABLE
AS $fn$
    SELECT m.tenant_id, m.day, m.show_id, m.episode_id, m.source, m.downloads, m.listeners,
           m.listen_seconds, m.import_id, m.loaded_at
    FROM listener_metrics m
    WHERE m.loaded_at <= as_of
    UNION ALL
    SELECT h.tenant_id, h.day, h.show_id, h.episode_id, h.source, h.downloads, h.listeners,
           h.listen_seconds, h.import_id, h.reported_at
    FROM listener_metrics_history h
    WHERE h.reported_at <= as_of AND h.superseded_at > as_of
$fn$;

-- As reported on date d: the values that stood at the end of d (the last instant before d + 1,
-- 00:00 UTC), e.g. for the invoice of a month: SELECT ... FROM metrics_as_reported('2026-10-31').
CREATE OR REPLACE FUNCTION metrics_as_reported(d date)
RETURNS TABLE (tenant_id text, day date, show_id text, episode_id text, source text, downloads bigint,
               listeners bigint, listen_seconds bigint, import_id bigint, reported_at timestamptz)
LANGUAGE sql STABLE
AS $fn$
    SELECT * FROM metrics_as_reported_at(((d + 1)::timestamp AT TIME ZONE 'UTC') - interval '1 microsecond')
$fn$;
