"""Matchmaking: the match_scores asset (show × campaign fit), its range check and its weights resource.

``assets.py`` (match_scores), ``checks.py`` (match_scores_in_range), ``resources.py``
(MatchWeightsResource) and ``definitions.py`` (:func:`build_defs`, the domain's Definitions); the
scoring itself is the pure package :mod:`sponsor_pipeline.matchmaking`.
"""
