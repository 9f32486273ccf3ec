"""Owns turning raw string chunks into validated rows and row-level rejects (pure: no Dagster, no DB).

Input chunks are DataFrames of strings as read from a CSV, a sheet or an export, whose index is the
1-based data row number in the source (the header is row 0). :func:`split_valid` returns the coerced
valid rows and one :class:`Reject` per invalid row, naming every failing column and why.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import cast

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

    A schema column declared ``required=False`` may be absent: it is added with every cell empty.

    Raises:
        InputShapeError: a column the schema requires is absent (names the source and the columns).
    """
    frame = raw.rename(columns=normalise_header)
    if frame.columns.duplicated().any():
        dupes = sorted(set(frame.columns[frame.columns.duplicated()]))
        raise InputShapeError(f"{source}: duplicate columns {dupes}")
    required = list(schema.columns)
    missing = [c for c in required if c not in frame.columns and schema.columns[c].required]
    if missing:
        raise InputShapeError(f"{source}: missing required column(s) {missing}; found {list(frame.columns)}")
    for column in required:
        if column not in frame.columns:  # an optional column (``required=False``): every cell empty
            frame[column] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
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
    if values.size == 0:  # every cell empty: no category to take from
        if dtype == "Int64":
            return pd.array([pd.NA] * len(codes), dtype="Int64")
        return np.full(len(codes), np.datetime64("NaT") if values.dtype.kind == "M" else np.nan, dtype=values.dtype)
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
    remaining = _parse_dates(chunk, schema, failing)
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
            cases = err.failure_cases
        found = _failures_by_row(cases)
        if not found:
            columns = sorted({str(c) for c in cases["column"].dropna()})
            detail = cases[["column", "check", "failure_case"]].astype(str).to_dict("records")
            raise InputShapeError(f"column(s) {columns} fail validation without naming rows: {detail}"[:2_000])
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
        rejects.append(Reject(row_number, columns, reason, _raw_dict(cast(pd.Series, chunk.loc[row_number]))))
    return valid, rejects


def outside_tenant(valid: pd.DataFrame, chunk: pd.DataFrame, tenant_id: str) -> tuple[pd.DataFrame, list[Reject]]:
    """Split off the valid rows whose ``tenant_id`` is not ``tenant_id``, the source's one tenant.

    A source configured for tenant A (a worksheet spec, an ``exports/<A>/`` folder and its reference
    files) may only write A's rows (issue 11, "tenant scope of inputs"). Returns ``(rows of A,
    rejects)``; each reject names column ``tenant_id`` and the reason
    ``tenant_id B outside this source's tenant A``, with the row's raw values from ``chunk``.
    """
    if valid.empty or "tenant_id" not in valid:
        return valid, []
    tenants = valid["tenant_id"].astype(object)
    outside = (tenants != tenant_id).to_numpy()
    if not outside.any():
        return valid, []
    rejects = [
        Reject(
            int(row_number),
            ("tenant_id",),
            f"tenant_id {tenants[row_number]} outside this source's tenant {tenant_id}",
            _raw_dict(cast(pd.Series, chunk.loc[row_number])),
        )
        for row_number in valid.index[outside]
    ]
    return valid[~outside], rejects


# A source may mark rows it knows cannot load (a platform episode key the identity map does not
# resolve) with these two columns; the ``platform_*`` columns say what the row was keyed by.
PRESET_REJECT_COLUMNS = ("quarantine_column", "quarantine_reason")
PLATFORM_COLUMNS = (
    "platform_provider",
    "platform_show_key",
    "platform_episode_key",
    "platform_title",
    "platform_published",
)


