"""Owns the Dagster definitions, one folder per domain (assets, checks, sensors, schedules)."""
