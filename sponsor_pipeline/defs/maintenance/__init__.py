"""Warehouse maintenance jobs and schedules: listener_metrics' monthly partitions."""
