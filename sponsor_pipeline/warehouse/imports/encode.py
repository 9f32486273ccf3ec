"""Owns the COPY path into PostgreSQL: Arrow's CSV encoder for validated rows, and the temporary stage."""

from __future__ import annotations

import io
from collections.abc import Iterable

import pandas as pd
import psycopg
import pyarrow as pa_arrow
import pyarrow.csv as arrow_csv
from psycopg import sql

from sponsor_pipeline.warehouse.targets import Target


def cols(columns: Iterable[str], prefix: str | None = None) -> sql.Composable:
    """``"a", "b"`` (or ``"prefix"."a", ...``) as quoted identifiers for a column list."""
    if prefix:
        return sql.SQL(", ").join(sql.Identifier(prefix, c) for c in columns)
    return sql.SQL(", ").join(sql.Identifier(c) for c in columns)


def create_stage(conn: psycopg.Connection, target: Target) -> None:
    """Create the empty temporary table ``import_stage`` (dropped on commit): ``source_row integer``
    followed by the target's columns with the target's types."""
    conn.execute(
        sql.SQL(
            "CREATE TEMP TABLE import_stage ON COMMIT DROP AS "
            "SELECT 0::integer AS source_row, {cols} FROM {table} WITH NO DATA"
        ).format(cols=cols(target.columns), table=sql.Identifier(target.table))
    )


def copy_rows(
    conn: psycopg.Connection,
    table: sql.Identifier,
    valid: pd.DataFrame,
    columns: list[str],
    *,
    source_row: bool = False,
    import_id: int | None = None,
) -> None:
    """COPY validated rows into ``table`` as CSV written by Arrow's C++ writer.

    ``valid`` holds the target's ``columns`` (other columns are ignored) and is indexed by 1-based
    source row numbers. ``source_row`` prepends those row numbers (the stage); ``import_id`` appends
    the import's id as column ``import_id`` (a direct load into the target). An empty frame writes
    nothing. Database errors (a unique violation on a direct load...) propagate as psycopg errors.
    """
    if valid.empty:
        return
    frame = valid[columns].reset_index(drop=True)
    names = list(columns)
    if source_row:
        frame.insert(0, "source_row", valid.index.to_numpy(dtype="int64"))
        names.insert(0, "source_row")
    if import_id is not None:
        frame["import_id"] = import_id
        names.append("import_id")
    arrow = pa_arrow.Table.from_pandas(frame, preserve_index=False)
    fields = []
    for f in arrow.schema:
        if pa_arrow.types.is_dictionary(f.type):
            fields.append(pa_arrow.field(f.name, pa_arrow.string()))
        elif pa_arrow.types.is_timestamp(f.type):
            # naive timestamps are DATE columns; tz-aware ones timestamptz (microsecond precision)
            kind = pa_arrow.date32() if f.type.tz is None else pa_arrow.timestamp("us", tz=f.type.tz)
            fields.append(pa_arrow.field(f.name, kind))
        else:
            fields.append(f)
    buffer = io.BytesIO()
    arrow_csv.write_csv(arrow.cast(pa_arrow.schema(fields)), buffer, arrow_csv.WriteOptions(include_header=False))
    statement = sql.SQL("COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv)").format(table=table, cols=cols(names))
    with conn.cursor().copy(statement) as copy:
        copy.write(buffer.getbuffer())
