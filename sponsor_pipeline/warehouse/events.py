"""Owns the one event writer: rows in ``events``, deduplicated by ``dedupe_key``.

Event types in use: ``etl.import_completed``, ``etl.error``, ``io.scheduled``, ``io.status_changed``,
``io.delivered``, ``deal.stage_changed``, ``match.recalculated``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

_INSERT = """
INSERT INTO events (tenant_id, event_type, entity_type, entity_id, payload, dedupe_key, occurred_at)
VALUES (%(tenant_id)s, %(event_type)s, %(entity_type)s, %(entity_id)s, %(payload)s, %(dedupe_key)s,
        coalesce(%(occurred_at)s, now()))
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING event_id
"""


def record_event(
    conn: psycopg.Connection,
    event_type: str,
    *,
    tenant_id: str | None,
    payload: dict[str, Any],
    entity_type: str | None = None,
    entity_id: str | None = None,
    dedupe_key: str | None = None,
    occurred_at: datetime | None = None,
) -> int | None:
    """Insert one event in the caller's transaction.

    Returns the new ``event_id``, or None when an event with the same ``dedupe_key`` already exists
    (so a retried writer records nothing twice). ``payload`` must be JSON-serialisable.
    """
    row = conn.execute(
        _INSERT,
        {
            "tenant_id": tenant_id,
            "event_type": event_type,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "payload": Jsonb(payload),
            "dedupe_key": dedupe_key,
            "occurred_at": occurred_at,
        },
    ).fetchone()
    return row[0] if row else None
