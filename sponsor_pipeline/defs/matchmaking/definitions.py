"""Owns the matchmaking domain's Definitions: match_scores, its checks and the match_weights resource."""

import dagster as dg

from sponsor_pipeline.defs.matchmaking.assets import match_scores
from sponsor_pipeline.defs.matchmaking.checks import MATCHMAKING_CHECKS
from sponsor_pipeline.defs.matchmaking.resources import MatchWeightsResource
from sponsor_pipeline.settings import Flags


def build_defs(flags: Flags) -> dg.Definitions:
    """match_scores, its checks and the match_weights resource; empty when ENABLE_MATCHMAKING is false."""
    if not flags.matchmaking:
        return dg.Definitions()
    return dg.Definitions(
        assets=[match_scores],
        asset_checks=MATCHMAKING_CHECKS,
        resources={"match_weights": MatchWeightsResource()},
    )
