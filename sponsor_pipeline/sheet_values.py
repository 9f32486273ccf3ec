"""Owns turning Google Sheets API v4 cell values into string chunks for validation (pure).

What the Sheets API really returns (``spreadsheets.values.get``,
https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/get):

* ``FORMATTED_VALUE`` (default): every cell as its displayed string, numbers with the locale's
  thousands separator (``"1,480"``) and dates as displayed (``"11/9/2026"``).
* ``UNFORMATTED_VALUE``: numbers as JSON numbers, booleans as booleans and, with the default
  ``dateTimeRenderOption=SERIAL_NUMBER``, dates as serial day numbers counted from 1899-12-30.
* A row's trailing empty cells are omitted (rows are ragged), empty rows inside the range are ``[]``
  and trailing empty rows are omitted; an empty range has no ``values`` key at all.

:func:`values_to_frame` makes one string DataFrame whose index is the data row number (sheet row
minus the header row), skipping empty rows, so quarantine row numbers point at the sheet.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

import pandas as pd

from sponsor_pipeline.validation import InputShapeError, header_duplicates, normalise_header

SERIAL_EPOCH = date(1899, 12, 30)
MAX_SERIAL = (date(9999, 12, 31) - SERIAL_EPOCH).days
GROUPED_INT = re.compile(r"^-?\d{1,3}(,\d{3})+$")
SERIAL_TEXT = re.compile(r"^\d{1,7}(\.\d+)?$")
US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def cell_text(value: Any) -> str:
    """One API cell as text: ``1480.0`` → ``'1480'``, ``True`` → ``'true'``, ``None`` → ``''``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def serial_to_iso(value: Any) -> str | None:
    """A Sheets serial date (number or numeric text, days since 1899-12-30) → ``YYYY-MM-DD``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str) and SERIAL_TEXT.match(value.strip()):
        number = float(value.strip())
    else:
        return None
    if not 1 <= number <= MAX_SERIAL:
        return None
    return (SERIAL_EPOCH + timedelta(days=int(number))).isoformat()


def _date_text(value: Any) -> str:
    iso = serial_to_iso(value)
    if iso is not None:
        return iso
    text = cell_text(value).strip()
    m = US_DATE.match(text)  # FORMATTED_VALUE of an en_US sheet
    if m:
        month, day, year = (int(g) for g in m.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            return text
    return text


def _count_text(value: Any) -> str:
    text = cell_text(value).strip()
    return text.replace(",", "") if GROUPED_INT.match(text) else text


def values_to_frame(
    values: list[list[Any]] | None,
    source: str,
    *,
    date_columns: Iterable[str] = ("day",),
    count_columns: Iterable[str] = ("downloads", "listeners", "listen_seconds"),
    defaults: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Sheet values (list of ragged rows, header first) → string frame for ``prepare_chunk``.

    The first non-empty row is the header (names normalised: stray spaces, case). Empty rows are
    skipped; their numbers are kept, so the index is ``sheet row - header row``. ``date_columns``
    accept serial numbers and en_US displayed dates; ``count_columns`` drop US thousands separators;
    ``defaults`` fill a column that is absent or empty (e.g. the configured tenant_id).

    Raises:
        InputShapeError: no header row, two header cells naming one column, or a data row longer
            than the header (names ``source`` and the column or row).
    """
    rows = values or []
    header_at = next((i for i, row in enumerate(rows) if any(cell_text(c).strip() for c in row)), None)
    if header_at is None:
        raise InputShapeError(f"{source}: the worksheet is empty, expected a header row")
    header = [normalise_header(cell_text(c)) for c in rows[header_at]]
    while header and not header[-1]:
        header.pop()
    dupes = header_duplicates(header)
    if dupes:
        listed = "; ".join(f"{name!r} at columns {', '.join(map(str, at))}" for name, at in sorted(dupes.items()))
        raise InputShapeError(f"{source}: duplicate column(s) in the header: {listed}; keep one of each")
    dates, counts = set(date_columns), set(count_columns)
    records, index = [], []
    for offset, row in enumerate(rows[header_at + 1 :], start=1):
        cells = list(row)
        if not any(cell_text(c).strip() for c in cells):
            continue
        if len(cells) > len(header) and any(cell_text(c).strip() for c in cells[len(header) :]):
            raise InputShapeError(
                f"{source}: row {offset} has {len(cells)} cells but the header has {len(header)} columns"
            )
        cells = cells[: len(header)] + [""] * (len(header) - len(cells))
        record = {}
        for name, value in zip(header, cells, strict=True):
            if name in dates:
                record[name] = _date_text(value)
            elif name in counts:
                record[name] = _count_text(value)
            else:
                record[name] = cell_text(value)
        records.append(record)
        index.append(offset)
    frame = pd.DataFrame(records, columns=header, index=pd.Index(index, dtype="int64"), dtype=object)
    for column, value in (defaults or {}).items():
        if column not in frame.columns:
            frame[column] = value
        else:
            frame[column] = frame[column].where(frame[column].astype(str).str.strip() != "", value)
    return frame


def values_checksum(spreadsheet_id: str, worksheet: str, values: list[list[Any]] | None) -> str:
    """sha256 of the worksheet's identity and values: unchanged sheet → same checksum."""
    body = json.dumps([spreadsheet_id, worksheet, values or []], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()
