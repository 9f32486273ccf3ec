"""Owns turning raw string chunks into validated rows and row-level rejects (pure: no Dagster, no DB).

Input chunks are DataFrames of strings as read from a CSV, a sheet or an export, whose index is the
1-based data row number in the source (the header is row 0). :func:`split_valid` returns the coerced
valid rows and one :class:`Reject` per invalid row, naming every failing column and why.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors


class InputShapeError(ValueError):
    """The input as a whole cannot be read as the expected shape (missing columns, bad encoding...).

    The message names the source; nothing of it is loaded.
    """


@dataclass(frozen=True)
class Reject:
    """One invalid source row: its 1-based data row number, failing columns and reasons."""

    row_number: int
    columns: tuple[str, ...]
    reason: str
    raw: dict[str, str | None] = field(default_factory=dict)

    @property
    def column_name(self) -> str | None:
        return ",".join(self.columns) or None

    @property
    def tenant_id(self) -> str | None:
        value = self.raw.get("tenant_id")
        return value or None


def normalise_header(name: object) -> str:
    """``' Episode ID '`` → ``'episode_id'``: trimmed, lower case, spaces and dashes as underscores."""
    return "_".join(str(name).strip().lower().replace("-", " ").split())


def prepare_chunk(raw: pd.DataFrame, schema: pa.DataFrameSchema, source: str) -> pd.DataFrame:
    """Normalise headers and cells of a string chunk and keep the schema's columns in order.

    Cells are stripped; empty cells become missing. Extra columns are dropped. Text columns become
    pandas Categoricals; numeric and date columns whose distinct values all parse are converted here
    (per distinct value), the others stay strings for pandera to coerce and report row by row.

    Raises:
        InputShapeError: a column the schema requires is absent (names the source and the columns).
    """
    frame = raw.rename(columns=normalise_header)
    if frame.columns.duplicated().any():
        dupes = sorted(set(frame.columns[frame.columns.duplicated()]))
        raise InputShapeError(f"{source}: duplicate columns {dupes}")
    required = list(schema.columns)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputShapeError(f"{source}: missing required column(s) {missing}; found {list(frame.columns)}")
    return pd.DataFrame(
        {column: _convert(frame[column], schema.columns[column]) for column in required}, index=frame.index
    )


def _as_categorical(values: pd.Series) -> pd.Categorical:
    """Cells as a Categorical of stripped strings with empty cells missing.

    Work is done once per distinct value (the categories), not once per row: metric files repeat
    tenant, show, episode, source and day values on every row.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        cat = values.array
    else:
        objects = values.astype(object)
        cat = pd.Categorical(objects.where(objects.isna(), objects.astype(str)))
    stripped = pd.Index(cat.categories.astype(str)).str.strip()
    if stripped.equals(pd.Index(cat.categories)) and "" not in stripped:
        return cat
    keep = stripped != ""
    new_categories = pd.Index(stripped[keep]).unique()
    mapping = np.full(len(stripped) + 1, -1, dtype=np.int64)  # last slot: code -1 (missing) stays missing
    mapping[: len(stripped)][keep] = new_categories.get_indexer(stripped[keep])
    codes = mapping[cat.codes]
    return pd.Categorical.from_codes(codes, categories=new_categories)  # pyright: ignore[reportArgumentType] - an ndarray of codes is what pandas takes


def _take(converted: pd.Series, codes: np.ndarray, dtype: str) -> pd.api.extensions.ExtensionArray | np.ndarray:
    values = converted.to_numpy()
    if dtype == "Int64":
        taken = pd.array(np.where(codes >= 0, values[codes], 0).astype(np.int64), dtype="Int64")
        taken[codes < 0] = pd.NA
        return taken
    out = values[codes]
    if codes.size and (codes < 0).any():
        out = out.copy()
        out[codes < 0] = np.datetime64("NaT") if out.dtype.kind == "M" else np.nan
    return out


def _convert(values: pd.Series, column: pa.Column) -> object:
    """Convert one column toward the schema's dtype when every distinct value converts cleanly.

    Otherwise the stripped strings are handed to pandera, which coerces and reports each failing
    row (so the per-row error messages are pandera's, whichever path a column takes).
    """
    cat = _as_categorical(values)
    dtype = str(column.dtype)
    if dtype == "category":
        return cat
    categories = pd.Series(cat.categories.astype(str))
    codes = np.asarray(cat.codes, dtype=np.int64)
    if dtype == "Int64":
        numbers = pd.to_numeric(categories, errors="coerce")
        if numbers.notna().all() and (numbers % 1 == 0).all() and numbers.abs().max(skipna=True) < 2**62:
            return _take(numbers.astype(np.int64), codes, dtype)
    elif dtype == "float64":
        numbers = pd.to_numeric(categories, errors="coerce")
        if numbers.notna().all():
            return _take(numbers.astype(np.float64), codes, dtype)
    elif dtype == "datetime64[ns]":
        days = pd.to_datetime(categories, format="%Y-%m-%d", errors="coerce")
        if days.notna().all():
            return _take(days, codes, dtype)
    values = pd.Series(np.asarray(cat, dtype=object))
    return values.where(values.notna(), None).to_numpy()  # pyright: ignore[reportArgumentType] - None is the missing value here


def _raw_dict(row: pd.Series) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for key, value in row.items():
        if value is None or (isinstance(value, float) and math.isnan(value)):
            out[str(key)] = None
        else:
            out[str(key)] = str(value)[:1_000]
    return out


