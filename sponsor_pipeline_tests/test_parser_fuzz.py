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
    schemas.SHOW_AUDIENCE_SIZE,
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
# bare OP3 API responses (no wrapper), detected by shape
OP3 = Path(__file__).parent / "data" / "op3"
PAYLOADS |= {p.name: json.loads(p.read_bytes()) for p in sorted(OP3.glob("*.json"))}
TARGETS = {  # ParsedExport.target → (rows attribute, columns, schema)
    "listener_metrics": ("metrics", exports.METRIC_COLUMNS, schemas.LISTENER_METRICS_EXPORT),
    "audience_profiles": ("audience", exports.AUDIENCE_COLUMNS, schemas.AUDIENCE_PROFILES),
    "show_audience_size": ("sizes", exports.SIZE_COLUMNS, schemas.SHOW_AUDIENCE_SIZE),
}

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
    _assert_parsed(parsed)


def _assert_parsed(parsed: exports.ParsedExport) -> None:
    """The parsed rows of the payload's one target split into valid rows and row-level rejects; every
    dropped count is a positive integer; no other target received rows."""
    import pandas as pd

    attribute, columns, schema = TARGETS[parsed.target]
    rows = getattr(parsed, attribute)
    assert all(not getattr(parsed, other) for other, _, _ in TARGETS.values() if other != attribute)
    frame = pd.DataFrame(rows, columns=list(columns), dtype=object)
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    _assert_split(frame, schema)
    assert all(isinstance(n, int) and n > 0 for n in parsed.dropped.values())


# A TSV cell holds no tab or line break (OP3 writes none: its values are ids, names and codes).
op3_cell = st.one_of(
    st.just(""),
    st.text(alphabet=st.characters(blacklist_characters="\t\r\n"), max_size=25),
    cell_text.filter(lambda t: not set(t) & set("\t\r\n")),
)


@FUZZ
@given(
    cells=st.lists(st.lists(op3_cell, max_size=21), max_size=6),
    header=st.sampled_from(["op3", "short", "other"]),
    bom=st.booleans(),
)
def test_op3_downloads_tsv_with_any_cells_parses_to_rows_or_a_clear_error(cells, header, bom):
    names = list(exports.OP3_DOWNLOAD_HEADERS)
    first = {"op3": names, "short": names[:4], "other": ["date", "downloads"]}[header]
    text = ("\ufeff" if bom else "") + "\n".join("\t".join(line) for line in [first, *cells]) + "\n"
    try:
        payload, message = exports.op3_downloads_tsv(text), ""
    except exports.ExportFormatError as err:
        payload, message = None, str(err)
    if payload is None:
        assert header != "op3" and "not an OP3 downloads TSV" in message
        return
    assert header == "op3"
    try:
        parsed = exports.parse_export(payload, exports.ShowContext("t", "s"), "downloads.tsv")
    except exports.ExportFormatError as err:
        parsed, message = None, str(err)
    if parsed is None:
        assert message.startswith("downloads.tsv: ")
        return
    _assert_parsed(parsed)
    # every non-blank line is one download: in a day total, a row of its own, or dropped by reason
    counted = sum(int(m["downloads"]) for m in parsed.metrics) + sum(parsed.dropped.values())
    assert counted == len([line for line in cells if "\t".join(line).strip()])


@FUZZ
@given(
    value=st.recursive(
        any_cell,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "rows",
                        "count",
                        "headers",
                        "showUuid",
                        "asof",
                        "showDownloadCounts",
                        "appDownloads",
                        "episodes",
                        "maxDownloadHour",
                        "meta",
                        "x",
                    ]
                ),
                inner,
                max_size=4,
            )
        ),
        max_leaves=12,
    )
)
def test_any_json_value_is_a_bare_op3_response_or_left_alone(value):
    found = exports.op3_raw_endpoint(value)
    wrapped = exports.as_wrapper(value)
    if found is None:
        assert wrapped is value
        return
    assert wrapped["provider"] == "op3" and wrapped["meta"]["endpoint"] == found[0]
    try:
        parsed, message = exports.parse_export(wrapped, exports.ShowContext("t", "s"), "op3.json"), ""
    except exports.ExportFormatError as err:
        parsed, message = None, str(err)
    if parsed is None:
        assert message.startswith("op3.json: ")
        return
    _assert_parsed(parsed)
