"""Owns the reference domain's Definitions: one multi-asset upserting the reference CSVs.

The IO table (io_bookings) is left out when ``ENABLE_IO_BOOKINGS`` is false.
Uses the root's ``postgres`` and ``settings`` resources.
"""

from __future__ import annotations

import dagster as dg

from sponsor_pipeline.defs.reference.assets import build_reference_assets
from sponsor_pipeline.settings import Flags


def build_defs(flags: Flags) -> dg.Definitions:
    """The reference tables' multi-asset for ``flags``."""
    return dg.Definitions(assets=build_reference_assets(flags))
