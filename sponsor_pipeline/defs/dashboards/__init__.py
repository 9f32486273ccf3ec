"""Dashboards domain: creator, advertiser and ops aggregates, their checks, and IO documents."""
