"""Owns the deals and IO domain's asset checks: io_delivery covers every IO exactly once."""

import dagster as dg

from sponsor_pipeline.resources import PostgresResource


@dg.asset_check(asset="io_delivery", description="io_delivery has exactly one row per IO in io_bookings.")
def io_delivery_covers_every_io(postgres: PostgresResource) -> dg.AssetCheckResult:
    with postgres.connect() as conn:
        missing, extra = conn.execute(
            "SELECT (SELECT count(*) FROM io_bookings b WHERE NOT EXISTS ("
            "  SELECT 1 FROM io_delivery d WHERE d.tenant_id = b.tenant_id AND d.io_id = b.io_id)),"
            " (SELECT count(*) FROM io_delivery d WHERE NOT EXISTS ("
            "  SELECT 1 FROM io_bookings b WHERE d.tenant_id = b.tenant_id AND d.io_id = b.io_id))"
        ).fetchone()
    return dg.AssetCheckResult(
        passed=missing == 0 and extra == 0, metadata={"ios_without_row": missing, "rows_without_io": extra}
    )
