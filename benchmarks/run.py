"""Runs every benchmark case (``make bench``), prints one table and writes ``benchmarks/RESULTS.md``.

Every figure is a ratio against a baseline timed in the same run, next to the absolute numbers, on
the machine named in the file. ``--tiny`` runs the same code at toy sizes (part of ``make test``, so
the scripts cannot rot) and writes its table elsewhere.
"""

from __future__ import annotations

import argparse
import importlib
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import Row, machine

RESULTS = Path(__file__).with_name("RESULTS.md")

# (module, arguments for the full run, arguments for --tiny); a module missing from this checkout
# (a feature flag's code not present) is reported, not skipped silently.
CASES: list[tuple[str, list[str], list[str] | None]] = [
    ("benchmarks.ingest", [], ["--sizes", "2000", "6000", "--to-sql-rows", "2000"]),
    ("benchmarks.refresh", [], ["--sizes", "3000", "9000", "--episodes", "100"]),
    ("benchmarks.match_scores", [], ["--shows", "60", "--campaigns", "20", "--block", "8", "--row-blocks", "1"]),
    ("benchmarks.sensor_tick", [], ["--scale", "3000", "--base", "300", "--pending", "20", "--repeat", "2"]),
    ("benchmarks.demo_wall", [], None),
]


def table(rows: list[Row]) -> str:
    lines = [
        "| case | size | measured | baseline (same run) | ratio | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    lines.extend(
        f"| {r.case} | {r.size} | {r.measured} | {r.baseline} | {r.ratio:.2f} | {r.target} | "
        f"{'yes' if r.met else '**no**'} |"
        for r in rows
    )
    return "\n".join(lines)


def run(tiny: bool, only: list[str] | None = None) -> list[Row]:
    rows: list[Row] = []
    for module_name, full_args, tiny_args in CASES:
        if only and not any(module_name.endswith(o) for o in only):
            continue
        if tiny and tiny_args is None:
            continue
        module = importlib.import_module(module_name)
        start = time.perf_counter()
        result = module.main(tiny_args if tiny else full_args)
        print(f"[{module_name}: {time.perf_counter() - start:.0f} s]", flush=True)
        rows.extend(result)
    return rows


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="toy sizes; table not written to RESULTS.md")
    parser.add_argument("--only", nargs="*", help="run only the named cases (module name endings)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = run(args.tiny, args.only)
    body = table(rows)
    print(body)
    out = args.out or (None if args.tiny else RESULTS)
    if out is not None:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        out.write_text(
            "# Benchmark results\n\n"
            f"Measured {stamp} by `make bench` ({time.perf_counter() - started:.0f} s in all) on: {machine()}.\n"
            "Each ratio compares the pipeline with a baseline timed in the same run on the same "
            "PostgreSQL server; see each script's docstring for what is measured.\n\n"
            f"{body}\n"
        )
    return rows


if __name__ == "__main__":
    main()
