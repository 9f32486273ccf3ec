"""Owns the rules that name an IO status or deal stage transition: event type and deal-stage flags.

Pure logic (no Dagster, no database): the sensors call it for each ``change_log`` row.
"""

from __future__ import annotations

from dataclasses import dataclass

from sponsor_pipeline.vocabulary import CLOSED_DEAL_STAGES, DEAL_STAGES, OPEN_DEAL_STAGES

IO_SCHEDULED = "io.scheduled"
IO_DELIVERED = "io.delivered"
IO_STATUS_CHANGED = "io.status_changed"
DEAL_STAGE_CHANGED = "deal.stage_changed"

# Rank of each stage along the pipeline: won and lost, the two closing outcomes, share the last rank.
_CLOSED_RANK = len(OPEN_DEAL_STAGES)
_RANK = {stage: rank for rank, stage in enumerate(OPEN_DEAL_STAGES)} | dict.fromkeys(CLOSED_DEAL_STAGES, _CLOSED_RANK)


def io_event_type(from_status: str | None, to_status: str) -> str:
    """The event type of one IO status transition.

    ``from_status`` is None when the IO was created. Rules: created, or moved to ``scheduled`` →
    ``io.scheduled`` (a creation keeps its real initial status in the payload's ``to_status``);
    moved to ``completed`` → ``io.delivered``; every other transition → ``io.status_changed``.
    """
    if from_status is None or to_status == "scheduled":
        return IO_SCHEDULED
    if to_status == "completed":
        return IO_DELIVERED
    return IO_STATUS_CHANGED


@dataclass(frozen=True)
class StageMove:
    """Flags of one deal stage transition along lead → qualified → proposal → negotiation → won/lost.

    * ``is_new``: the campaign was created (``from_stage`` None); nothing is skipped or backwards.
    * ``skipped_stages``: open stages jumped over on a forward move (lead → proposal skips
      ``qualified``; negotiation → won skips nothing; lead → won skips the three between). A deal
      can be lost at any stage, so a move to ``lost`` skips nothing.
    * ``is_backward``: the move goes to an earlier stage, including reopening a closed deal
      (won/lost → any open stage).
    * ``is_outcome_reversal``: won → lost or lost → won (same rank, the outcome flipped).
    """

    is_new: bool
    skipped_stages: tuple[str, ...]
    is_backward: bool
    is_outcome_reversal: bool

    @property
    def is_skip(self) -> bool:
        return bool(self.skipped_stages)

    def as_payload(self) -> dict:
        return {
            "is_new": self.is_new,
            "is_skip": self.is_skip,
            "skipped_stages": list(self.skipped_stages),
            "is_backward": self.is_backward,
            "is_outcome_reversal": self.is_outcome_reversal,
        }


def classify_stage_move(from_stage: str | None, to_stage: str) -> StageMove:
    """Flags for a deal moving ``from_stage`` → ``to_stage`` (see :class:`StageMove`).

    Raises:
        ValueError: a stage outside :data:`DEAL_STAGES`.
    """
    for stage in (from_stage, to_stage):
        if stage is not None and stage not in _RANK:
            raise ValueError(f"unknown deal stage {stage!r}; expected one of {', '.join(DEAL_STAGES)}")
    if from_stage is None:
        return StageMove(is_new=True, skipped_stages=(), is_backward=False, is_outcome_reversal=False)
    a, b = _RANK[from_stage], _RANK[to_stage]
    skipped = tuple(OPEN_DEAL_STAGES[a + 1 : b]) if b > a and to_stage != "lost" else ()
    return StageMove(
        is_new=False,
        skipped_stages=skipped,
        is_backward=b < a,
        is_outcome_reversal=a == b == _CLOSED_RANK and from_stage != to_stage,
    )
