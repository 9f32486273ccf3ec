"""The benchmark scripts run end to end at toy sizes, so they cannot rot (no timing is asserted)."""

import pytest

from benchmarks import run as bench

# Lane: runs every benchmark script; not in `make test-fast`.
pytestmark = pytest.mark.bench


@pytest.mark.parametrize("case", [c[0] for c in bench.CASES if c[2] is not None])
def test_benchmark_case_runs_at_tiny_scale(case, tmp_path):
    rows = bench.main(["--tiny", "--only", case.rsplit(".", 1)[1], "--out", str(tmp_path / "r.md")])
    assert rows, case
    assert all(r.ratio > 0 for r in rows)
    assert "| case |" in (tmp_path / "r.md").read_text()


def test_demo_wall_clone_step_copies_the_checkout(tmp_path):
    from benchmarks.demo_wall import _fresh_clone

    clone = _fresh_clone(tmp_path / "clone")
    assert (clone / "Makefile").exists() and (clone / "sponsor_pipeline" / "definitions.py").exists()