def preset_rejects(valid: pd.DataFrame, raw: pd.DataFrame) -> tuple[pd.DataFrame, list[Reject]]:
    """Split off the valid rows the source marked with a ``quarantine_reason`` (see
    :data:`PRESET_REJECT_COLUMNS`): the import quarantines them under that column and reason.

    ``raw`` is the chunk as the source gave it (its index that of ``valid``). Each reject's raw
    values are the source's strings, with the :data:`PLATFORM_COLUMNS` it gave, so the row can be
    resolved and validated again later. Returns ``(valid rows not
    marked, rejects)``; a chunk without the columns returns ``(valid, [])``. Rows failing validation
    keep their validation reject (a schema failure outranks a reference one).
    """
    if valid.empty or "quarantine_reason" not in raw.columns:
        return valid, []
    reasons = raw["quarantine_reason"].reindex(valid.index)
    marked = reasons.notna().to_numpy() & (reasons.astype(str).str.len() > 0).to_numpy()
    if not marked.any():
        return valid, []
    kept = [c for c in raw.columns if c not in PRESET_REJECT_COLUMNS]
    rejects = []
    for row_number in valid.index[marked]:
        column = raw.at[row_number, "quarantine_column"] if "quarantine_column" in raw.columns else None
        values = _raw_dict(cast(pd.Series, raw.loc[row_number, kept]))
        columns = (str(column),) if isinstance(column, str) and column else ()
        rejects.append(Reject(int(row_number), columns, str(reasons[row_number]), values))
    return valid[~marked], rejects


DATE_FORMAT = "%Y-%m-%d"


def _parse_dates(
    chunk: pd.DataFrame, schema: pa.DataFrameSchema, failing: dict[int, list[tuple[str | None, str]]]
) -> pd.DataFrame:
    """Parse the date columns :func:`_convert` left as strings, value by value.

    pandas converts a column in one go, so a single ``01/01/2013`` among ISO dates makes pandera
    report the whole column without a row. Here each distinct value is parsed on its own (``YYYY-MM-DD``,
    or ISO 8601 for timestamp columns); rows with a value that does not parse are added to ``failing``
    under their column and left out of the returned frame, whose date columns are then typed.
    """
    bad_rows: set[int] = set()
    converted: dict[str, pd.Series] = {}
    for name, column in schema.columns.items():
        dtype = str(column.dtype)
        if not dtype.startswith("datetime64") or name not in chunk or chunk[name].dtype != object:
            continue
        text = chunk[name].astype(object)
        present = text.notna()
        distinct = pd.Index(text[present].astype(str).unique())
        if "UTC" in dtype:
            parsed = pd.to_datetime(pd.Series(distinct), format="ISO8601", utc=True, errors="coerce")
            kind = "a timestamp (ISO 8601)"
        else:
            parsed = pd.to_datetime(pd.Series(distinct), format=DATE_FORMAT, errors="coerce")
            kind = "a date (YYYY-MM-DD)"
        values = pd.Series(pd.NaT, index=text.index, dtype=parsed.dtype)
        values[present] = parsed.to_numpy()[distinct.get_indexer(text[present].astype(str))]
        for row_number in values.index[present & values.isna()]:
            failing.setdefault(int(row_number), []).append(
                (name, f"expected {kind}, got {str(text[row_number])[:80]!r}")
            )
            bad_rows.add(int(row_number))
        converted[name] = values
    if not converted:
        return chunk
    out = chunk.copy()
    for name, values in converted.items():
        out[name] = pd.to_datetime(values, utc="UTC" in str(schema.columns[name].dtype))
    return out.drop(index=sorted(bad_rows)) if bad_rows else out


def _is_nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _failures_by_row(cases: pd.DataFrame) -> dict[int, list[tuple[str | None, str]]]:
    """pandera's failure cases grouped by source row number: ``{row: [(column or None, why)]}``.

    Cases without a row (a column-wide failure) are left out; the caller decides what they mean.
    """
    found: dict[int, list[tuple[str | None, str]]] = {}
    fields = ["index", "column", "check", "failure_case", "schema_context"]
    for idx, column_name, check_name, failure, context in cases[fields].itertuples(index=False, name=None):
        if idx is None or _is_nan(idx):
            continue
        # A DataFrame-wide check is reported once per column; it concerns the row, not a column.
        row_level = context == "DataFrameSchema"
        column = None if row_level or not isinstance(column_name, str) else column_name
        check = str(check_name)
        problems = found.setdefault(int(idx), [])
        if check.startswith("dtype(") and any(c == column for c, _ in problems):
            continue  # the coercion failure of this cell already says it
        problems.append((column, check if row_level else _describe(check, failure)))
    return found


def _typed_empty(schema: pa.DataFrameSchema) -> pd.DataFrame:
    """A zero-row frame with the schema's columns and dtypes."""
    return pd.DataFrame({name: pd.Series(dtype=col.dtype.type) for name, col in schema.columns.items()})


