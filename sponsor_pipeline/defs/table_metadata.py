"""Owns the catalogue metadata of the table assets: table name, row count and column schema.

Every asset that writes a warehouse table declares it with :func:`table_spec_metadata` (definition
metadata ``dagster/table_name``) and attaches :func:`materialization_metadata` to each
materialization: ``dagster/row_count`` (``SELECT count(*)`` after the write) and
``dagster/column_schema`` (each column's PostgreSQL type, nullability, single-column uniqueness and
its ``COMMENT ON COLUMN`` description, read from the catalogue at that moment, so the schema shown is
the one the rows were written to). An asset that also rewrites a second table (the dashboards) names
it in ``also``: its schema and row count appear as ``<table>/column_schema`` and ``<table>/row_count``.

``dagster/table_name`` is fully qualified, ``<database>.<schema>.<table>`` as Dagster's own
integrations spell it; the database is the warehouse's name (``sponsor_pipeline``), the same in every
deployment, so the name is known without a connection.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import dagster as dg
import pandera.pandas as pa
import psycopg

from sponsor_pipeline import schemas
from sponsor_pipeline.db.server import WAREHOUSE_DB
from sponsor_pipeline.warehouse import table_catalogue

SCHEMA = "public"
TABLE_NAME = "dagster/table_name"
ROW_COUNT = "dagster/row_count"
COLUMN_SCHEMA = "dagster/column_schema"


def qualified_name(table: str) -> str:
    """``sponsor_pipeline.public.<table>``: the ``dagster/table_name`` of ``table``."""
    return f"{WAREHOUSE_DB}.{SCHEMA}.{table}"


def table_of(metadata: Mapping[str, object]) -> str | None:
    """The bare table name of an asset's definition metadata (``None`` when it declares none)."""
    name = metadata.get(TABLE_NAME)
    text = getattr(name, "value", name)
    return str(text).rsplit(".", 1)[-1] if text else None


def table_spec_metadata(table: str, **extra: object) -> dict[str, object]:
    """Definition metadata of an asset writing ``table``: ``dagster/table_name`` (plus ``extra``)."""
    return {TABLE_NAME: qualified_name(table), **extra}


def column_schema(
    description: table_catalogue.TableDescription,
    rules: Mapping[str, Sequence[str]] | None = None,
    table_rules: Sequence[str] = (),
) -> dg.TableSchema:
    """A Dagster table schema from the catalogue's description of a table.

    Args:
        description: columns in table order (type, nullable, unique, comment) as the database has them.
        rules: readable validation rules per column (e.g. from :func:`sponsor_pipeline.schemas.column_rules`),
            shown as the column's other constraints.
        table_rules: readable rules over whole rows, shown as the table's constraints.
    """
    rules = rules or {}
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=column.name,
                type=column.type,
                description=column.description,
                constraints=dg.TableColumnConstraints(
                    nullable=column.nullable, unique=column.unique, other=list(rules.get(column.name, ()))
                ),
            )
            for column in description.columns
        ],
        constraints=dg.TableConstraints(other=list(table_rules)) if table_rules else None,
    )


def materialization_metadata(
    conn: psycopg.Connection,
    table: str,
    *,
    also: Sequence[str] = (),
    validated_by: pa.DataFrameSchema | None = None,
) -> dict[str, dg.MetadataValue]:
    """``dagster/row_count`` and ``dagster/column_schema`` of ``table`` as ``conn`` sees it now, and
    ``<table>/row_count``, ``<table>/column_schema`` for each table of ``also``. With ``validated_by``
    (the pandera schema the rows passed), each column also lists that schema's rules, readable
    (``>= 0``, ``matches ^[a-z][a-z0-9_]*$``), and its row-wide checks show as the table's constraints.

    Call it on the connection that wrote the rows, after the write (inside its transaction or after
    the commit), so the count is the one the materialization produced.

    Raises:
        LookupError: a table is missing from the warehouse (a migration not applied).
    """
    main = table_catalogue.describe(conn, table, SCHEMA)
    metadata: dict[str, dg.MetadataValue] = {
        ROW_COUNT: dg.MetadataValue.int(main.row_count),
        COLUMN_SCHEMA: dg.MetadataValue.table_schema(
            column_schema(main, schemas.column_rules(validated_by), schemas.table_rules(validated_by))
            if validated_by is not None
            else column_schema(main)
        ),
    }
    for other in also:
        described = table_catalogue.describe(conn, other, SCHEMA)
        metadata[f"{other}/row_count"] = dg.MetadataValue.int(described.row_count)
        metadata[f"{other}/column_schema"] = dg.MetadataValue.table_schema(column_schema(described))
    return metadata
