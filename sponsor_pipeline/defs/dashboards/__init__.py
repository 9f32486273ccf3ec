"""Dashboards: creator, advertiser and ops aggregates with previews and plots, and their checks."""
