"""Ops alert rules (pure): pacing risk, flights ending, make-goods, missing codes, imports, lag, staleness."""

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from sponsor_pipeline.dashboards.alerts import ALERT_COLUMNS, OpsThresholds, build_alerts

AS_OF = date(2026, 11, 15)
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
IO_COLS = [
    "tenant_id",
    "io_id",
    "status",
    "flight_start",
    "flight_end",
    "promo_code",
    "vanity_url",
    "pacing_ratio",
    "make_good_impressions",
]


def _io(
    io_id,
    status="live",
    start=date(2026, 11, 1),
    end=date(2026, 11, 30),
    promo="CODE",
    url="https://x",
    pacing=1.0,
    make_good=0,
):
    return ("t1", io_id, status, start, end, promo, url, pacing, make_good)


def _alerts(ios=(), imports=None, pending=None, series=None, t=None):
    t = t or OpsThresholds()
    return build_alerts(
        ios=pd.DataFrame(list(ios), columns=IO_COLS),
        imports=imports
        if imports is not None
        else pd.DataFrame(
            columns=["import_id", "tenant_id", "source_uri", "status", "error", "started_at", "quarantined"]
        ),
        pending=pending
        if pending is not None
        else pd.DataFrame(columns=["tenant_id", "entity_type", "oldest_changed_at", "pending"]),
        series=series if series is not None else pd.DataFrame(columns=["tenant_id", "show_id", "source", "last_day"]),
        as_of=AS_OF,
        now=NOW,
        thresholds=t,
    )


def _ids(frame, alert_type):
    return set(frame[frame.alert_type == alert_type].entity_id)


def test_under_pacing_uses_the_configured_threshold_and_flags_critical():
    frame = _alerts(
        [
            _io("ok", pacing=0.9),
            _io("low", pacing=0.89),
            _io("bad", pacing=0.5),
            _io("unmeasured", pacing=None),
            _io("done", status="completed", pacing=0.1, end=date(2026, 11, 10)),
        ]
    )
    assert _ids(frame, "io_under_pacing") == {"low", "bad"}
    severity = frame[frame.alert_type == "io_under_pacing"].set_index("entity_id").severity
    assert severity["low"] == "warning" and severity["bad"] == "critical"
    stricter = _alerts([_io("ok", pacing=0.9)], t=OpsThresholds(under_pacing_ratio=0.95))
    assert _ids(stricter, "io_under_pacing") == {"ok"}


def test_an_under_pacing_alert_says_when_the_io_is_paused():
    frame = _alerts([_io("held", status="paused", pacing=0.5), _io("running", pacing=0.5)])
    detail = frame[frame.alert_type == "io_under_pacing"].set_index("entity_id").detail
    assert "paused" in detail["held"] and "paused" not in detail["running"]


def test_flights_ending_within_seven_days_inclusive():
    frame = _alerts(
        [
            _io("d7", end=date(2026, 11, 22)),
            _io("d8", end=date(2026, 11, 23)),
            _io("d0", end=AS_OF),
            _io("draft", status="draft", end=date(2026, 11, 20)),
        ]
    )
    assert _ids(frame, "flight_ending") == {"d7", "d0"}
    assert frame.set_index("entity_id").loc["d7", "metric"] == 7


def test_completed_ios_with_a_shortfall_owe_a_make_good():
    frame = _alerts(
        [_io("owed", status="completed", make_good=1200), _io("even", status="completed"), _io("live", make_good=500)]
    )
    assert _ids(frame, "make_good_owed") == {"owed"}


def test_missing_promo_code_or_vanity_url_on_open_ios_only():
    frame = _alerts(
        [
            _io("nopromo", promo=None),
            _io("blank", url="  "),
            _io("gone", status="cancelled", promo=None),
            _io("past", status="completed", promo=None),
        ]
    )
    assert _ids(frame, "missing_promo_code") == {"nopromo"}
    assert _ids(frame, "missing_vanity_url") == {"blank"}


