"""Owns ``io_status_sensor`` and ``deal_stage_sensor``: change_log → one event per transition → reruns.

Each tick reads at most a capped batch of ``change_log`` rows past its JSON cursor, writes one event
per transition (``warehouse/change_log.py``, dedupe key ``change_log:<change_id>``) and commits them,
then returns a ``SensorResult`` with run requests keyed by the transition ids, an ``AssetObservation``
per transition on ``io_bookings`` / ``campaigns`` (so transitions show in the Dagster UI), and the new
cursor. A tick repeated with the same cursor writes no event twice and returns the same run keys,
which the sensor daemon does not launch twice.
"""

from __future__ import annotations

import dagster as dg

from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.resources.settings import PipelineSettings
from sponsor_pipeline.warehouse import change_log
from sponsor_pipeline.warehouse.change_log import Batch, Cursor, Transition

IO_DELIVERY = dg.AssetKey("io_delivery")
MATCH_SCORES = dg.AssetKey("match_scores")
# io_delivery and whatever dashboards read it, as far as they exist in the code location.
IO_RERUN_SELECTION = dg.AssetSelection.assets(IO_DELIVERY).downstream()
# String selection: resolves to nothing (instead of failing to load) while match_scores is absent.
DEAL_RERUN_SELECTION = dg.AssetSelection.from_string('key:"match_scores"')
# Named jobs, so sensor runs show as io_delivery_job / match_scores_job rather than anonymous asset jobs.
IO_DELIVERY_JOB = dg.define_asset_job(
    "io_delivery_job",
    selection=IO_RERUN_SELECTION,
    description="Reruns io_delivery and what reads it after IO status transitions (io_status_sensor).",
)
MATCH_SCORES_JOB = dg.define_asset_job(
    "match_scores_job",
    selection=DEAL_RERUN_SELECTION,
    description="Rescores the campaigns whose deal stage moved (deal_stage_sensor).",
)
CAMPAIGN_IDS_TAG = "sponsor_pipeline/campaign_ids"
CHANGE_IDS_TAG = "sponsor_pipeline/change_ids"
MAX_CAMPAIGNS_PER_RUN = 100
MINIMUM_INTERVAL_SECONDS = 30


def _range_tag(change_ids: list[int]) -> str:
    return f"{min(change_ids)}-{max(change_ids)}"


def _observation(asset_key: str, t: Transition) -> dg.AssetObservation:
    metadata = {
        "event_type": t.event_type,
        "change_id": dg.MetadataValue.int(t.change_id),
        "tenant_id": t.tenant_id,
        "entity_id": t.entity_id,
        "from": t.from_value or "(created)",
        "to": t.to_value,
        "changed_at": t.changed_at.isoformat(),
        "dedupe_key": t.dedupe_key,
    }
    if t.event_type == "deal.stage_changed":
        metadata["flags"] = dg.MetadataValue.json(
            {k: t.payload[k] for k in ("is_new", "skipped_stages", "is_backward", "is_outcome_reversal")}
        )
    return dg.AssetObservation(asset_key=asset_key, metadata=metadata)


def _materializable(context: dg.SensorEvaluationContext, selection: dg.AssetSelection) -> list[dg.AssetKey]:
    """The keys of ``selection`` present (and materializable) in this code location."""
    repo = context.repository_def
    if repo is None:
        return []
    graph = repo.asset_graph
    keys = selection.resolve(graph, allow_missing=True)
    return sorted((k for k in keys if graph.has(k) and graph.get(k).is_materializable), key=str)


def _log_batch(context: dg.SensorEvaluationContext, name: str, batch: Batch) -> None:
    context.log.info(
        f"{name}: {len(batch.transitions)} transitions (change_id {_range_tag(batch.change_ids)}), "
        f"{batch.events_written} new events; cursor {batch.cursor.dumps()}"
        + (" — more pending, next tick continues" if batch.more_pending else "")
    )


