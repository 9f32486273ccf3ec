"""Data-time freshness: each check fails on old data (ERROR past fail_days, WARN past warn_days) and
names the stale (tenant, source) series; it passes on recent data."""

from __future__ import annotations

from datetime import date, timedelta

import dagster as dg
import pytest

from sponsor_pipeline.defs.freshness_checks import build_freshness_check
from sponsor_pipeline.resources.settings import PipelineSettings
from sponsor_pipeline.warehouse import freshness
from sponsor_pipeline.warehouse.metrics import refresh_metrics_daily

SETTINGS = PipelineSettings(freshness_warn_days=2, freshness_fail_days=7)


def test_judge_applies_warn_and_fail_thresholds_in_days():
    as_of = date(2026, 12, 1)
    rows = [("t", "a", date(2026, 11, 30)), ("t", "b", date(2026, 11, 28)), ("t", "c", date(2026, 11, 20))]
    assert [a.status for a in freshness.judge(rows, as_of, 2, 7)] == ["fresh", "warn", "fail"]
    assert [a.age_days for a in freshness.judge(rows, as_of, 2, 7)] == [1, 3, 11]
    with pytest.raises(ValueError, match="warn_days <= fail_days"):
        freshness.judge(rows, as_of, 8, 7)


def _insert(conn, day: date, source: str, import_id: int | None = None) -> None:
    conn.execute(
        "INSERT INTO listener_metrics (tenant_id, day, show_id, episode_id, source, downloads, listeners, import_id) "
        "VALUES ('northwind-audio', %s, 'nw-tech-talk', NULL, %s, 10, 1, %s)",
        (day, source, import_id),
    )


def test_metrics_daily_freshness_fails_on_old_data_and_passes_on_recent(reference, postgres):
    check = build_freshness_check("metrics_daily", None)
    today = freshness.today()
    _insert(reference, today - timedelta(days=16), "megaphone")  # as in the issue: 16 days old
    _insert(reference, today - timedelta(days=1), "libsyn")
    reference.commit()
    refresh_metrics_daily(reference)
    result = check(postgres=postgres, settings=SETTINGS)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert result.metadata["stale"].value == [
        {
            "tenant_id": "northwind-audio",
            "source": "megaphone",
            "newest_day": str(today - timedelta(days=16)),
            "age_days": 16,
        }
    ]
    assert result.metadata["oldest_age_days"].value == 16

    _insert(reference, today - timedelta(days=4), "megaphone")  # 4 days: past warn, within fail
    reference.commit()
    refresh_metrics_daily(reference)
    warned = check(postgres=postgres, settings=SETTINGS)
    assert not warned.passed and warned.severity == dg.AssetCheckSeverity.WARN

    _insert(reference, today, "megaphone")
    reference.commit()
    refresh_metrics_daily(reference)
    assert check(postgres=postgres, settings=SETTINGS).passed


def test_input_asset_freshness_is_judged_on_its_own_source_kind(reference, postgres):
    export_id = reference.execute(
        "INSERT INTO etl_imports (source_kind, source_uri, checksum, status) "
        "VALUES ('export', '/x/anchorPlays.json', 'x', 'completed') RETURNING import_id"
    ).fetchone()[0]
    today = freshness.today()
    _insert(reference, today - timedelta(days=30), "anchor", export_id)  # old export data
    _insert(reference, today, "megaphone")  # fresh, but not from an export
    reference.commit()
    exports = build_freshness_check("platform_exports", "export")(postgres=postgres, settings=SETTINGS)
    assert not exports.passed and exports.severity == dg.AssetCheckSeverity.ERROR
    assert [s["source"] for s in exports.metadata["stale"].value] == ["anchor"]
    sheets = build_freshness_check("sheet_metrics", "sheet")(postgres=postgres, settings=SETTINGS)
    assert sheets.passed and sheets.metadata["series"].value == 0  # no sheet data: nothing to judge
