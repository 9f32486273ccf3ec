"""Owns source isolation for the ingestion assets: one failed file, payload or worksheet is a failing
non-blocking check on its asset, never a failed step.

Each ingestion asset imports every source it sees, collects the failures (:class:`FailedSource`)
and materializes with them in its metadata; its ``<asset>_sources_loaded`` check (declared on the
asset with :func:`sources_check_spec`, reported by :func:`sources_check_result`) fails with severity
ERROR naming each failed source. The ledger records a source that failed on its content once per
checksum and does not read it again until it changes or the run config says ``retry_failed: true``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from sponsor_pipeline.warehouse import imports

SAMPLE = 20


@dataclass(frozen=True)
class FailedSource:
    """One source that did not load: ``source`` (path or ``gsheet:<id>/<title>``), the ``etl_imports``
    id when recorded, the error text, and whether it was recorded by an earlier run (not retried)."""

    source: str
    error: str
    import_id: int | None = None
    recorded_before: bool = False

    @classmethod
    def from_import(cls, err: imports.ImportFailed) -> FailedSource:
        return cls(err.source_uri, str(err.cause)[:500], err.import_id, err.recorded_before)

    @property
    def name(self) -> str:
        return self.source if self.source.startswith("gsheet:") else Path(self.source).name


def check_name(asset: str) -> str:
    return f"{asset}_sources_loaded"


def sources_check_spec(asset: str) -> dg.AssetCheckSpec:
    """The non-blocking ``<asset>_sources_loaded`` check spec (declared on the asset)."""
    return dg.AssetCheckSpec(
        check_name(asset),
        asset=asset,
        blocking=False,
        description=(
            f"Every source {asset} saw loaded (or was already loaded). Fails with severity ERROR naming each "
            "failed file, payload or worksheet; not blocking, so the other sources and everything downstream "
            "still run. A source that failed on its content is not retried until it changes or a run sets "
            "retry_failed: true."
        ),
    )


def sources_check_result(asset: str, failures: list[FailedSource], seen: int) -> dg.AssetCheckResult:
    """``passed`` when nothing failed; metadata: counts, failed source names, and per source the
    ``etl_imports`` id, the error and whether it was recorded by an earlier run."""
    names = [f.name for f in failures]
    return dg.AssetCheckResult(
        check_name=check_name(asset),
        passed=not failures,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(f"{len(failures)} of {seen} source(s) failed: " + ", ".join(names[:SAMPLE])) if failures else None,
        metadata={
            "sources_seen": dg.MetadataValue.int(seen),
            "sources_failed": dg.MetadataValue.int(len(failures)),
            "failed_sources": dg.MetadataValue.json(names),
            "failures": dg.MetadataValue.json(
                [
                    {
                        "source": f.source,
                        "import_id": f.import_id,
                        "error": f.error,
                        "recorded_before": f.recorded_before,
                    }
                    for f in failures[:SAMPLE]
                ]
            ),
        },
    )
