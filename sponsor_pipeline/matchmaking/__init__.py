"""Owns the show × campaign match score: six signals in [0, 1], the 0–100 score and its rationale.

Pure numpy/pandas (no Dagster, no database); the ``match_scores`` asset in
:mod:`sponsor_pipeline.defs.matchmaking` reads the warehouse, calls this package and writes
``matches``. Modules by concern:

* :mod:`.signals` — the six signal functions, :class:`MatchWeights` and :func:`combine` (the score);
* :mod:`.inputs` — one tenant's frames (:class:`MatchInputs`) and :func:`prepare`, which turns them
  into per-show and per-campaign arrays (:class:`Prepared`);
* :mod:`.history` — the historical-lift evidence tables of past IOs;
* :mod:`.scoring` — :func:`score_block` / :func:`score_matches` (all shows × a block of campaigns)
  and :func:`block_rows` (the ``matches`` rows, with :data:`SCORING_VERSION` in every fingerprint);
* :mod:`.rationale` — the sentence a salesperson reads beside each score;
* :mod:`.taxonomy` — the IAB Content Taxonomy 3.1 and Podcast Genre Mapping shipped as package data.

Unknown show data (no audience profile, no topics, no brand-safety profile, no recent downloads, no
history) gives that signal the neutral value 0.5 and is named in the rationale; a campaign that does
not target a dimension (no countries, no age bands or genders) scores 1 on it.
"""

from sponsor_pipeline.matchmaking.inputs import DEFAULT_FLIGHT_DAYS, MatchInputs, Prepared, prepare
from sponsor_pipeline.matchmaking.rationale import rationale
from sponsor_pipeline.matchmaking.scoring import (
    MATCH_COLUMNS,
    SCORING_VERSION,
    BlockResult,
    block_rows,
    score_block,
    score_matches,
    weights_fingerprint,
)
from sponsor_pipeline.matchmaking.signals import (
    NEUTRAL,
    SIGNALS,
    MatchWeights,
    brand_safety,
    combine,
    demographic_overlap,
    geo_overlap,
    historical_lift,
    inventory_fit,
    topic_overlap,
)
from sponsor_pipeline.matchmaking.taxonomy import ContentTaxonomy, load_taxonomy

__all__ = [
    "DEFAULT_FLIGHT_DAYS",
    "MATCH_COLUMNS",
    "NEUTRAL",
    "SCORING_VERSION",
    "SIGNALS",
    "BlockResult",
    "ContentTaxonomy",
    "MatchInputs",
    "MatchWeights",
    "Prepared",
    "block_rows",
    "brand_safety",
    "combine",
    "demographic_overlap",
    "geo_overlap",
    "historical_lift",
    "inventory_fit",
    "load_taxonomy",
    "prepare",
    "rationale",
    "score_block",
    "score_matches",
    "topic_overlap",
    "weights_fingerprint",
]
