"""Owns the ``platform_identity_map`` and ``quarantine_replay`` assets: platform episode keys paired
with the network's episodes, and quarantined rows loaded once what they lacked has arrived."""

import dagster as dg

from sponsor_pipeline import identity
from sponsor_pipeline.defs import table_metadata
from sponsor_pipeline.defs.ingestion import report
from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.resources.settings import PipelineSettings
from sponsor_pipeline.warehouse import identity as identity_map
from sponsor_pipeline.warehouse import platform_exports as payloads
from sponsor_pipeline.warehouse.imports import replay


class IdentityMapConfig(dg.Config):
    exports_dir: str | None = None  # default: the settings resource's exports folder (SPONSOR_EXPORTS_DIR)


@dg.asset(
    name="platform_identity_map",
    group_name="ingestion",
    owners=["team:data-platform"],
    kinds={"postgres", "csv"},
    deps=["episodes", "shows", "episode_catalogue"],
    metadata=table_metadata.table_spec_metadata("platform_episode_map"),
    description=(
        "platform_episode_map: (tenant, provider, platform show key, platform episode key) → (show_id, "
        "episode_id) with how it matched — manual (exports/<tenant>/episode_map.csv), guid, episode_id, "
        "or normalised title + publication date. Stores the hand-made pairs, then matches the platform "
        "keys of rows still quarantined as unmapped against the catalogue."
    ),
)
def platform_identity_map(
    context: dg.AssetExecutionContext, config: IdentityMapConfig, postgres: PostgresResource, settings: PipelineSettings
) -> dg.MaterializeResult:
    """Load every tenant folder's ``episode_map.csv``, then match pending platform keys; a bad CSV
    is logged and named in the metadata, the other tenants still load."""
    root = settings.exports(config.exports_dir)
    manual, problems = 0, []
    with postgres.connect() as conn:
        for folder in payloads.tenant_folders(root):
            try:
                written, issues = payloads.load_episode_map(conn, folder)
            except identity.EpisodeMapError as err:
                conn.rollback()
                problems.append(str(err))
                continue
            manual += written
            problems += issues
        newly = replay.match_pending(conn)
        summary = identity_map.map_summary(conn)
        catalogue = table_metadata.materialization_metadata(conn, "platform_episode_map")
    for problem in problems:
        context.log.warning(problem)
    return dg.MaterializeResult(
        metadata={
            "manual_pairs_written": manual,
            "pending_keys_resolved": newly,
            "pairs_by_method": dg.MetadataValue.json(summary),
            "pairs": sum(summary.values()),
            "problems": dg.MetadataValue.json(problems),
            **catalogue,
        }
    )


@dg.asset(
    name="quarantine_replay",
    group_name="ingestion",
    owners=["team:data-platform"],
    kinds={"postgres"},
    deps=["tenants", "shows", "episodes", "episode_catalogue", "platform_identity_map"],
    metadata=table_metadata.table_spec_metadata("quarantined_rows"),
    description=(
        "Quarantined rows whose reason was a missing reference (unknown tenant, show or episode, an "
        "unmapped platform episode key) validated again from their raw values and loaded into their "
        "target once the reference or the identity map has it; rows stay in quarantined_rows marked "
        "replayed_at with a note, and each import keeps loaded + quarantined + dropped = read."
    ),
)
def quarantine_replay(context: dg.AssetExecutionContext, postgres: PostgresResource) -> dg.MaterializeResult:
    """Replay every import with such rows; the table shows each import's rows tried, loaded and
    still quarantined."""
    with postgres.connect() as conn:
        results = replay.replay_quarantine(conn)
        catalogue = table_metadata.materialization_metadata(conn, "quarantined_rows")
    lines = ["| import | source | tried | loaded | still quarantined |", "|---|---|---|---|---|"]
    lines += [
        f"| {r.import_id} | {report.md_cell(r.source_uri)} | {r.tried} | {r.loaded} | {r.still_quarantined} |"
        for r in results
    ]
    loaded = sum(r.loaded for r in results)
    context.log.info(f"quarantine replay: {loaded} row(s) loaded from {len(results)} import(s)")
    return dg.MaterializeResult(
        metadata={
            "imports_tried": len(results),
            "rows_tried": sum(r.tried for r in results),
            "rows_loaded": loaded,
            "rows_still_quarantined": sum(r.still_quarantined for r in results),
            "imports": dg.MetadataValue.md("\n".join(lines)),
            **catalogue,
        }
    )
