"""Owns the deals and IO domain's Definitions: io_delivery and its check, the PDF IO documents, the
outcome assets (promo_redemptions, vanity_visits, io_attribution, io_responses, io_verification_flags), the
campaign reports and their check, the IO status sensor (``ENABLE_IO_BOOKINGS``) and the deal stage sensor (``ENABLE_DEAL_PIPELINE``).

Uses the root's ``postgres`` and ``settings`` resources.
"""

from __future__ import annotations

import dagster as dg

from sponsor_pipeline.defs.deals_io.assets import io_delivery
from sponsor_pipeline.defs.deals_io.campaign_reports import campaign_reports, campaign_reports_match_warehouse
from sponsor_pipeline.defs.deals_io.checks import io_delivery_covers_every_io, io_verification_flags_have_evidence
from sponsor_pipeline.defs.deals_io.io_documents import io_documents
from sponsor_pipeline.defs.deals_io.responses import io_attribution, io_responses, promo_redemptions, vanity_visits
from sponsor_pipeline.defs.deals_io.sensors import build_deal_stage_sensor, io_status_sensor
from sponsor_pipeline.defs.deals_io.verification import io_verification_flags
from sponsor_pipeline.settings import Flags


def build_defs(flags: Flags) -> dg.Definitions:
    """io_delivery, io_documents, the outcome assets, campaign_reports and io_status_sensor when IOs are
    on; deal_stage_sensor when deals are (rerunning match_scores only when matchmaking is on)."""
    assets, checks, sensors = [], [], []
    if flags.io_bookings:
        assets += [
            io_delivery,
            io_documents,
            promo_redemptions,
            vanity_visits,
            io_attribution,
            io_responses,
            io_verification_flags,
            campaign_reports,
        ]
        checks += [io_delivery_covers_every_io, io_verification_flags_have_evidence, campaign_reports_match_warehouse]
        sensors.append(io_status_sensor)
    if flags.deal_pipeline:
        sensors.append(build_deal_stage_sensor(reruns=flags.matchmaking))
    return dg.Definitions(assets=assets, asset_checks=checks, sensors=sensors)
