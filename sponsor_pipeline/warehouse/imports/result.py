"""Owns what an import reports: :class:`ImportResult` on success, :class:`ImportFailed` on rollback."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

# Called with the 0-based chunk number after each chunk is written (tests inject failures).
ChunkHook = Callable[[int], None]


class ImportFailed(RuntimeError):
    """An import was rolled back, or not tried; the message names the source and the cause.

    ``recorded_before``: the same content already failed on its content (``etl_imports`` #import_id);
    nothing was read or written this time.
    """

    def __init__(self, source_uri: str, import_id: int | None, cause: BaseException, *, recorded_before: bool = False):
        self.source_uri = source_uri
        self.import_id = import_id
        self.cause = cause
        self.recorded_before = recorded_before
        when = "failed before, not retried" if recorded_before else "failed"
        super().__init__(f"import of {source_uri} {when} (etl_imports #{import_id}): {cause}")


@dataclass
class ImportResult:
    """Outcome of one source: counts are rows of the source (header excluded)."""

    source_uri: str
    checksum: str
    status: str  # 'completed' or 'skipped'
    import_id: int | None = None
    previous_import_id: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0  # valid rows upserted (new, changed or already identical)
    rows_changed: int = 0  # rows inserted or updated with different values
    rows_quarantined: int = 0
    rows_dropped: int = 0  # source entries deliberately not turned into rows (counted in rows_read)
    reasons: Counter = field(default_factory=Counter)  # "column: reason" -> rows quarantined
    dropped: Counter = field(default_factory=Counter)  # reason -> rows dropped
    tenants: list[str] = field(default_factory=list)
    load_path: str | None = None  # 'copy' (straight into the table), 'insert' or 'upsert' (via the stage)

    def add_dropped(self, dropped: Mapping[str, int]) -> None:
        """Count entries the parser dropped, by reason, into ``rows_dropped`` and ``rows_read``."""
        for reason, rows in dropped.items():
            if rows:
                self.dropped[reason] += rows
                self.rows_dropped += rows
                self.rows_read += rows

    def as_metadata(self) -> dict[str, object]:
        return {
            "source": self.source_uri,
            "status": self.status,
            "import_id": self.import_id,
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_changed": self.rows_changed,
            "rows_quarantined": self.rows_quarantined,
            "rows_dropped": self.rows_dropped,
            "quarantined_reasons": dict(self.reasons),
            "dropped_reasons": dict(self.dropped),
            "load_path": self.load_path or "",
        }
