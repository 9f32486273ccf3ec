"""Triggers on io_bookings and campaigns append every IO status and deal stage transition to change_log."""

import psycopg

from sponsor_pipeline.db import server

IO = ("northwind-audio", "nw-io-001")


def _log(conn, entity_type):
    return conn.execute(
        "SELECT tenant_id, entity_id, from_value, to_value FROM change_log WHERE entity_type = %s ORDER BY change_id",
        (entity_type,),
    ).fetchall()


def test_import_inserts_are_logged_with_no_from_value(reference):
    ios = reference.execute("SELECT count(*) FROM io_bookings").fetchone()[0]
    campaigns = reference.execute("SELECT count(*) FROM campaigns").fetchone()[0]
    io_rows, campaign_rows = _log(reference, "io_booking"), _log(reference, "campaign")
    assert len(io_rows) == ios and len(campaign_rows) == campaigns
    assert all(r[2] is None for r in io_rows + campaign_rows)


def test_plain_sql_status_and_stage_changes_are_captured_once_each(reference):
    reference.execute("DELETE FROM change_log")
    reference.execute("UPDATE io_bookings SET status = 'paused' WHERE tenant_id = %s AND io_id = %s", IO)
    reference.execute("UPDATE io_bookings SET status = 'paused' WHERE tenant_id = %s AND io_id = %s", IO)
    reference.execute("UPDATE io_bookings SET cpm = cpm + 1 WHERE tenant_id = %s AND io_id = %s", IO)
    reference.execute("UPDATE campaigns SET stage = 'negotiation' WHERE campaign_id = 'nw-cmp-001'")
    reference.execute("UPDATE campaigns SET name = name || ' (renamed)' WHERE campaign_id = 'nw-cmp-001'")
    reference.commit()
    assert _log(reference, "io_booking") == [("northwind-audio", "nw-io-001", "completed", "paused")]
    assert _log(reference, "campaign") == [("northwind-audio", "nw-cmp-001", "won", "negotiation")]
    ids, times, txids = zip(
        *reference.execute("SELECT change_id, changed_at, txid FROM change_log ORDER BY change_id").fetchall()
    )
    assert list(ids) == sorted(ids) and list(times) == sorted(times) and all(t > 0 for t in txids)


def test_rolled_back_change_leaves_no_row(reference):
    reference.execute("DELETE FROM change_log")
    reference.commit()
    reference.execute("UPDATE io_bookings SET status = 'cancelled' WHERE tenant_id = %s AND io_id = %s", IO)
    reference.rollback()
    assert _log(reference, "io_booking") == []


def test_upsert_that_changes_status_is_logged_as_an_update(reference):
    reference.execute("DELETE FROM change_log")
    reference.execute(
        "INSERT INTO io_bookings (tenant_id, io_id, campaign_id, show_id, flight_start, flight_end, "
        "booked_impressions, cpm, status) SELECT tenant_id, io_id, campaign_id, show_id, flight_start, "
        "flight_end, booked_impressions, cpm, 'live' FROM io_bookings WHERE tenant_id = %s AND io_id = %s "
        "ON CONFLICT (tenant_id, io_id) DO UPDATE SET status = EXCLUDED.status",
        IO,
    )
    reference.commit()
    assert _log(reference, "io_booking") == [("northwind-audio", "nw-io-001", "completed", "live")]


def test_tenant_role_changes_are_captured_under_row_level_security(reference, db_url):
    reference.execute("DELETE FROM change_log")
    reference.commit()
    with psycopg.connect(server.libpq_dsn(db_url)) as tenant:
        tenant.execute("SET ROLE sponsor_tenant")
        tenant.execute("SELECT set_config('app.tenant_id', 'northwind-audio', false)")
        tenant.execute("UPDATE campaigns SET stage = 'lost' WHERE campaign_id = 'nw-cmp-002'")
        tenant.commit()
        assert [r[1] for r in tenant.execute("SELECT * FROM change_log").fetchall()] == ["northwind-audio"]
    assert _log(reference, "campaign") == [("northwind-audio", "nw-cmp-002", "won", "lost")]
