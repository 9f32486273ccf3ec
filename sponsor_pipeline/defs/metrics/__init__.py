"""The metrics_daily materialized view: refresh asset and reconciliation check."""
