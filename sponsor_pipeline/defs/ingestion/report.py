"""Owns the import tables shown in the ingestion assets' metadata (markdown, one row per source)."""

from __future__ import annotations

from collections.abc import Iterable

from sponsor_pipeline.warehouse import imports

HEADER = "| {name} | status | read | loaded | changed | quarantined | dropped | reasons |"
RULE = "|---|---|---|---|---|---|---|---|"


def md_cell(value: object) -> str:
    """Text safe inside one markdown table cell: ``|`` and ``\\`` escaped, line breaks as spaces.

    A file is named by whoever drops it in the landing folder; ``a|b.csv`` must not add a column.
    """
    text = "" if value is None else str(value)
    return " ".join(text.replace("\\", "\\\\").replace("|", "\\|").split())


def reasons_text(result: imports.ImportResult, limit: int = 3) -> str:
    """The most frequent quarantine and drop reasons with their rows, e.g. ``day: ... ×2``."""
    counted = list(result.reasons.most_common()) + list(result.dropped.most_common())
    shown = [f"{reason} ×{rows}" for reason, rows in counted[:limit]]
    if len(counted) > limit:
        shown.append(f"(+{len(counted) - limit} more)")
    return "; ".join(shown)


def result_row(name: str, result: imports.ImportResult) -> str:
    """One table row: ``name`` (escaped), status and the row counts of ``result``."""
    return (
        f"| {md_cell(name)} | {result.status} | {result.rows_read} | {result.rows_loaded} | {result.rows_changed} | "
        f"{result.rows_quarantined} | {result.rows_dropped} | {md_cell(reasons_text(result))} |"
    )


def failed_row(name: str, status: str = "failed") -> str:
    """A table row for a source that did not import (counts left empty)."""
    return f"| {md_cell(name)} | {status} | | | | | | |"


def table(name: str, rows: Iterable[str]) -> str:
    """The markdown table: a header whose first column is ``name``, then ``rows``."""
    return "\n".join([HEADER.format(name=name), RULE, *rows])
