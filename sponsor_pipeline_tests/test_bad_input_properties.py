"""Property-based bad input: every malformed CSV, sheet or payload ends in loaded + quarantined =
rows read, or in one clear error naming the source with nothing of it loaded."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sponsor_pipeline import exports
from sponsor_pipeline.sheet_values import values_to_frame
from sponsor_pipeline.warehouse import imports
from sponsor_pipeline.warehouse.targets import LISTENER_METRICS

from .conftest import SAMPLES

# Lane: fuzz tests that import through PostgreSQL per example; not in `make test-fast`.
pytestmark = pytest.mark.slow

HEADER = ["tenant_id", "day", "show_id", "episode_id", "source", "downloads", "listeners", "listen_seconds"]
FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

good_row = st.fixed_dictionaries(
    {
        "tenant_id": st.sampled_from(["northwind-audio", "harbor-pods"]),
        "day": st.sampled_from(["2026-09-01", "2026-10-15"]),
        "show_id": st.just(""),
        "episode_id": st.sampled_from(["nw-tech-talk-e106", "hp-kitchen-table-e061"]),
        "source": st.sampled_from(["fuzz", "fuzz_b"]),
        "downloads": st.integers(0, 10_000).map(str),
        "listeners": st.one_of(st.just(""), st.integers(0, 100).map(str)),
        "listen_seconds": st.integers(0, 10**6).map(str),
    }
)
bad_cell = st.one_of(
    st.just("-5"),
    st.just("12.5"),
    st.just("abc"),
    st.just("1e400"),
    st.just("9" * 40),
    st.just("1899-01-01"),
    st.just("2999-12-31"),
    st.just("2026-02-30"),
    st.just("unknown-episode-9"),
    st.just("Ünïcødé"),
    st.just(""),
    st.just("x" * 5_000),
    st.just("\ufeffBOM"),
    st.just('a,b\n"c'),
    st.text(max_size=20),
)


@st.composite
def bad_rows(draw):
    rows = draw(st.lists(good_row, min_size=1, max_size=12))
    out = []
    for row in rows:
        row = dict(row)
        for column in draw(st.lists(st.sampled_from(HEADER), max_size=3)):
            row[column] = draw(bad_cell)
        out.append(row)
    return out


@st.composite
def csv_bytes(draw):
    rows = draw(bad_rows())
    header = list(HEADER)
    shape = draw(st.sampled_from(["ok", "missing", "extra", "ragged", "upper"]))
    if shape == "missing":
        header.remove(draw(st.sampled_from(HEADER)))
    if shape == "extra":
        header.append("notes")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([h.upper() if shape == "upper" else h for h in header])
    for i, row in enumerate(rows):
        cells = [row.get(h, "n") for h in header]
        if shape == "ragged" and i % 2:
            cells.append("surplus")
        writer.writerow(cells)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    return buffer.getvalue().encode(encoding, errors="replace"), len(rows)


def _check(conn, run, source_uri: str, rows_in_source: int | None):
    conn.execute(
        "DELETE FROM listener_metrics WHERE source LIKE 'fuzz%%' OR import_id IN "
        "(SELECT import_id FROM etl_imports WHERE source_uri = %s)",
        (source_uri,),
    )
    # every earlier fuzz import goes: imports are skipped by content checksum, whatever the path,
    # and two examples (or another test's temporary file) may carry the same bytes
    conn.execute(
        "DELETE FROM etl_imports WHERE source_uri = %s OR (source_kind IN ('csv', 'sheet') AND source_uri NOT LIKE %s)",
        (source_uri, f"{SAMPLES}%"),
    )
    conn.commit()
    try:
        result = run()
    except imports.ImportFailed as err:
        # either outcome is allowed for arbitrary input: a load, or a failure naming the file
        assert source_uri in str(err)  # noqa: PT017
        failed = conn.execute(
            "SELECT import_id, status FROM etl_imports WHERE source_uri = %s", (source_uri,)
        ).fetchall()
        assert [s for _, s in failed] == ["failed"]
        import_id = failed[0][0]
        assert (
            conn.execute("SELECT count(*) FROM listener_metrics WHERE import_id = %s", (import_id,)).fetchone()[0] == 0
        )
        assert (
            conn.execute("SELECT count(*) FROM quarantined_rows WHERE import_id = %s", (import_id,)).fetchone()[0] == 0
        )
        return None
    assert result.status == "completed"
    assert result.rows_loaded + result.rows_quarantined == result.rows_read
    if rows_in_source is not None:
        assert result.rows_read == rows_in_source
    stored = conn.execute(
        "SELECT rows_read, rows_loaded, rows_quarantined FROM etl_imports WHERE import_id = %s", (result.import_id,)
    ).fetchone()
    assert stored == (result.rows_read, result.rows_loaded, result.rows_quarantined)
    assert (
        conn.execute("SELECT count(*) FROM quarantined_rows WHERE import_id = %s", (result.import_id,)).fetchone()[0]
        == result.rows_quarantined
    )
    return result


@FUZZ
@given(case=csv_bytes())
def test_malformed_csv_loads_or_quarantines_every_row_or_fails_whole(reference, tmp_path_factory, case):
    data, _n_rows = case
    path = tmp_path_factory.mktemp("fuzz") / "fuzz_metrics.csv"
    path.write_bytes(data)
    _check(reference, lambda: imports.import_csv(reference, path, LISTENER_METRICS), str(path.resolve()), None)


sheet_cell = st.one_of(
    st.integers(-10, 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.none(),
    st.just(""),
    st.just("1,480"),
    st.just("11/9/2026"),
    st.just("46300"),
    st.just(46300.5),
    st.just(-3),
    st.text(max_size=15),
    st.just("x" * 3_000),
)


@st.composite
def sheet_values(draw):
    header = [draw(st.sampled_from([f" {h.upper()} ", h, h.title()])) for h in HEADER if h != "tenant_id"]
    if draw(st.booleans()):
        header.pop(draw(st.integers(0, len(header) - 1)))
    rows = [header]
    for row in draw(st.lists(good_row, min_size=0, max_size=10)):
        cells = [46300 if h == "day" else row[h] for h in HEADER if h != "tenant_id"]
        for i in draw(st.lists(st.integers(0, len(cells) - 1), max_size=3)):
            cells[i] = draw(sheet_cell)
        while cells and cells[-1] in ("", None) and draw(st.booleans()):
            cells.pop()  # the API drops trailing blanks
        rows.append(cells)
        if draw(st.integers(0, 5)) == 0:
            rows.append([])
    return rows


@FUZZ
@given(values=sheet_values())
def test_malformed_sheet_values_load_or_quarantine_every_row_or_fail_whole(reference, values):
    uri = "gsheet:fuzz/Sheet1"
    non_empty = sum(1 for r in values[1:] if any(str(c).strip() for c in r if c is not None))

    def run():
        return imports.import_frames(
            reference,
            lambda: iter([values_to_frame(values, uri, defaults={"tenant_id": "northwind-audio"})]),
            LISTENER_METRICS,
            source_kind="sheet",
            source_uri=uri,
            checksum=json.dumps(values, default=str)[:200] + str(hash(json.dumps(values, default=str))),
            tenant_id="northwind-audio",
        )

    _check(reference, run, uri, non_empty)


json_value = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(-(10**12), 10**12), st.floats(allow_nan=False), st.text(max_size=10)
    ),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=80, deadline=None, derandomize=True)
@given(provider_endpoint=st.sampled_from([*sorted(exports.FORMATS), ("anchor", "nope")]), data=json_value)
def test_payload_parser_returns_rows_or_a_clear_error(provider_endpoint, data):
    provider, endpoint = provider_endpoint
    payload = {
        "provider": provider,
        "meta": {"show": "s", "endpoint": endpoint},
        "range": {"end": "2022-10-01"},
        "data": data,
    }
    try:
        parsed = exports.parse_export(payload, exports.ShowContext("t", "s"), "fuzz.json")
    except exports.ExportFormatError as err:
        # either outcome is allowed for arbitrary input: a parse, or an error naming the file
        assert str(err).startswith("fuzz.json: ")  # noqa: PT017
        return
    for row in parsed.metrics:
        assert set(row) == set(exports.METRIC_COLUMNS)
    for row in parsed.audience:
        assert set(row) == set(exports.AUDIENCE_COLUMNS)


@pytest.mark.parametrize("data", [{"data": {"rows": [[1, "e", 2, 9]]}}, {"data": {"rows": "x"}}, [], {"data": None}])
def test_anchor_rows_of_the_wrong_shape_name_the_file(data):
    payload = {"provider": "anchor", "meta": {"show": "s", "endpoint": "playsByEpisode"}, "data": data}
    with pytest.raises(exports.ExportFormatError, match=r"^f\.json: "):
        exports.parse_export(payload, exports.ShowContext("t", "s"), "f.json")