@dg.sensor(
    name="io_status_sensor",
    target=IO_DELIVERY_JOB,
    minimum_interval_seconds=MINIMUM_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "IO status transitions from change_log → io.scheduled / io.status_changed / io.delivered "
        "events, observations on io_bookings, and a rerun of io_delivery and what reads it."
    ),
)
def io_status_sensor(
    context: dg.SensorEvaluationContext, postgres: PostgresResource, settings: PipelineSettings
) -> dg.SensorResult:
    with postgres.connect() as conn:
        batch = change_log.process_changes(
            conn, change_log.IO_BOOKING, Cursor.parse(context.cursor), batch_size=settings.change_log_batch_size()
        )
    if not batch.transitions:
        return dg.SensorResult(skip_reason="no new IO status transitions", cursor=batch.cursor.dumps())
    _log_batch(context, "io_status_sensor", batch)
    keys = _materializable(context, IO_RERUN_SELECTION) or [IO_DELIVERY]
    run = dg.RunRequest(
        run_key=batch.run_key("io_status"),
        asset_selection=keys,
        tags={
            CHANGE_IDS_TAG: _range_tag(batch.change_ids),
            "sponsor_pipeline/io_ids": ",".join(sorted({t.entity_id for t in batch.transitions}))[:1000],
        },
    )
    return dg.SensorResult(
        run_requests=[run],
        asset_events=[_observation("io_bookings", t) for t in batch.transitions],
        cursor=batch.cursor.dumps(),
    )


def deal_run_requests(batch: Batch) -> list[dg.RunRequest]:
    """match_scores runs for the campaigns that moved: at most MAX_CAMPAIGNS_PER_RUN per run, each
    keyed by the change ids of its campaigns, with run config ``campaign_ids`` and a matching tag."""
    by_campaign: dict[str, list[int]] = {}
    for t in batch.transitions:
        by_campaign.setdefault(t.entity_id, []).append(t.change_id)
    campaigns = sorted(by_campaign, key=lambda c: min(by_campaign[c]))
    requests = []
    for start in range(0, len(campaigns), MAX_CAMPAIGNS_PER_RUN):
        chunk = campaigns[start : start + MAX_CAMPAIGNS_PER_RUN]
        ids = sorted(i for c in chunk for i in by_campaign[c])
        requests.append(
            dg.RunRequest(
                run_key=change_log.run_key("deal_stage", ids),
                asset_selection=[MATCH_SCORES],
                run_config={"ops": {"match_scores": {"config": {"campaign_ids": chunk}}}},
                tags={CAMPAIGN_IDS_TAG: ",".join(chunk), CHANGE_IDS_TAG: _range_tag(ids)},
            )
        )
    return requests


def deal_stage_sensor_fn(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    postgres: PostgresResource = context.resources.postgres
    settings: PipelineSettings = context.resources.settings
    with postgres.connect() as conn:
        batch = change_log.process_changes(
            conn, change_log.CAMPAIGN, Cursor.parse(context.cursor), batch_size=settings.change_log_batch_size()
        )
    if not batch.transitions:
        return dg.SensorResult(skip_reason="no new deal stage transitions", cursor=batch.cursor.dumps())
    _log_batch(context, "deal_stage_sensor", batch)
    if MATCH_SCORES in _materializable(context, DEAL_RERUN_SELECTION):
        run_requests = deal_run_requests(batch)
    else:
        run_requests = []
        context.log.info(
            "deal_stage_sensor: match_scores is not in this code location; events and observations "
            "recorded, no run requested"
        )
    return dg.SensorResult(
        run_requests=run_requests,
        asset_events=[_observation("campaigns", t) for t in batch.transitions],
        cursor=batch.cursor.dumps(),
    )


def build_deal_stage_sensor(reruns: bool) -> dg.SensorDefinition:
    """The deal stage sensor; ``reruns`` false (match_scores absent) gives it no target, so it records
    events and observations only and the Definitions stay loadable without matchmaking."""
    return dg.SensorDefinition(
        name="deal_stage_sensor",
        evaluation_fn=deal_stage_sensor_fn,
        target=MATCH_SCORES_JOB if reruns else None,
        minimum_interval_seconds=MINIMUM_INTERVAL_SECONDS,
        default_status=dg.DefaultSensorStatus.RUNNING,
        required_resource_keys={"postgres", "settings"},
        description=(
            "Deal stage transitions from change_log → deal.stage_changed events (skips and backward moves "
            "flagged), observations on campaigns"
            + (", and match_scores reruns for the campaigns that moved." if reruns else ".")
        ),
    )


deal_stage_sensor = build_deal_stage_sensor(reruns=True)
