"""Owns reading ``change_log`` past a sensor cursor and turning each transition into one event.

No Dagster here: the sensors in ``defs/deals_io/sensors.py`` call :func:`process_changes` and wrap its
result in a ``SensorResult``.

Exactly once. Every event carries ``dedupe_key = 'change_log:<change_id>'`` (unique in ``events``),
so writing a transition twice is a no-op, and all events of a tick commit together.

Nothing missed. ``change_id`` comes from an identity sequence, so ids are handed out in order but can
commit out of order: a transaction still open when the sensor reads may later commit a *lower* id
than one already read. The cursor therefore keeps two positions:

* ``last_change_id`` — the highest id processed;
* ``settled_change_id`` — every id at or below it is final (processed, or rolled back for good).

Ids between the two are read again, but only those without an event written by an earlier,
completed tick (``event_id <= event_watermark``) — i.e. late commits and the rows of a tick that
failed after committing its events (whose run requests must still go out). The settled position
moves up to a candidate ``last_change_id`` once every transaction that could hold an id at or below
it has ended. Such a transaction had its transaction id assigned before the candidate was read, so
its id is below the tick's own id (``pg_current_xact_id()``, assigned after that read); the
candidate settles in a later tick whose snapshot's oldest running transaction id
(``pg_snapshot_xmin``) is above the recorded one. (Snapshot ``xmax`` would not do: it is one past
the latest *completed* transaction, and a running transaction may hold a higher id.) PostgreSQL
docs, "Transaction ID and Snapshot Information Functions".

Cost. The read is an index range scan on ``change_log (entity_type, change_id)`` (0003) plus
primary-key lookups of the IO or campaign and unique-index lookups of ``events.dedupe_key``; it does
not grow with the size of ``io_bookings`` or ``campaigns``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from sponsor_pipeline import transitions
from sponsor_pipeline.warehouse.events import record_event

IO_BOOKING = "io_booking"
CAMPAIGN = "campaign"

DEFAULT_BATCH_SIZE = 500

# First statement of the tick's REPEATABLE READ transaction: takes the snapshot, then assigns the
# tick's transaction id, which is above every transaction id assigned before the snapshot.
SNAPSHOT = """
SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin,
       pg_current_xact_id()::text::bigint AS own_xid
"""

# Rows past the settled position that still need an event from this tick (see module docstring).
_PENDING = """
SELECT c.change_id, c.tenant_id, c.entity_id, c.from_value, c.to_value, c.changed_at, c.txid{columns}
FROM change_log c
{join}
WHERE c.entity_type = %(entity_type)s
  AND c.change_id > %(settled)s
  AND (c.change_id > %(last)s
       OR NOT EXISTS (SELECT 1 FROM events e
                      WHERE e.dedupe_key = 'change_log:' || c.change_id
                        AND e.event_id <= %(watermark)s))
ORDER BY c.change_id
LIMIT %(limit)s
"""

IO_PENDING = _PENDING.format(
    columns=", b.campaign_id, b.show_id, b.episode_id, b.flight_start, b.flight_end, b.booked_impressions",
    join="LEFT JOIN io_bookings b ON b.tenant_id = c.tenant_id AND b.io_id = c.entity_id",
)
CAMPAIGN_PENDING = _PENDING.format(columns="", join="")

EVENT_WATERMARK = "SELECT coalesce(max(event_id), 0) FROM events"


@dataclass(frozen=True)
class Cursor:
    """The sensors' JSON cursor (see module docstring)."""

    last_change_id: int = 0
    settled_change_id: int = 0
    event_watermark: int = 0
    settle_candidate: int | None = None  # a last_change_id waiting to become settled ...
    settle_after_xid: int | None = None  # ... once every transaction id up to this one has ended

    @classmethod
    def parse(cls, raw: str | None) -> Cursor:
        """From the sensor's cursor string (None or empty: start at the beginning of change_log).

        Raises:
            ValueError: the string is not a JSON object of this shape.
        """
        if not raw:
            return cls()
        try:
            data = json.loads(raw)
            return cls(**data)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"unreadable change_log sensor cursor {raw!r}: {exc}") from exc

    def dumps(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True)


