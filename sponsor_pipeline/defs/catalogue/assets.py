"""Owns the ``episode_catalogue`` asset: each show's RSS feed read into episodes."""

import dagster as dg

from sponsor_pipeline.catalogue import FeedError, parse_feed
from sponsor_pipeline.defs import table_metadata
from sponsor_pipeline.defs.ingestion.report import md_cell
from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.resources.http import FeedFetchError, FeedHttpResource
from sponsor_pipeline.warehouse import catalogue


@dg.asset(
    name="episode_catalogue",
    group_name="catalogue",
    owners=["team:data-platform"],
    kinds={"postgres", "rss"},
    deps=["shows"],
    metadata=table_metadata.table_spec_metadata("episodes"),
    description=(
        "Episodes from each show's RSS feed (shows.feed_url), parsed with feedparser and upserted into "
        "episodes by (tenant, show, GUID): title, publication time, duration, enclosure URL and size, "
        "season and episode number. Feeds are fetched with conditional GET (ETag / Last-Modified kept "
        "per show), so an unchanged feed costs one 304. Items that cannot be episodes are counted as "
        "dropped with their reason."
    ),
)
def episode_catalogue(
    context: dg.AssetExecutionContext, postgres: PostgresResource, feeds: FeedHttpResource
) -> dg.MaterializeResult:
    """Fetch and upsert every feed; a failing feed is reported and the others still load."""
    lines = [
        "| show | feed | status | items | inserted | updated | dropped |",
        "|---|---|---|---|---|---|---|",
    ]
    totals = {"feeds": 0, "feeds_not_modified": 0, "items": 0, "inserted": 0, "updated": 0, "dropped": 0}
    dropped_reasons: dict[str, int] = {}
    failures: list[str] = []
    with postgres.connect() as conn:
        shows = catalogue.feed_shows(conn)
        conn.commit()  # each feed below commits on its own
        for show in shows:
            totals["feeds"] += 1
            name = f"{show.tenant_id}/{show.show_id}"
            try:
                fetched = feeds.get(show.feed_url, show.etag, show.last_modified)
                if fetched.status == 304:
                    with conn.transaction():
                        catalogue.record_fetch(conn, show, fetched.etag, fetched.last_modified)
                    totals["feeds_not_modified"] += 1
                    lines.append(f"| {md_cell(name)} | {md_cell(show.feed_url)} | not modified | | | | |")
                    continue
                parsed = parse_feed(fetched.body, show.feed_url)
                with conn.transaction():
                    inserted, updated = catalogue.upsert_episodes(conn, show, parsed.episodes)
                    catalogue.record_fetch(conn, show, fetched.etag, fetched.last_modified)
            except (FeedFetchError, FeedError) as err:
                failures.append(f"{name}: {err}")
                context.log.error(f"{name}: {err}")
                lines.append(f"| {md_cell(name)} | {md_cell(show.feed_url)} | failed | | | | |")
                continue
            dropped = sum(parsed.dropped.values())
            for reason, items in parsed.dropped.items():
                dropped_reasons[reason] = dropped_reasons.get(reason, 0) + items
            totals["items"] += parsed.items
            totals["inserted"] += inserted
            totals["updated"] += updated
            totals["dropped"] += dropped
            lines.append(
                f"| {md_cell(name)} | {md_cell(show.feed_url)} | fetched | {parsed.items} | {inserted} | "
                f"{updated} | {dropped} |"
            )
        catalogue_metadata = table_metadata.materialization_metadata(conn, "episodes")
        conn.commit()
    metadata = {
        **totals,
        "feeds_failed": len(failures),
        "dropped_reasons": dropped_reasons,
        "feeds_table": dg.MetadataValue.md("\n".join(lines)),
        **catalogue_metadata,
    }
    if failures:
        raise dg.Failure(description="; ".join(failures), metadata=metadata, allow_retries=False)
    return dg.MaterializeResult(metadata=metadata)
