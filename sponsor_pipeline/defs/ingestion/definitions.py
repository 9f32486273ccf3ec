"""Owns the ingestion domain's Definitions: listener_metrics from CSV files, Google Sheets and
platform exports, the platform identity map and the quarantine replay, the landing-folder and sheets
sensors, the schema and audience-size checks and the ``sheets`` resource.

Empty when ``ENABLE_ETL_CSV_UPLOAD`` is false. The landing sensor also watches IO files when
``ENABLE_IO_BOOKINGS`` is true. Uses the root's ``postgres`` and ``settings`` resources.
"""

from __future__ import annotations

import dagster as dg

from sponsor_pipeline.defs.freshness_checks import build_freshness_check
from sponsor_pipeline.defs.ingestion.assets import listener_metrics
from sponsor_pipeline.defs.ingestion.checks import listener_metrics_matches_schema, show_audience_size_plausible
from sponsor_pipeline.defs.ingestion.exports import platform_exports
from sponsor_pipeline.defs.ingestion.replay import platform_identity_map, quarantine_replay
from sponsor_pipeline.defs.ingestion.sensors import build_landing_sensor, sheets_sensor
from sponsor_pipeline.defs.ingestion.sheets import sheet_metrics
from sponsor_pipeline.resources.sheets import sheets_from_env
from sponsor_pipeline.settings import Flags


def build_defs(flags: Flags) -> dg.Definitions:
    """The ingestion assets, sensors and check for ``flags``."""
    if not flags.etl_csv_upload:
        return dg.Definitions()
    io_files = ["io_bookings", "promo_redemptions", "vanity_visits"] if flags.io_bookings else []
    landing_assets = ["listener_metrics", "platform_exports", *io_files]
    return dg.Definitions(
        assets=[listener_metrics, sheet_metrics, platform_exports, platform_identity_map, quarantine_replay],
        asset_checks=[
            listener_metrics_matches_schema,
            show_audience_size_plausible,
            build_freshness_check("listener_metrics", "csv"),
            build_freshness_check("platform_exports", "export"),
            build_freshness_check("sheet_metrics", "sheet"),
        ],
        sensors=[sheets_sensor, build_landing_sensor(landing_assets)],
        resources={"sheets": sheets_from_env()},
    )