@dataclass(frozen=True)
class Transition:
    """One change_log row with the event it produced."""

    change_id: int
    tenant_id: str
    entity_id: str
    from_value: str | None
    to_value: str
    changed_at: datetime
    event_type: str
    payload: dict[str, Any]
    event_id: int | None  # None: the event already existed (written by an earlier tick)

    @property
    def dedupe_key(self) -> str:
        return dedupe_key(self.change_id)


@dataclass(frozen=True)
class Batch:
    """What one tick read and wrote, and the cursor to store when the tick succeeds."""

    transitions: list[Transition]
    cursor: Cursor
    events_written: int
    snapshot_xmin: int
    own_xid: int
    more_pending: bool = field(default=False)

    @property
    def change_ids(self) -> list[int]:
        return [t.change_id for t in self.transitions]

    def run_key(self, prefix: str, change_ids: list[int] | None = None) -> str:
        """Deterministic run key from the transition ids: ``<prefix>:<first>-<last>:<sha1[:12]>``."""
        return run_key(prefix, self.change_ids if change_ids is None else change_ids)


def dedupe_key(change_id: int) -> str:
    """The events.dedupe_key of the sensor event for one change_log row."""
    return f"change_log:{change_id}"


def run_key(prefix: str, change_ids: list[int]) -> str:
    """``<prefix>:<first>-<last>:<first 12 hex of sha1 of the ids>``: the same ids give the same key."""
    ids = sorted(change_ids)
    digest = hashlib.sha1(",".join(map(str, ids)).encode()).hexdigest()[:12]
    return f"{prefix}:{ids[0]}-{ids[-1]}:{digest}"


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def io_event(row: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Event type and payload of one io_booking change_log row joined to its IO (current values)."""
    event_type = transitions.io_event_type(row["from_value"], row["to_value"])
    payload = {
        "change_id": row["change_id"],
        "io_id": row["entity_id"],
        "campaign_id": row["campaign_id"],
        "show_id": row["show_id"],
        "episode_id": row["episode_id"],  # None: run-of-show IO
        "flight_start": _iso(row["flight_start"]),
        "flight_end": _iso(row["flight_end"]),
        "booked_impressions": row["booked_impressions"],
        "from_status": row["from_value"],
        "to_status": row["to_value"],
        "changed_at": _iso(row["changed_at"]),
    }
    return event_type, payload


def deal_event(row: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Event type and payload of one campaign change_log row (flags from :mod:`transitions`)."""
    move = transitions.classify_stage_move(row["from_value"], row["to_value"])
    payload = {
        "change_id": row["change_id"],
        "campaign_id": row["entity_id"],
        "from_stage": row["from_value"],
        "to_stage": row["to_value"],
        "changed_at": _iso(row["changed_at"]),
        **move.as_payload(),
    }
    return transitions.DEAL_STAGE_CHANGED, payload


_KINDS: dict[str, tuple[str, Callable[[dict[str, Any]], tuple[str, dict[str, Any]]]]] = {
    IO_BOOKING: (IO_PENDING, io_event),
    CAMPAIGN: (CAMPAIGN_PENDING, deal_event),
}


def process_changes(
    conn: psycopg.Connection,
    entity_type: str,
    cursor: Cursor,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> Batch:
    """Write one event per pending ``entity_type`` transition past ``cursor`` and commit them.

    ``conn`` must be outside a transaction; the tick runs in one REPEATABLE READ transaction (one
    snapshot for the snapshot bounds and the rows), committed before returning. At most
    ``batch_size`` transitions, in ``change_id`` order; ``Batch.more_pending`` says whether the
    batch was full. On any error the transaction rolls back and nothing is written.

    Raises:
        ValueError: unknown ``entity_type`` or ``batch_size`` < 1.
    """
    if entity_type not in _KINDS:
        raise ValueError(f"entity_type must be one of {sorted(_KINDS)}, got {entity_type!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    query, to_event = _KINDS[entity_type]
    previous_level = conn.isolation_level
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    try:
        with conn.transaction():
            xmin, own_xid = conn.execute(SNAPSHOT).fetchone()
            with conn.cursor(row_factory=dict_row) as cur:
                rows = cur.execute(
                    query,
                    {
                        "entity_type": entity_type,
                        "settled": cursor.settled_change_id,
                        "last": cursor.last_change_id,
                        "watermark": cursor.event_watermark,
                        "limit": batch_size,
                    },
                ).fetchall()
            written: list[Transition] = []
            for row in rows:
                event_type, payload = to_event(row)
                event_id = record_event(
                    conn,
                    event_type,
                    tenant_id=row["tenant_id"],
                    payload=payload,
                    entity_type=entity_type,
                    entity_id=row["entity_id"],
                    dedupe_key=dedupe_key(row["change_id"]),
                    occurred_at=row["changed_at"],
                )
                written.append(
                    Transition(
                        change_id=row["change_id"],
                        tenant_id=row["tenant_id"],
                        entity_id=row["entity_id"],
                        from_value=row["from_value"],
                        to_value=row["to_value"],
                        changed_at=row["changed_at"],
                        event_type=event_type,
                        payload=payload,
                        event_id=event_id,
                    )
                )
            watermark = conn.execute(EVENT_WATERMARK).fetchone()[0]
    finally:
        conn.isolation_level = previous_level
    full = len(rows) == batch_size
    return Batch(
        transitions=written,
        cursor=advance_cursor(cursor, [t.change_id for t in written], full, xmin, own_xid, watermark),
        events_written=sum(1 for t in written if t.event_id is not None),
        snapshot_xmin=xmin,
        own_xid=own_xid,
        more_pending=full,
    )


def advance_cursor(
    cursor: Cursor, change_ids: list[int], batch_full: bool, xmin: int, own_xid: int, watermark: int
) -> Cursor:
    """The cursor after a tick that processed ``change_ids`` (ascending) with snapshot ``xmin`` and
    transaction id ``own_xid``.

    Pure function; the rules are in the module docstring. A candidate recorded by an earlier tick
    settles when ``xmin > settle_after_xid``; when the batch was full, rows above its last id may
    still be unread, so nothing above that id settles in this tick. A new candidate (the highest id
    processed) is recorded with ``own_xid``.
    """
    last = max([cursor.last_change_id, *change_ids])
    settled = cursor.settled_change_id
    candidate, after_xid = cursor.settle_candidate, cursor.settle_after_xid
    if candidate is not None and xmin > after_xid:
        reach = min(candidate, change_ids[-1]) if batch_full and change_ids else candidate
        settled = max(settled, reach)
        if settled >= candidate:
            candidate, after_xid = None, None
    if candidate is None and last > settled:
        candidate, after_xid = last, own_xid
    return Cursor(
        last_change_id=last,
        settled_change_id=settled,
        event_watermark=max(cursor.event_watermark, watermark),
        settle_candidate=candidate,
        settle_after_xid=after_xid,
    )


# Oldest change_log row of a type with no sensor event (the sensor lag), and the events high-water mark.
RESUME_POINT = """
SELECT (SELECT min(c.change_id) FROM change_log c
        WHERE c.entity_type = %(entity_type)s
          AND NOT EXISTS (SELECT 1 FROM events e WHERE e.dedupe_key = 'change_log:' || c.change_id)),
       (SELECT coalesce(max(change_id), 0) FROM change_log),
       (SELECT coalesce(max(event_id), 0) FROM events)
"""


def cursor_from_events(conn: psycopg.Connection, entity_type: str) -> Cursor:
    """A cursor that resumes just before the oldest ``entity_type`` transition without an event.

    For a sensor started without a stored cursor (the demo, a new deployment on an existing
    warehouse): what already has an event is not read again. Scans change_log once (not for ticks).
    """
    oldest, newest, watermark = conn.execute(RESUME_POINT, {"entity_type": entity_type}).fetchone()
    start = (oldest - 1) if oldest is not None else newest
    return Cursor(last_change_id=start, settled_change_id=start, event_watermark=watermark)
