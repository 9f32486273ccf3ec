"""The vocabulary pinned against the database: each CHECK constraint and column default created by
``sql/migrations`` allows exactly the values :mod:`sponsor_pipeline.vocabulary` names, so a value
added or renamed on one side only fails here."""

import re

import psycopg
import pytest

from sponsor_pipeline import schemas, vocabulary

LITERAL = re.compile(r"'((?:[^']|'')*)'::text")


def check_definitions(conn: psycopg.Connection, table: str) -> list[str]:
    """``pg_get_constraintdef`` of every CHECK constraint on ``table``."""
    return [
        d
        for (d,) in conn.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'c' AND conrelid = %s::regclass "
            "ORDER BY conname",
            (table,),
        )
    ]


def the_check(conn: psycopg.Connection, table: str, marker: str) -> str:
    """The one CHECK constraint of ``table`` whose definition contains ``marker``."""
    found = [d for d in check_definitions(conn, table) if marker in d]
    assert len(found) == 1, f"{table}: expected one CHECK containing {marker!r}, found {found}"
    return found[0]


def allowed_values(conn: psycopg.Connection, table: str, marker: str) -> list[str]:
    """The text literals of the last ``ARRAY[...]`` (the allowed values) of that constraint, sorted."""
    array = the_check(conn, table, marker).rsplit("ARRAY[", 1)[1]
    return sorted(value.replace("''", "'") for value in LITERAL.findall(array))


@pytest.mark.parametrize(
    ("table", "marker", "values"),
    [
        ("campaigns", "stage = ANY", vocabulary.DEAL_STAGES),
        ("io_bookings", "status = ANY", vocabulary.IO_STATUSES),
        ("ad_units", '"position" = ANY', vocabulary.AD_POSITIONS),
        ("ad_units", "read_type = ANY", vocabulary.READ_TYPES),
        ("audience_profiles", "CHECK ((dimension = ANY", vocabulary.AUDIENCE_DIMENSIONS),
        ("audience_profiles", "'age_band'::text) OR", vocabulary.AGE_BANDS),
        ("audience_profiles", "'gender'::text) OR", vocabulary.GENDERS),
        ("show_audience_size", "metric = ANY", vocabulary.AUDIENCE_SIZE_METRICS),
        ("campaign_targets", "CHECK ((dimension = ANY", vocabulary.TARGET_DIMENSIONS),
        ("campaign_targets", "'age_band'::text) OR", vocabulary.AGE_BANDS),
        ("campaign_targets", "'gender'::text) OR", vocabulary.GENDERS),
        ("show_topics", "source = ANY", vocabulary.SHOW_TOPIC_SOURCES),
        ("show_brand_safety", "<@", vocabulary.GARM_RISK_LEVELS),
        ("campaign_brand_safety", "<@", vocabulary.ACCEPTABLE_RISK_LEVELS),
        ("io_verification_flags", "flag = ANY", vocabulary.VERIFICATION_FLAGS),
        ("io_verification_flags", "severity = ANY", vocabulary.VERIFICATION_SEVERITIES),
    ],
)
def test_check_constraints_allow_exactly_the_vocabulary(conn, table, marker, values):
    assert allowed_values(conn, table, marker) == sorted(values)


def test_campaigns_cannot_accept_the_garm_floor_and_shows_can_carry_it(conn):
    assert vocabulary.GARM_FLOOR in allowed_values(conn, "show_brand_safety", "<@")
    assert vocabulary.GARM_FLOOR not in allowed_values(conn, "campaign_brand_safety", "<@")
    assert vocabulary.GARM_RISK_LEVELS[-1] == vocabulary.GARM_FLOOR  # the floor ranks highest


@pytest.mark.parametrize(
    ("table", "default"),
    [
        ("show_brand_safety", vocabulary.GARM_RISK_LEVELS[0]),  # an unassessed category: no such content
        ("campaign_brand_safety", vocabulary.DEFAULT_ACCEPTED_RISK),
    ],
)
def test_garm_columns_and_their_defaults_are_the_vocabulary(conn, table, default):
    rows = conn.execute(
        "SELECT column_name, column_default FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s AND column_name LIKE 'garm\\_%%' "
        "ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    assert tuple(name for name, _ in rows) == vocabulary.GARM_COLUMNS
    assert {value for _, value in rows} == {f"'{default}'::text"}
    checked = the_check(conn, table, "<@").split("ARRAY[", 2)[1].split("]", 1)[0]
    assert tuple(c.strip() for c in checked.split(",")) == vocabulary.GARM_COLUMNS


def test_age_gender_buckets_are_the_vocabulary_cells(conn):
    definition = the_check(conn, "audience_profiles", "'age_gender'::text) OR")
    pattern = LITERAL.findall(definition.split("bucket ~ ", 1)[1])[0]
    bands, genders = re.fullmatch(r"\^\((.*)\)\\\|\((.*)\)\$", pattern).groups()
    assert tuple(band.replace("\\+", "+") for band in bands.split("|")) == vocabulary.AGE_BANDS
    assert tuple(genders.split("|")) == vocabulary.GENDERS
    # The database's regex and the pandera schema's (derived from the vocabulary) agree, cell by cell.
    candidates = [
        *vocabulary.AGE_GENDER_CELLS,
        "60-150|female",
        "18-22|FEMALE",
        "18-22",
        "18-22|male|x",
        "60|male",
        "0-17|unknown",
    ]
    in_database = dict(conn.execute("SELECT c, c ~ %s FROM unnest(%s::text[]) AS c", (pattern, candidates)).fetchall())
    in_schema = {c: re.fullmatch(schemas.AGE_GENDER_BUCKET, c) is not None for c in candidates}
    assert in_database == in_schema
    assert [c for c in candidates if in_schema[c]] == list(vocabulary.AGE_GENDER_CELLS)
