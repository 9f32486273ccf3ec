"""Owns the catalogue domain's Definitions: the ``episode_catalogue`` asset and its ``feeds`` resource.

Uses the root's ``postgres`` resource; no feature flag removes it (a show without ``feed_url``
simply has no feed to read).
"""

from __future__ import annotations

import dagster as dg

from sponsor_pipeline.defs.catalogue.assets import episode_catalogue
from sponsor_pipeline.resources.http import FeedHttpResource
from sponsor_pipeline.settings import Flags


def build_defs(flags: Flags) -> dg.Definitions:  # noqa: ARG001 - every domain takes the flags
    """The episode catalogue asset and the HTTP resource fetching the feeds."""
    return dg.Definitions(assets=[episode_catalogue], resources={"feeds": FeedHttpResource()})
