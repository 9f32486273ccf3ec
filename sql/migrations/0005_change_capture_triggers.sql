-- 0005_change_capture_triggers: database triggers that append every IO status and deal stage
-- transition to change_log (0003), whoever writes io_bookings or campaigns: the pipeline's imports,
-- an application, or a person in psql. AFTER ... FOR EACH ROW, so only committed rows are logged
-- (a rolled-back transaction takes its change_log rows with it); an UPDATE is logged only when the
-- value really changes. The io_status_sensor and deal_stage_sensor read change_log past their cursor.
-- Idempotent (CREATE OR REPLACE).
-- depends: 0003_delivery_and_change_log

-- io_bookings: insert (from_value NULL) and status change.
CREATE OR REPLACE FUNCTION change_log_io_booking_status() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO change_log (tenant_id, entity_type, entity_id, from_value, to_value)
    VALUES (NEW.tenant_id, 'io_booking', NEW.io_id,
            CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status);
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER trg_io_bookings_change_log_insert
    AFTER INSERT ON io_bookings
    FOR EACH ROW EXECUTE FUNCTION change_log_io_booking_status();

CREATE OR REPLACE TRIGGER trg_io_bookings_change_log_status
    AFTER UPDATE OF status ON io_bookings
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION change_log_io_booking_status();

-- campaigns: insert (from_value NULL) and stage change.
CREATE OR REPLACE FUNCTION change_log_campaign_stage() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO change_log (tenant_id, entity_type, entity_id, from_value, to_value)
    VALUES (NEW.tenant_id, 'campaign', NEW.campaign_id,
            CASE WHEN TG_OP = 'UPDATE' THEN OLD.stage END, NEW.stage);
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER trg_campaigns_change_log_insert
    AFTER INSERT ON campaigns
    FOR EACH ROW EXECUTE FUNCTION change_log_campaign_stage();

CREATE OR REPLACE TRIGGER trg_campaigns_change_log_stage
    AFTER UPDATE OF stage ON campaigns
    FOR EACH ROW WHEN (OLD.stage IS DISTINCT FROM NEW.stage)
    EXECUTE FUNCTION change_log_campaign_stage();
