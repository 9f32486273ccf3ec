"""Owns the dashboards' pure logic: aggregation, ops alert rules, previews, plots, IO documents.

Nothing here imports Dagster or the database; ``sponsor_pipeline.defs.dashboards`` holds the assets.
"""