def test_imports_failed_or_quarantined_in_the_lookback_window():
    imports = pd.DataFrame(
        [
            (1, "t1", "/in/a.csv", "failed", "boom", NOW - timedelta(days=1), 0),
            (2, "t1", "/in/b.csv", "completed", None, NOW - timedelta(days=2), 4),
            (3, "t1", "/in/c.csv", "failed", "old", NOW - timedelta(days=8), 0),
            (4, "t1", "/in/d.csv", "completed", None, NOW - timedelta(hours=1), 0),
        ],
        columns=["import_id", "tenant_id", "source_uri", "status", "error", "started_at", "quarantined"],
    )
    frame = _alerts(imports=imports)
    assert _ids(frame, "import_failed") == {"1"}
    assert _ids(frame, "import_quarantined") == {"2"}
    assert "a.csv" in frame.set_index("entity_id").loc["1", "detail"]


def test_sensor_lag_alerts_on_old_unprocessed_changes_only():
    pending = pd.DataFrame(
        [("t1", "io_booking", NOW - timedelta(minutes=10), 3), ("t1", "campaign", NOW - timedelta(seconds=30), 1)],
        columns=["tenant_id", "entity_type", "oldest_changed_at", "pending"],
    )
    frame = _alerts(pending=pending)
    lag = frame[frame.alert_type == "sensor_lag"]
    assert list(lag.entity_id) == ["io_booking"] and lag.metric.iloc[0] == pytest.approx(600)


def test_stale_sources_lag_the_reference_day():
    series = pd.DataFrame(
        [
            ("t1", "s1", "megaphone", AS_OF),
            ("t1", "s1", "acast", date(2026, 11, 12)),
            ("t1", "s1", "spotify", date(2026, 11, 13)),
        ],
        columns=["tenant_id", "show_id", "source", "last_day"],
    )
    assert _ids(_alerts(series=series), "stale_source") == {"s1/acast"}


def test_alerts_have_the_table_columns_and_thresholds_are_validated():
    assert list(_alerts().columns) == ALERT_COLUMNS
    with pytest.raises(ValueError, match="critical_pacing_ratio"):
        OpsThresholds(under_pacing_ratio=0.5, critical_pacing_ratio=0.8)


def test_each_verification_flag_becomes_an_alert_with_its_severity_and_headline_figure():
    flags = pd.DataFrame(
        [
            ("t1", "io-1", "under_delivered", "critical", "rule A", {"percent_delivered": 89.9, "shortfall": 1010}),
            (
                "t1",
                "io-2",
                "brand_safety_conflict",
                "warning",
                "rule B",
                {"categories": [], "explicit_conflict": False},
            ),
        ],
        columns=["tenant_id", "io_id", "flag", "severity", "rule", "evidence"],
    )
    frame = build_alerts(
        ios=pd.DataFrame(columns=IO_COLS),
        imports=pd.DataFrame(
            columns=["import_id", "tenant_id", "source_uri", "status", "error", "started_at", "quarantined"]
        ),
        pending=pd.DataFrame(columns=["tenant_id", "entity_type", "oldest_changed_at", "pending"]),
        series=pd.DataFrame(columns=["tenant_id", "show_id", "source", "last_day"]),
        as_of=AS_OF,
        now=NOW,
        flags=flags,
    )
    rows = {r.alert_type: r for r in frame.itertuples(index=False)}
    assert set(rows) == {"flag_under_delivered", "flag_brand_safety_conflict"}
    under = rows["flag_under_delivered"]
    assert (under.severity, under.entity_type, under.entity_id, under.metric) == (
        "critical",
        "io_booking",
        "io-1",
        89.9,
    )
    assert under.detail == "io-1 under delivered (percent delivered 89.9): rule A"
    safety = rows["flag_brand_safety_conflict"]
    assert (safety.severity, safety.detail) == ("warning", "io-2 brand safety conflict: rule B")
    assert pd.isna(safety.metric)  # no single figure: NULL in ops_alerts


def test_every_alert_type_is_allowed_by_the_ops_alerts_check_constraint(conn):
    from sponsor_pipeline.dashboards.alerts import ALERT_TYPES

    from .test_vocabulary import allowed_values

    assert allowed_values(conn, "ops_alerts", "alert_type = ANY") == sorted(ALERT_TYPES)
