"""Owns the SQL of the IO documents register: the IO rows a document prints, stored fingerprints.

psycopg 3, no Dagster. One ``io_documents`` row per IO whose PDF is on disk.
"""

from __future__ import annotations

import psycopg

from sponsor_pipeline.dashboards.io_document import IoDocument

# Everything an insertion order prints, one row per IO (draft and cancelled IOs included: a draft
# IO is what gets sent for signature).
IO_DOCUMENT_ROWS = """
SELECT b.tenant_id, t.name AS tenant_name, b.io_id, b.status, a.name AS advertiser_name,
       c.name AS campaign_name, s.title AS show_title, e.title AS episode_title, b.flight_start,
       b.flight_end, u.name AS ad_unit, b.booked_impressions, b.cpm, b.promo_code, b.vanity_url
FROM io_bookings b
JOIN tenants t USING (tenant_id)
JOIN campaigns c USING (tenant_id, campaign_id)
JOIN advertisers a ON a.tenant_id = c.tenant_id AND a.advertiser_id = c.advertiser_id
JOIN shows s ON s.tenant_id = b.tenant_id AND s.show_id = b.show_id
LEFT JOIN episodes e ON e.tenant_id = b.tenant_id AND e.episode_id = b.episode_id
LEFT JOIN ad_units u ON u.tenant_id = b.tenant_id AND u.ad_unit_id = b.ad_unit_id
ORDER BY b.tenant_id, b.io_id
"""

STORED = "SELECT tenant_id, io_id, fingerprint, path FROM io_documents"

UPSERT = """
INSERT INTO io_documents (tenant_id, io_id, fingerprint, path, bytes, rendered_at)
VALUES (%(tenant_id)s, %(io_id)s, %(fingerprint)s, %(path)s, %(bytes)s, now())
ON CONFLICT (tenant_id, io_id) DO UPDATE
SET fingerprint = EXCLUDED.fingerprint, path = EXCLUDED.path, bytes = EXCLUDED.bytes,
    rendered_at = EXCLUDED.rendered_at
"""


def io_documents(conn: psycopg.Connection) -> list[IoDocument]:
    """Every IO as an :class:`IoDocument`."""
    with conn.cursor() as cur:
        cur.execute(IO_DOCUMENT_ROWS)
        names = [d.name for d in cur.description]
        return [IoDocument(**dict(zip(names, row))) for row in cur.fetchall()]


def stored_fingerprints(conn: psycopg.Connection) -> dict[tuple[str, str], tuple[str, str]]:
    """``{(tenant_id, io_id): (fingerprint, path)}`` of the documents rendered so far."""
    return {(t, i): (f, p) for t, i, f, p in conn.execute(STORED).fetchall()}


def record_document(conn: psycopg.Connection, doc: IoDocument, fingerprint: str, path: str, size: int) -> None:
    """Upsert the register row of a freshly written PDF (caller's transaction)."""
    conn.execute(
        UPSERT,
        {"tenant_id": doc.tenant_id, "io_id": doc.io_id, "fingerprint": fingerprint, "path": path, "bytes": size},
    )
