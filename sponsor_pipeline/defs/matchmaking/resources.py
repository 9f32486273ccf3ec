"""Owns the ``match_weights`` resource: the six signal weights and scoring knobs, set per run.

Its field defaults are read from :class:`sponsor_pipeline.matchmaking.MatchWeights`, so a default
changed there changes here too.
"""

import dataclasses

import dagster as dg

from sponsor_pipeline.matchmaking import MatchWeights


class MatchWeightsResource(dg.ConfigurableResource):
    """Weights of the six signals (normalised to sum 1) and the brand-safety cap; defaults as in
    :class:`sponsor_pipeline.matchmaking.MatchWeights`. Set them in the launchpad's resource config."""

    geo_overlap: float = MatchWeights.geo_overlap
    demographic_overlap: float = MatchWeights.demographic_overlap
    topic_overlap: float = MatchWeights.topic_overlap
    historical_lift: float = MatchWeights.historical_lift
    inventory_fit: float = MatchWeights.inventory_fit
    brand_safety: float = MatchWeights.brand_safety
    conflict_cap: float = MatchWeights.conflict_cap
    lift_prior_ios: float = MatchWeights.lift_prior_ios
    inventory_lookback_days: int = MatchWeights.inventory_lookback_days

    def weights(self) -> MatchWeights:
        """The configured :class:`MatchWeights`.

        Raises:
            ValueError: a negative weight, weights summing to 0, a cap outside [0, 100], or a
                non-positive prior or look-back (from :class:`MatchWeights`).
        """
        return MatchWeights(**{f.name: getattr(self, f.name) for f in dataclasses.fields(MatchWeights)})
