"""Owns the warehouse reads and writes done with psycopg: imports, events (no Dagster imports)."""
