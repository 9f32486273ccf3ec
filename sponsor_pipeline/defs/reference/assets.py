"""Owns the reference-table assets: each CSV in the reference folder upserted into its table."""

from pathlib import Path

import dagster as dg

from sponsor_pipeline.defs import table_metadata
from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.resources.settings import PipelineSettings
from sponsor_pipeline.settings import Flags
from sponsor_pipeline.warehouse import imports
from sponsor_pipeline.warehouse.targets import IO_BOOKINGS, REFERENCE_FILES, Target, io_bookings_target

DESCRIPTIONS = {
    "tenants": "Podcast networks using the tracker; every business row carries its tenant_id.",
    "shows": "Podcast shows per tenant, with Apple Podcasts genre and explicit flag.",
    "episodes": "Episodes per show: publish date, duration in seconds, ad slots.",
    "advertisers": "Advertisers (brands) with their IAB Content Taxonomy 3.1 category.",
    "campaigns": "Deals per advertiser moving lead → qualified → proposal → negotiation → won/lost.",
    "ad_units": "Sellable ad units: pre/mid/post-roll, length, host- or announcer-read or programmatic.",
    "io_bookings": "Insertion orders (IOs): flight, booked impressions, CPM, status, promo code, vanity URL.",
    # matchmaking inputs
    "audience_profiles": "Listener share per show by country, by age band × gender, and by age band or gender alone, per reporting source.",
    "show_topics": "Show topics as IAB Content Taxonomy 3.1 ids (editorial, or mapped from the Apple genre).",
    "show_brand_safety": "Risk level (floor/high/medium/low/none) of each show in each of the 12 GARM categories.",
    "campaign_brand_safety": "Highest GARM risk level each campaign accepts per category; explicit exclusion.",
    "campaign_targets": "Campaign targeting: countries, age bands, genders (with weights) and IAB topic ids.",
}


class ReferenceConfig(dg.Config):
    folder: str | None = None  # default: the settings resource's samples folder (SPONSOR_SAMPLES_DIR)
    files: dict[str, str] | None = None  # table -> file path overriding <folder>/<table>.csv (landing files)


def reference_targets(flags: Flags) -> list[tuple[str, Target]]:
    io_tables = ("io_bookings",)
    return [(name, t) for name, t in REFERENCE_FILES if flags.io_bookings or t.table not in io_tables]


def _deps(table: str, tables: list[str]) -> list[str]:
    parents = {
        "shows": ["tenants"],
        "episodes": ["shows"],
        "advertisers": ["tenants"],
        "campaigns": ["advertisers"],
        "ad_units": ["tenants"],
        "io_bookings": ["campaigns", "episodes", "ad_units"],
        "audience_profiles": ["shows"],
        "show_topics": ["shows"],
        "show_brand_safety": ["shows"],
        "campaign_brand_safety": ["campaigns"],
        "campaign_targets": ["campaigns"],
    }
    return [p for p in parents.get(table, []) if p in tables]


def build_reference_assets(flags: Flags) -> list[dg.AssetsDefinition]:
    targets = reference_targets(flags)
    tables = [t.table for _, t in targets]
    specs = [
        dg.AssetSpec(
            t.table,
            deps=_deps(t.table, tables),
            group_name="reference",
            owners=["team:data-platform"],
            kinds={"postgres", "csv"},
            description=DESCRIPTIONS[t.table],
            metadata=table_metadata.table_spec_metadata(t.table, source_file=file_name),
        )
        for file_name, t in targets
    ]

    @dg.multi_asset(specs=specs, can_subset=True, name="reference_tables")
    def reference_tables(
        context: dg.AssetExecutionContext,
        config: ReferenceConfig,
        postgres: PostgresResource,
        settings: PipelineSettings,
    ):
        """Upsert each selected reference CSV (parents first); a file already imported is skipped."""
        folder = settings.samples(config.folder)
        selected = {key.to_user_string() for key in context.selected_asset_keys}
        with postgres.connect() as conn:
            for file_name, target in targets:
                if target.table not in selected:
                    continue
                path = (
                    Path(config.files[target.table])
                    if config.files and target.table in config.files
                    else folder / file_name
                )
                if not path.exists():
                    raise dg.Failure(f"reference file {path} not found (table {target.table})")
                if target is IO_BOOKINGS:  # generated vanity URLs use the configured domain
                    target = io_bookings_target(settings.vanity_host())
                result = imports.import_csv(conn, path, target)
                rows = imports.table_rows(conn, target.table)
                conn.commit()
                catalogue = table_metadata.materialization_metadata(conn, target.table)
                conn.commit()
                context.log.info(f"{target.table}: {result.status} {result.as_metadata()}")
                yield dg.MaterializeResult(
                    asset_key=target.table,
                    metadata={**result.as_metadata(), "table_rows": dg.MetadataValue.int(rows), **catalogue},
                )

    return [reference_tables]
