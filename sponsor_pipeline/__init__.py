"""sponsor_pipeline: a podcast sponsorship tracker built as a Dagster asset graph over PostgreSQL."""

__version__ = "0.1.0"