def _describe(check: str, failure: object) -> str:
    text = str(check)
    if text.startswith("coerce_dtype"):
        expected = text[len("coerce_dtype('") : -2] if text.endswith("')") else text
        kind = {
            "Int64": "a whole number",
            "datetime64[ns]": "a date (YYYY-MM-DD)",
            "float64": "a number",
            "bool": "true or false",
            "boolean": "true or false",
        }.get(expected, expected)
        if "datetime64" in expected and "UTC" in expected:
            kind = "a timestamp (ISO 8601)"
        return f"expected {kind}, got {str(failure)[:80]!r}"
    if text == "not_nullable":
        return "is empty"
    return f"fails {text} (got {str(failure)[:80]!r})"


def split_valid(chunk: pd.DataFrame, schema: pa.DataFrameSchema) -> tuple[pd.DataFrame, list[Reject]]:
    """Validate a prepared chunk with ``schema`` (lazy, coercing).

    Args:
        chunk: output of :func:`prepare_chunk`; index = 1-based data row numbers.
        schema: one of :mod:`sponsor_pipeline.schemas`.

    Returns:
        ``(valid, rejects)``: ``valid`` is coerced to the schema's dtypes with the original row
        numbers as index; ``rejects`` holds one entry per invalid row, sorted by row number.
        ``len(valid) + len(rejects) == len(chunk)``.
    """
    failing: dict[int, list[tuple[str | None, str]]] = {}
    remaining = chunk
    # pandera skips a column's checks when its coercion fails, so a row can surface in a later
    # pass; each pass removes at least one row or ends, and a column can hide checks only once.
    for _ in range(len(schema.columns) + 2):
        if remaining.empty:
            valid = _typed_empty(schema)
            break
        try:
            valid = schema.validate(remaining, lazy=True)
            break
        except SchemaErrors as err:
            failure_cases = err.failure_cases
            found = _failures_by_row(failure_cases)
        if not found:
            cases = failure_cases[["column", "check", "failure_case"]].to_dict("records")
            raise InputShapeError(f"validation failed without naming rows: {cases}"[:2_000])
        for row_number, problems in found.items():
            failing.setdefault(row_number, []).extend(problems)
        remaining = remaining.drop(index=list(found))
    else:  # pragma: no cover - bounded by the number of columns
        raise InputShapeError("validation did not converge")
    rejects = []
    for row_number in sorted(failing):
        problems = failing[row_number]
        columns = tuple(dict.fromkeys(c for c, _ in problems if c))
        reason = "; ".join(dict.fromkeys(f"{c}: {why}" if c else why for c, why in problems))
        rejects.append(Reject(row_number, columns, reason, _raw_dict(chunk.loc[row_number])))  # pyright: ignore[reportArgumentType] - row numbers are unique: .loc gives a row
    return valid, rejects


def _failures_by_row(cases: pd.DataFrame) -> dict[int, list[tuple[str | None, str]]]:
    found: dict[int, list[tuple[str | None, str]]] = {}
    fields = cases[["index", "schema_context", "column", "check", "failure_case"]]
    for idx, schema_context, case_column, case_check, failure_case in fields.itertuples(index=False, name=None):
        if idx is None or (isinstance(idx, float) and math.isnan(idx)):
            continue
        # A DataFrame-wide check is reported once per column; it concerns the row, not a column.
        row_level = schema_context == "DataFrameSchema"
        column = None if row_level or not isinstance(case_column, str) else case_column
        check = str(case_check)
        problems = found.setdefault(int(idx), [])
        if check.startswith("dtype(") and any(c == column for c, _ in problems):
            continue  # the coercion failure of this cell already says it
        problems.append((column, check if row_level else _describe(check, failure_case)))
    return found


def _typed_empty(schema: pa.DataFrameSchema) -> pd.DataFrame:
    """A zero-row frame with the schema's columns and dtypes."""
    return pd.DataFrame({name: pd.Series(dtype=col.dtype.type) for name, col in schema.columns.items()})


def file_checksum(path: str | os.PathLike[str], block: int = 1 << 20) -> str:
    """sha256 hex digest of the file's bytes, read in 1 MiB blocks."""
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for piece in iter(lambda: handle.read(block), b""):
            digest.update(piece)
    return digest.hexdigest()


def read_csv_chunks(path: str | os.PathLike[str], chunk_rows: int = 100_000) -> Iterable[pd.DataFrame]:
    """Yield the CSV at ``path`` as string DataFrames of at most ``chunk_rows`` rows.

    Each chunk's index is the 1-based data row number (the header is not counted). A UTF-8 byte
    order mark is accepted; cells are kept verbatim as strings (no NA guessing).

    Raises:
        InputShapeError: the file is not UTF-8, is empty, or a line has more fields than the header;
            the message names the file and, where pandas gives it, the line.
    """
    source = str(path)
    next_row = 1
    try:
        reader = pd.read_csv(
            path,
            dtype="category",  # verbatim strings, parsed once per distinct value
            keep_default_na=False,
            na_filter=False,
            chunksize=chunk_rows,
            encoding="utf-8-sig",
            skip_blank_lines=True,
        )
        with reader:
            for chunk in reader:
                chunk.index = pd.RangeIndex(next_row, next_row + len(chunk))
                next_row += len(chunk)
                yield chunk
    except UnicodeDecodeError as err:
        raise InputShapeError(f"{source}: not UTF-8 text (byte {err.start}: {err.reason})") from err
    except pd.errors.EmptyDataError as err:
        raise InputShapeError(f"{source}: empty file, expected a header row") from err
    except pd.errors.ParserError as err:
        raise InputShapeError(f"{source}: malformed CSV: {err}") from err
