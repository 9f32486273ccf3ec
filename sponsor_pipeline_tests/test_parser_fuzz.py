"""Hypothesis fuzzing of every parser entry point with arbitrary cell values: CSV reading and
validation, platform export payloads and Google Sheets values end in rows plus row-level rejects
(valid + rejected = rows) or in one clear error naming the source — never another exception."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sponsor_pipeline import exports, schemas
from sponsor_pipeline.sheet_values import values_to_frame
from sponsor_pipeline.validation import InputShapeError, prepare_chunk, read_csv_chunks, split_valid

from .conftest import SAMPLES

pytestmark = pytest.mark.slow

FUZZ = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
SCHEMAS = [
    schemas.LISTENER_METRICS,
    schemas.LISTENER_METRICS_EXPORT,
    schemas.EPISODES,
    schemas.SHOWS,
    schemas.AUDIENCE_PROFILES,
    schemas.IO_BOOKINGS,
    schemas.CAMPAIGNS,
]
EXPORTS = SAMPLES / "exports" / "engineering-kiosk"
PAYLOADS = {p.name: json.loads(p.read_bytes()) for p in sorted(EXPORTS.glob("*.json"))}
for extra in ("hosterPodcastMetricsTotals.json", "spotifyPodcastAggregate.json"):
    shared = Path("/work/shared/data/openpodcast") / extra
    if shared.exists():
        PAYLOADS[extra] = json.loads(shared.read_bytes())
MORE = Path(__file__).parent / "data" / "openpodcast_more"
PAYLOADS |= {p.name: json.loads(p.read_bytes()) for p in sorted(MORE.glob("*.json"))}

cell_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["01/01/2013", "2 Jan 2013", "20130102", "2026-02-30", "NaN", "inf", "-0", "1e400", "٣", "\x00"]),
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
any_cell = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    cell_text,
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _assert_split(frame, schema) -> None:
    try:
        chunk = prepare_chunk(frame, schema, "fuzz-source")
        valid, rejects = split_valid(chunk, schema)
    except InputShapeError:
        return
    assert len(valid) + len(rejects) == len(chunk)
    assert set(valid.index).isdisjoint(r.row_number for r in rejects)
    for reject in rejects:
        assert reject.reason and set(reject.columns) <= set(schema.columns)


@FUZZ
@given(schema=st.sampled_from(SCHEMAS), data=st.data())
def test_csv_validation_of_arbitrary_cells_rejects_rows_or_names_the_source(schema, data):
    import pandas as pd

    columns = list(schema.columns)
    rows = data.draw(st.lists(st.lists(cell_text, min_size=len(columns), max_size=len(columns)), max_size=8))
    frame = pd.DataFrame(rows, columns=columns, dtype=object) if rows else pd.DataFrame(columns=columns, dtype=object)
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    _assert_split(frame.astype("category") if data.draw(st.booleans()) else frame, schema)


@FUZZ
@given(body=st.binary(max_size=400) | st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_csv_reader_on_arbitrary_bytes_yields_chunks_or_one_clear_error(tmp_path_factory, body):
    path = tmp_path_factory.mktemp("fuzz") / "metrics.csv"
    path.write_bytes(body)
    message = ""
    try:
        for chunk in read_csv_chunks(path, chunk_rows=3):
            _assert_split(chunk, schemas.LISTENER_METRICS)
    except InputShapeError as err:
        message = str(err)
    assert not message or str(path) in message


@FUZZ
@given(values=st.lists(st.lists(any_cell, max_size=10), max_size=8))
def test_sheet_values_of_any_type_become_rows_and_rejects_or_one_clear_error(values):
    try:
        frame = values_to_frame(values, "gsheet:fuzz/Tab", defaults={"tenant_id": "northwind-audio"})
    except InputShapeError as err:
        frame, message = None, str(err)
    if frame is None:
        assert message.startswith("gsheet:fuzz/Tab: ")
        return
    _assert_split(frame, schemas.LISTENER_METRICS)


def _leaves(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, (*path, index))
    yield path


def _set(node, path, value):
    if not path:
        return value
    target = node
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return node


@FUZZ
@given(name=st.sampled_from(sorted(PAYLOADS)), data=st.data())
def test_real_payloads_with_any_value_anywhere_parse_to_rows_or_a_clear_error(name, data):
    payload = copy.deepcopy(PAYLOADS[name])
    paths = list(_leaves(payload))
    for _ in range(data.draw(st.integers(1, 4))):
        where = data.draw(st.sampled_from(paths))
        try:
            payload = _set(payload, where, data.draw(any_cell))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this path
        paths = list(_leaves(payload))
    try:
        parsed = exports.parse_export(payload, exports.ShowContext("t", "s"), name)
    except exports.ExportFormatError as err:
        parsed, message = None, str(err)
    if parsed is None:
        assert message.startswith(f"{name}: ")
        return
    schema = schemas.AUDIENCE_PROFILES if parsed.target == "audience_profiles" else schemas.LISTENER_METRICS_EXPORT
    import pandas as pd

    rows = parsed.audience if parsed.target == "audience_profiles" else parsed.metrics
    columns = exports.AUDIENCE_COLUMNS if parsed.target == "audience_profiles" else exports.METRIC_COLUMNS
    frame = pd.DataFrame(rows, columns=list(columns), dtype=object)
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    _assert_split(frame, schema)
    assert all(isinstance(n, int) and n > 0 for n in parsed.dropped.values())
