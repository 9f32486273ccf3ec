"""Owns the warehouse's location, schema migrations and verification (no Dagster imports)."""
