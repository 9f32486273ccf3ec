"""Owns reading ``show_audience_size`` (follower counts, audience sizes) for checks and dashboards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import psycopg

# Consecutive reported days of one (tenant, show, source, metric) whose relative change exceeds the
# bound; a zero previous value is compared only when the new value is not zero too.
_JUMPS = """
SELECT tenant_id, show_id, source, metric, prev_day, prev_value, day, value
FROM (
    SELECT tenant_id, show_id, source, metric, day, value,
           lag(day) OVER w AS prev_day, lag(value) OVER w AS prev_value
    FROM show_audience_size
    WINDOW w AS (PARTITION BY tenant_id, show_id, source, metric ORDER BY day)
) d
WHERE prev_value IS NOT NULL
  AND abs(value - prev_value) > %(max_change)s * greatest(prev_value, 1)
ORDER BY tenant_id, show_id, source, metric, day
"""

_LATEST = """
SELECT DISTINCT ON (show_id, source, metric) show_id, source, metric, day, value
FROM show_audience_size WHERE tenant_id = %(tenant_id)s
ORDER BY show_id, source, metric, day DESC
"""


@dataclass(frozen=True)
class Jump:
    """A day-over-day change of a follower count or audience size beyond the plausible bound."""

    tenant_id: str
    show_id: str
    source: str
    metric: str
    prev_day: date
    prev_value: int
    day: date
    value: int

    @property
    def change(self) -> float:
        """(value − previous) ÷ previous (previous 0 counts as 1)."""
        return (self.value - self.prev_value) / max(self.prev_value, 1)


def jumps(conn: psycopg.Connection, max_change: float) -> list[Jump]:
    """Every pair of consecutive reported days whose value changed by more than ``max_change`` × the
    previous value (``vocabulary.MAX_AUDIENCE_SIZE_DAILY_CHANGE``), in key order."""
    return [Jump(*row) for row in conn.execute(_JUMPS, {"max_change": max_change}).fetchall()]


def latest(conn: psycopg.Connection, tenant_id: str) -> list[tuple[str, str, str, date, int]]:
    """``(show_id, source, metric, day, value)``: the latest reported value per show, source and metric."""
    return [tuple(row) for row in conn.execute(_LATEST, {"tenant_id": tenant_id}).fetchall()]  # type: ignore[misc]
