"""Owns the ``io_documents`` asset: one PDF insertion order per IO, rendered again only when it changes.

Each IO's printed fields are fingerprinted (sha256, ``dashboards.io_document.fingerprint``); the
fingerprint and the file path are kept in the ``io_documents`` table. A PDF is written when its IO is
new, its fingerprint changed, or its file is missing; PDFs of IOs that no longer exist are removed.
"""

import hashlib
import re
from pathlib import Path

import dagster as dg
import pandas as pd

from sponsor_pipeline.dashboards.io_document import fingerprint, render_pdf
from sponsor_pipeline.dashboards.preview import markdown_table
from sponsor_pipeline.defs import table_metadata
from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.resources.settings import PipelineSettings
from sponsor_pipeline.warehouse import io_documents as register

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


class IoDocumentsConfig(dg.Config):
    output_dir: str | None = None  # default: the settings resource's io_documents folder (SPONSOR_IO_DOCUMENTS_DIR)
    force: bool = False  # render every IO again even when its fingerprint is unchanged


def document_path(folder: Path, tenant_id: str, io_id: str) -> Path:
    """``<folder>/<tenant_id>/IO-<io_id>.pdf`` (characters outside ``[A-Za-z0-9._-]`` become ``_``)."""
    return folder / _UNSAFE.sub("_", tenant_id) / f"IO-{_UNSAFE.sub('_', io_id)}.pdf"


@dg.asset(
    name="io_documents",
    group_name="documents",
    owners=["team:sponsorships"],
    kinds={"pdf", "postgres"},
    deps=["io_bookings", "campaigns", "advertisers", "shows", "episodes", "ad_units", "tenants"],
    metadata=table_metadata.table_spec_metadata("io_documents"),
    description=(
        "One PDF insertion order per IO (reportlab): tenant, advertiser, campaign, show/episode, flight, "
        "ad unit, booked impressions, CPM, total cost, promo code, vanity URL and terms. Rendered again "
        "only when the IO's fingerprint changes (table io_documents); files under the IO documents folder."
    ),
)
def io_documents(
    context: dg.AssetExecutionContext,
    config: IoDocumentsConfig,
    postgres: PostgresResource,
    settings: PipelineSettings,
) -> dg.MaterializeResult:
    folder = settings.io_documents(config.output_dir)
    rendered: list[dict] = []
    unchanged = 0
    fingerprints: list[str] = []
    with postgres.connect() as conn:
        docs = register.io_documents(conn)
        stored = register.stored_fingerprints(conn)
        for doc in docs:
            digest = fingerprint(doc)
            fingerprints.append(digest)
            path = document_path(folder, doc.tenant_id, doc.io_id)
            previous = stored.get((doc.tenant_id, doc.io_id))
            if not config.force and previous == (digest, str(path)) and path.exists():
                unchanged += 1
                continue
            pdf = render_pdf(doc)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".pdf.tmp")
            tmp.write_bytes(pdf)
            tmp.replace(path)
            register.record_document(conn, doc, digest, str(path), len(pdf))
            conn.commit()  # the file is on disk: record it now, so a later failure does not re-render it
            rendered.append(
                {
                    "tenant_id": doc.tenant_id,
                    "io_id": doc.io_id,
                    "status": doc.status,
                    "reason": "changed" if previous else "new",
                    "bytes": len(pdf),
                }
            )
        catalogue = table_metadata.materialization_metadata(conn, "io_documents")
    current = {document_path(folder, d.tenant_id, d.io_id) for d in docs}
    removed = [p for p in folder.glob("*/IO-*.pdf") if p not in current] if folder.exists() else []
    for path in removed:
        path.unlink()
    context.log.info(f"io_documents: {len(rendered)} rendered, {unchanged} unchanged, {len(removed)} removed")
    return dg.MaterializeResult(
        metadata={
            "output_dir": dg.MetadataValue.path(str(folder)),
            "documents": dg.MetadataValue.int(len(docs)),
            "rendered": dg.MetadataValue.int(len(rendered)),
            "unchanged": dg.MetadataValue.int(unchanged),
            "removed": dg.MetadataValue.int(len(removed)),
            "rendered_ios": dg.MetadataValue.md(
                markdown_table(
                    pd.DataFrame(rendered, columns=["tenant_id", "io_id", "status", "reason", "bytes"]),
                    ["tenant_id", "io_id", "status", "reason", "bytes"],
                    max_rows=50,
                )
            ),
            **catalogue,
        },
        # Changes exactly when some IO document changes: downstream staleness follows the IOs.
        data_version=dg.DataVersion(hashlib.sha256("".join(sorted(fingerprints)).encode()).hexdigest()[:16]),
    )
