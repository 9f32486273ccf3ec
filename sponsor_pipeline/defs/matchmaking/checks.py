"""Owns the asset checks on ``match_scores``: every stored score, signal and rationale in range."""

import dagster as dg

from sponsor_pipeline.defs.automation import CHECK_AUTOMATION
from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.warehouse import matches as matches_sql


@dg.asset_check(
    asset="match_scores",
    automation_condition=CHECK_AUTOMATION,
    blocking=True,
    description=(
        "Every matches row has a score within [0, 100], all six signals (columns and jsonb) within [0, 1] "
        "and a non-empty rationale; blocking, because the advertiser dashboard's recommendations read matches."
    ),
)
def match_scores_in_range(postgres: PostgresResource) -> dg.AssetCheckResult:
    with postgres.connect() as conn:
        violations, sample = matches_sql.range_violations(conn)
    return dg.AssetCheckResult(
        passed=violations == 0,
        metadata={"violations": violations, "sample": dg.MetadataValue.json(sample)},
    )


MATCHMAKING_CHECKS = [match_scores_in_range]
