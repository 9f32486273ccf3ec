"""Owns the matchmaking domain's Definitions: match_scores, its range check and the match_weights resource.

Empty when ``ENABLE_MATCHMAKING`` is false. Uses the root's ``postgres`` resource.
"""

from __future__ import annotations

import dagster as dg

from sponsor_pipeline.defs.matchmaking.assets import MatchWeightsResource, match_scores, match_scores_in_range
from sponsor_pipeline.settings import Flags


def build_defs(flags: Flags) -> dg.Definitions:
    """match_scores, its checks and the match_weights resource; empty when ENABLE_MATCHMAKING is false."""
    if not flags.matchmaking:
        return dg.Definitions()
    return dg.Definitions(
        assets=[match_scores], asset_checks=[match_scores_in_range], resources={"match_weights": MatchWeightsResource()}
    )
