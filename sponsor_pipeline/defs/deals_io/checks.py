"""Owns the deals and IO domain's asset checks: io_delivery covers every IO exactly once; every
verification flag carries its evidence and is current."""

import dagster as dg

from sponsor_pipeline.defs.automation import CHECK_AUTOMATION
from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.warehouse import verification

SAMPLE = 10
# Named statement: IOs without an io_delivery row ('missing') and io_delivery rows without an IO ('extra').
COVERAGE = """
SELECT 'missing', b.tenant_id, b.io_id FROM io_bookings b
WHERE NOT EXISTS (SELECT 1 FROM io_delivery d WHERE d.tenant_id = b.tenant_id AND d.io_id = b.io_id)
UNION ALL
SELECT 'extra', d.tenant_id, d.io_id FROM io_delivery d
WHERE NOT EXISTS (SELECT 1 FROM io_bookings b WHERE d.tenant_id = b.tenant_id AND d.io_id = b.io_id)
ORDER BY 1, 2, 3
"""


@dg.asset_check(
    asset="io_delivery",
    automation_condition=CHECK_AUTOMATION,
    description="io_delivery has exactly one row per IO in io_bookings.",
)
def io_delivery_covers_every_io(postgres: PostgresResource) -> dg.AssetCheckResult:
    with postgres.connect() as conn:
        rows = conn.execute(COVERAGE).fetchall()
    missing = [f"{t}/{i}" for side, t, i in rows if side == "missing"]
    extra = [f"{t}/{i}" for side, t, i in rows if side == "extra"]
    return dg.AssetCheckResult(
        passed=not missing and not extra,
        metadata={
            "ios_without_row": len(missing),
            "rows_without_io": len(extra),
            "sample_ios_without_row": dg.MetadataValue.json(missing[:SAMPLE]),
            "sample_rows_without_io": dg.MetadataValue.json(extra[:SAMPLE]),
        },
    )


@dg.asset_check(
    asset="io_verification_flags",
    description=(
        "Every io_verification_flags row carries the evidence keys of its flag "
        "(sponsor_pipeline/verification.py EVIDENCE_KEYS) and was judged on its IO's io_delivery as-of day."
    ),
)
def io_verification_flags_have_evidence(postgres: PostgresResource) -> dg.AssetCheckResult:
    with postgres.connect() as conn:
        problems = verification.evidence_problems(conn)
        rows = conn.execute("SELECT count(*) FROM io_verification_flags").fetchone()
    return dg.AssetCheckResult(
        passed=not problems,
        metadata={
            "flags": rows[0] if rows else 0,
            "problems": len(problems),
            "sample_problems": dg.MetadataValue.json(problems[:SAMPLE]),
        },
    )
