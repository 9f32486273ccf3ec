"""Listener-metrics ingestion: CSV files from the landing folder into listener_metrics."""
