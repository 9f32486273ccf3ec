"""Pure validation: every row ends loaded or rejected with its row number, column and reason."""

import io

import pandas as pd
import pytest

from sponsor_pipeline import schemas
from sponsor_pipeline.validation import InputShapeError, prepare_chunk, read_csv_chunks, split_valid

HEADER = "tenant_id,day,show_id,episode_id,source,downloads,listeners,listen_seconds\n"


def _split(text: str, tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes(text.encode("utf-8"))
    valid, rejects = [], []
    for raw in read_csv_chunks(path, chunk_rows=2):
        v, r = split_valid(prepare_chunk(raw, schemas.LISTENER_METRICS, str(path)), schemas.LISTENER_METRICS)
        valid.append(v)
        rejects += r
    return pd.concat([v for v in valid if not v.empty] or valid[:1]), rejects


def test_row_numbers_run_across_chunks_and_rejects_name_columns(tmp_path):
    text = (
        "\ufeff"
        + HEADER.replace("episode_id", " Episode ID ")
        + (
            "a,2026-10-01,s,e1,spotify,1,1,\n"
            "a,2026-10-02,s,e1,spotify,2,,\n"
            "a,2026-10-03,s,e1,spotify,x,1,\n"
            "a,2026-10-04,s,e1,spotify,4,-1,\n"
            "a,2026-10-05,,,spotify,5,1,\n"
        )
    )
    valid, rejects = _split(text, tmp_path)
    assert list(valid.index) == [1, 2]
    assert valid["downloads"].tolist() == [1, 2]
    assert [(r.row_number, r.column_name) for r in rejects] == [(3, "downloads"), (4, "listeners"), (5, None)]
    assert "show_id and episode_id are both empty" in rejects[2].reason


def test_dates_outside_the_plausible_range_are_rejected(tmp_path):
    valid, rejects = _split(HEADER + "a,1999-01-01,s,e,spotify,1,,\na,2999-01-01,s,e,spotify,1,,\n", tmp_path)
    assert valid.empty
    assert [r.column_name for r in rejects] == ["day", "day"]


def test_missing_column_is_one_clear_error_naming_the_source():
    raw = pd.read_csv(io.StringIO("tenant_id,day\na,2026-01-01\n"), dtype=str)
    with pytest.raises(InputShapeError, match=r"x\.csv: missing required column"):
        prepare_chunk(raw, schemas.LISTENER_METRICS, "x.csv")


def test_non_utf8_file_is_one_clear_error(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "a,2026-10-01,s,Café,spotify,1,,\n").encode("latin-1"))
    with pytest.raises(InputShapeError, match=r"latin1\.csv: not UTF-8"):
        list(read_csv_chunks(path))
