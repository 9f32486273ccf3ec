"""Owns importing one source (CSV file, sheet, export) into its target table, all or nothing.

The package, one concern per module:

* :mod:`.ledger` — the ``etl_imports`` row first, the advisory lock on the checksum, the completed or
  failed record and its ``etl.import_completed`` / ``etl.error`` events; :func:`import_csv` and
  :func:`import_frames` start here.
* :mod:`.load` — direct ``COPY`` into the target versus stage + ``INSERT``/upsert, and the
  referential checks (unknown tenant, episode, show...).
* :mod:`.quarantine` — rejected rows to ``quarantined_rows`` with their source row numbers.
* :mod:`.encode` — Arrow's CSV encoder behind ``COPY``, and the temporary stage table.
* :mod:`.prefetch` — the thread validating the next chunk while the current one is copied.
* :mod:`.result` — :class:`ImportResult` and :class:`ImportFailed`.
* :mod:`.listing` — the landing folder's files and a table's row count, for asset metadata.

Everything callers use is re-exported here; the modules' other names are internal.
"""

from __future__ import annotations

from sponsor_pipeline.warehouse.imports.ledger import (
    DEFAULT_CHUNK_ROWS,
    import_csv,
    import_frames,
)
from sponsor_pipeline.warehouse.imports.listing import iter_files, table_rows
from sponsor_pipeline.warehouse.imports.result import (
    ChunkHook,
    ImportFailed,
    ImportResult,
)

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "ChunkHook",
    "ImportFailed",
    "ImportResult",
    "import_csv",
    "import_frames",
    "iter_files",
    "table_rows",
]
