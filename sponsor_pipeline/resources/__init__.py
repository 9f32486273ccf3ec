"""Owns the Dagster resources: the one Postgres resource (and, later, Google Sheets)."""

from sponsor_pipeline.resources.postgres import PostgresResource

__all__ = ["PostgresResource"]
