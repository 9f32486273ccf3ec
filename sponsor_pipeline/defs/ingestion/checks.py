"""Owns the ingestion checks: stored ``listener_metrics`` rows against their pandera schema, and
plausible day-over-day changes of ``show_audience_size`` (loaded by ``platform_exports``)."""

import dagster as dg
import pandas as pd
import pandera.errors as pa_errors

from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.schemas import LISTENER_METRICS_EXPORT
from sponsor_pipeline.vocabulary import MAX_AUDIENCE_SIZE_DAILY_CHANGE
from sponsor_pipeline.warehouse import audience_size

# Stored rows follow the widest input shape: platform exports may leave downloads empty when
# another measure is reported (migration 0004), so the check uses that schema.
STORED_ROWS = LISTENER_METRICS_EXPORT

CHUNK_ROWS = 200_000
COLUMNS = ["tenant_id", "day", "show_id", "episode_id", "source", "downloads", "listeners", "listen_seconds"]
# Named statement: the columns the schema describes, in key order (streamed in chunks).
SELECT_ROWS = (
    "SELECT tenant_id, day, show_id, episode_id, source, downloads, listeners, listen_seconds "
    "FROM listener_metrics ORDER BY tenant_id, day, show_id, episode_id, source"
)


def schema_failures(frame: pd.DataFrame) -> pd.DataFrame:
    """Every failure of ``frame`` against the schema (pandera ``lazy=True``: all checks, all rows).

    Returns pandera's failure-case frame (``schema_context, column, check, check_number,
    failure_case, index``); empty when the frame is valid.
    """
    try:
        STORED_ROWS.validate(frame, lazy=True)
    except pa_errors.SchemaErrors as err:
        return err.failure_cases
    return pd.DataFrame(columns=["schema_context", "column", "check", "check_number", "failure_case", "index"])


@dg.asset_check(
    asset="listener_metrics",
    blocking=True,
    description=(
        "Every stored listener_metrics row passes the listener_metrics pandera schema, validated lazily so "
        "every failing row and check is reported; blocking, because metrics_daily and everything after it "
        "read these rows."
    ),
)
def listener_metrics_matches_schema(postgres: PostgresResource) -> dg.AssetCheckResult:
    rows = 0
    failures: list[pd.DataFrame] = []
    with postgres.connect() as conn, conn.cursor(name="listener_metrics_check") as cur:
        cur.execute(SELECT_ROWS)
        while batch := cur.fetchmany(CHUNK_ROWS):
            frame = pd.DataFrame(batch, columns=COLUMNS, index=range(rows, rows + len(batch)))
            rows += len(batch)
            found = schema_failures(frame)
            if len(found):
                failures.append(found)
    cases = pd.concat(failures, ignore_index=True) if failures else schema_failures(pd.DataFrame(columns=COLUMNS))
    summary = (
        cases.groupby(["column", "check"], dropna=False).size().reset_index(name="failures")
        if len(cases)
        else pd.DataFrame(columns=["column", "check", "failures"])
    )
    table = "\n".join(
        ["| column | check | failures |", "|---|---|---|"]
        + [f"| {c} | {k} | {n} |" for c, k, n in summary.itertuples(index=False)]
    )
    return dg.AssetCheckResult(
        passed=cases.empty,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "rows_checked": dg.MetadataValue.int(rows),
            "failure_cases": dg.MetadataValue.int(len(cases)),
            "by_column_and_check": dg.MetadataValue.md(table),
            "sample": dg.MetadataValue.json(
                [{k: str(v) for k, v in r.items()} for r in cases.head(10).to_dict("records")]
            ),
        },
    )


@dg.asset_check(
    asset="platform_exports",
    description=(
        "Follower counts and audience sizes in show_audience_size change plausibly from one reported day "
        "to the next: a change larger than MAX_AUDIENCE_SIZE_DAILY_CHANGE (vocabulary) of the previous "
        "value points at a unit or show mix-up or a platform restatement. Warns; the values stay as reported."
    ),
)
def show_audience_size_plausible(postgres: PostgresResource) -> dg.AssetCheckResult:
    with postgres.connect() as conn:
        found = audience_size.jumps(conn, MAX_AUDIENCE_SIZE_DAILY_CHANGE)
        rows = conn.execute("SELECT count(*) FROM show_audience_size").fetchone()
    lines = ["| tenant | show | source | metric | from | to | change |", "|---|---|---|---|---|---|---|"] + [
        f"| {j.tenant_id} | {j.show_id} | {j.source} | {j.metric} | {j.prev_day}: {j.prev_value} | "
        f"{j.day}: {j.value} | {j.change:+.0%} |"
        for j in found[:50]
    ]
    return dg.AssetCheckResult(
        passed=not found,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "rows_checked": dg.MetadataValue.int(rows[0] if rows else 0),
            "implausible_changes": dg.MetadataValue.int(len(found)),
            "max_daily_change": dg.MetadataValue.float(MAX_AUDIENCE_SIZE_DAILY_CHANGE),
            "changes": dg.MetadataValue.md("\n".join(lines)),
        },
    )
