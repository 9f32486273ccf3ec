"""The metrics_daily table: refresh of the touched days, backfill and rebuild, and its checks."""
