"""Owns loading advertisers' response exports into promo_redemptions and vanity_visits.

Folder layout (``responses/`` inside the landing or samples folder)::

    <responses>/<tenant_id>/redemptions/*.csv   Shopify orders exports or generic redemption CSVs
    <responses>/<tenant_id>/visits/*.csv        Plausible or GA4 exports or generic visit CSVs

Each file is one ``etl_imports`` row (source_kind ``csv``, checksum = sha256 of the bytes parsed:
the file is read once) through :func:`sponsor_pipeline.warehouse.imports.import_frames`: the same
validation, quarantine, events and all-or-nothing rules as every input. The folder's tenant is the
only tenant the file feeds (source isolation); its codes and URLs are matched to that tenant's IOs
and a row matching none is quarantined naming its code or URL. Rows the parser leaves out (Shopify's
extra line-item rows, orders without a code...) are counted as dropped with their reason.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import psycopg

from sponsor_pipeline import responses
from sponsor_pipeline.warehouse import imports, targets

SOURCE_KIND = "csv"  # CSV files, like every landing file (etl_imports.source_kind)
KINDS = ("redemptions", "visits")


def response_files(root: Path, kind: str) -> list[tuple[str, Path]]:
    """``(tenant_id, path)`` of every ``<root>/<tenant>/<kind>/*.csv``, sorted by path."""
    if not root.is_dir():
        return []
    return [(p.parent.parent.name, p) for p in sorted(root.glob(f"*/{kind}/*.csv")) if p.is_file()]


def tenant_of(path: Path) -> str:
    """The tenant folder of ``<responses>/<tenant>/<kind>/<file>.csv``."""
    return Path(path).parent.parent.name


def _frame(parsed: responses.ParsedResponses) -> pd.DataFrame:
    columns = responses.REDEMPTION_COLUMNS if parsed.kind == "redemptions" else responses.VISIT_COLUMNS
    frame = pd.DataFrame([row for _, row in parsed.rows], columns=list(columns), dtype=object)
    frame.index = pd.Index([number for number, _ in parsed.rows], dtype="int64")
    return frame


def import_response_file(
    conn: psycopg.Connection, path: Path, tenant_id: str, kind: str, *, retry_failed: bool = False
) -> tuple[imports.ImportResult, responses.ParsedResponses | None]:
    """Parse and import one redemption (``kind`` = ``redemptions``) or visit (``visits``) file for
    ``tenant_id``. Returns the import result and the parsed file (None when it failed to parse).

    Raises:
        imports.ImportFailed: unknown format, a visits file in the redemptions folder (or the other
            way round), or a database error; the import is recorded as failed with ``etl.error`` and
            nothing is loaded (``recorded_before``: the same bytes failed on their content before).
        ValueError: ``kind`` is not one of :data:`KINDS`.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    path = Path(path).resolve()
    body = path.read_bytes()  # parsed and hashed once: the checksum covers exactly these bytes
    checksum = hashlib.sha256(body).hexdigest()
    parsed: responses.ParsedResponses | None = None
    error: responses.ResponseFormatError | None = None
    try:
        parsed = responses.parse_responses(body.decode("utf-8-sig"), tenant_id, str(path))
        if parsed.kind != kind:
            raise responses.ResponseFormatError(f"{path}: a {parsed.format} export ({parsed.kind}) in a {kind} folder")
    except UnicodeDecodeError as err:
        error = responses.ResponseFormatError(f"{path}: not UTF-8 text ({err})")
    except responses.ResponseFormatError as err:
        error, parsed = err, None
    target = targets.PROMO_REDEMPTIONS if kind == "redemptions" else targets.VANITY_VISITS

    def chunks():
        if error is not None or parsed is None:
            raise error or RuntimeError("unparsed")
        yield _frame(parsed)

    result = imports.import_frames(
        conn,
        chunks,
        target,
        source_kind=SOURCE_KIND,
        source_uri=str(path),
        checksum=checksum,
        tenant_id=tenant_id,
        retry_failed=retry_failed,
        dropped=parsed.dropped if parsed is not None else None,
    )
    return result, parsed