def file_checksum(path: str | os.PathLike[str], block: int = 1 << 20) -> str:
    """sha256 hex digest of the file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for piece in iter(lambda: handle.read(block), b""):
            digest.update(piece)
    return digest.hexdigest()


@dataclass(frozen=True)
class FileSnapshot:
    """The bytes one import reads: the first ``size`` bytes of ``path`` and their sha256 hex digest.

    A file still being appended to is read up to the size it had when the snapshot was taken, so the
    checksum recorded for an import covers exactly the rows it loaded; the appended rows make a new
    checksum and a later import.
    """

    path: str
    size: int
    checksum: str


def file_snapshot(path: str | os.PathLike[str], block: int = 1 << 20) -> FileSnapshot:
    """Size (bytes) of ``path`` now and the sha256 of that many bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        left = size
        while left > 0:
            piece = handle.read(min(block, left))
            if not piece:
                break
            digest.update(piece)
            left -= len(piece)
    return FileSnapshot(str(path), size, digest.hexdigest())


class _BoundedHashingReader(io.RawIOBase):
    """At most ``limit`` bytes of a binary handle, hashed with sha256 as they are read."""

    def __init__(self, handle: io.BufferedReader, limit: int):
        self._handle = handle
        self._left = limit
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        want = min(len(buffer), self._left)
        if want <= 0:
            return 0
        data = self._handle.read(want)
        buffer[: len(data)] = data
        self.digest.update(data)
        self._left -= len(data)
        return len(data)


def header_duplicates(names: Iterable[object]) -> dict[str, list[int]]:
    """Header names that normalise to the same column: ``{column: [1-based positions]}``."""
    positions: dict[str, list[int]] = {}
    for number, name in enumerate(names, start=1):
        positions.setdefault(normalise_header(name), []).append(number)
    return {name: at for name, at in positions.items() if len(at) > 1 and name}


def _check_header(path: str | os.PathLike[str], source: str) -> None:
    """Raise :class:`InputShapeError` when two header cells name the same column.

    pandas would rename the second ``downloads`` to ``downloads.1`` and the importer would read the
    first one only; which of the two is meant is for whoever wrote the file to say.
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), [])
    except (UnicodeDecodeError, csv.Error):
        return  # pandas reports the encoding or quoting problem with its line
    dupes = header_duplicates(header)
    if dupes:
        listed = "; ".join(f"{name!r} at columns {', '.join(map(str, at))}" for name, at in sorted(dupes.items()))
        raise InputShapeError(f"{source}: duplicate column(s) in the header: {listed}; keep one of each")


def read_csv_chunks(
    path: str | os.PathLike[str], chunk_rows: int = 100_000, *, snapshot: FileSnapshot | None = None
) -> Iterator[pd.DataFrame]:
    """Yield the CSV at ``path`` as string DataFrames of at most ``chunk_rows`` rows.

    Each chunk's index is the 1-based data row number (the header is not counted). A UTF-8 byte
    order mark is accepted; cells are kept verbatim as strings (no NA guessing). With ``snapshot``
    only its first ``snapshot.size`` bytes are read, and they must still hash to its checksum.

    Raises:
        InputShapeError: the file is not UTF-8, is empty, has a header naming one column twice, a
            line has more fields than the header, or (with ``snapshot``) the bytes read differ from
            the snapshot's; the message names the file and, where pandas gives it, the line.
    """
    source = str(path)
    _check_header(path, source)
    next_row = 1
    handle = open(path, "rb")  # noqa: SIM115 - closed in the finally below, after the last chunk
    limit = snapshot.size if snapshot is not None else os.fstat(handle.fileno()).st_size
    raw = _BoundedHashingReader(handle, limit)
    try:
        reader = pd.read_csv(
            io.BufferedReader(raw, buffer_size=1 << 20),
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
        if snapshot is not None and raw.digest.hexdigest() != snapshot.checksum:
            raise InputShapeError(
                f"{source}: the file changed while it was imported (its first {snapshot.size} bytes no longer "
                "hash to the checksum taken at the start); nothing of it is loaded, the next run retries it"
            )
    except UnicodeDecodeError as err:
        raise InputShapeError(f"{source}: not UTF-8 text (byte {err.start}: {err.reason})") from err
    except pd.errors.EmptyDataError as err:
        raise InputShapeError(f"{source}: empty file, expected a header row") from err
    except pd.errors.ParserError as err:
        raise InputShapeError(f"{source}: malformed CSV: {err}") from err
    finally:
        handle.close()
