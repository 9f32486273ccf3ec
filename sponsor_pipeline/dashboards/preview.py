"""Owns the markdown previews attached to dashboard materializations (tables, embedded PNGs).

No Dagster, no database: plain strings that ``MetadataValue.md`` displays on the asset page.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

import pandas as pd


def _cell(value) -> str:
    if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(frame: pd.DataFrame, columns: Sequence[str], max_rows: int = 10) -> str:
    """A GitHub-flavoured markdown table of the first ``max_rows`` rows of ``columns``.

    Integers get thousands separators, floats 2 decimals, NULLs an empty cell, ``|`` is escaped.
    """
    head = frame.loc[:, list(columns)].head(max_rows)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines.extend(
        "| " + " | ".join(_cell(v.item() if hasattr(v, "item") else v) for v in row) + " |"
        for row in head.itertuples(index=False)
    )
    if len(frame) > max_rows:
        lines.append(f"\n… {len(frame) - max_rows:,} more rows")
    return "\n".join(lines)


def png_markdown(png: bytes, alt: str) -> str:
    """Markdown image with the PNG embedded as a base64 data URI (shown inline by the Dagster UI)."""
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode('ascii')})"
