"""Owns the resource instances every domain binds: configured from the environment at run time."""

from __future__ import annotations

from sponsor_pipeline.resources import PostgresResource


def resources() -> dict[str, object]:
    """Resource keys used by the assets, sensors and checks: ``postgres``."""
    # database_url left empty: DATABASE_URL (or the embedded server) is resolved when a run starts.
    return {"postgres": PostgresResource()}
