"""Owns the resource instances every domain binds: configured from the environment at run time."""

from __future__ import annotations

from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.resources.sheets import GoogleSheetsResource, worksheets_from_env


def resources() -> dict[str, object]:
    """Resource keys used by the assets, sensors and checks: ``postgres``, ``sheets``."""
    # database_url left empty: DATABASE_URL (or the embedded server) is resolved when a run starts.
    return {
        "postgres": PostgresResource(),
        # worksheets from SPONSOR_SHEETS; credentials from GOOGLE_SHEETS_CREDENTIALS when a run starts
        "sheets": GoogleSheetsResource(worksheets=worksheets_from_env()),
    }
