"""Owns the ops alert rules: which IOs, imports, sensors and sources need someone's attention.

Pure pandas: no Dagster, no database. Business dates (pacing, flights, source freshness) are judged
against the reference day ``as_of``; operational timestamps (imports, sensor lag) against ``now``.
"""

# pandas-stubs types the fields of itertuples() rows and .loc scalars as the union ``Scalar``, which
# float()/int()/round() reject; the frames here hold numbers in those columns (read from numeric SQL).
# pyright: reportArgumentType=false, reportCallIssue=false, reportOperatorIssue=false

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd

from sponsor_pipeline.vocabulary import (
    CLOSED_IO_STATUSES,
    CRITICAL_PACING_RATIO,
    RUNNING_IO_STATUSES,
    UNDER_PACING_RATIO,
    VERIFICATION_FLAGS,
)

ALERT_COLUMNS = ["tenant_id", "alert_type", "severity", "entity_type", "entity_id", "metric", "detail", "as_of"]

# Alert types, in the order the ops dashboard lists them; last, one per IO verification flag
# (verification.py).
ALERT_TYPES = (
    "io_under_pacing",
    "flight_ending",
    "make_good_owed",
    "missing_promo_code",
    "missing_vanity_url",
    "import_failed",
    "import_quarantined",
    "sensor_lag",
    "stale_source",
    *(f"flag_{flag}" for flag in VERIFICATION_FLAGS),
)
# The evidence figure each flag's alert carries as its metric (None: the flag has no single figure).
FLAG_METRIC: dict[str, str | None] = {
    "under_delivered": "percent_delivered",
    "under_pacing": "pacing_ratio",
    "missing_promo_code": None,
    "unused_promo_code": "days_since_flight_start",
    "no_vanity_traffic": "days_since_flight_start",
    "audience_outside_targets": "share_in_targets",
    "brand_safety_conflict": None,
    "delivery_after_flight": "impressions_after_flight",
}
# Severities, most urgent first (ops_alerts.severity's CHECK constraint spells the same three).
SEVERITIES = ("critical", "warning", "info")


@dataclass(frozen=True)
class OpsThresholds:
    """Thresholds of the ops rules.

    under_pacing_ratio: a running IO whose pacing ratio (delivered / expected to date, even pacing)
        is below this is at risk of under-delivery (default :data:`~sponsor_pipeline.vocabulary.UNDER_PACING_RATIO`,
        the common 90 % pacing floor).
    critical_pacing_ratio: below this the alert is critical rather than a warning.
    flight_ending_days: flights ending within this many days of ``as_of`` (inclusive) are listed.
    import_lookback_days: failed / quarantining imports started within this many days of ``now``.
    sensor_lag_seconds: an unprocessed change-log row older than this is a sensor-lag alert.
    stale_source_days: a (show, source) series whose last day is more than this many days before
        ``as_of`` is stale (only series seen in the last ``stale_lookback_days`` are considered).
    """

    under_pacing_ratio: float = UNDER_PACING_RATIO
    critical_pacing_ratio: float = CRITICAL_PACING_RATIO
    flight_ending_days: int = 7
    import_lookback_days: int = 7
    sensor_lag_seconds: int = 300
    stale_source_days: int = 2
    stale_lookback_days: int = 90

    def __post_init__(self) -> None:
        if not 0 < self.critical_pacing_ratio <= self.under_pacing_ratio:
            raise ValueError(
                "need 0 < critical_pacing_ratio <= under_pacing_ratio, got "
                f"{self.critical_pacing_ratio} and {self.under_pacing_ratio}"
            )
        for name in ("flight_ending_days", "import_lookback_days", "sensor_lag_seconds", "stale_source_days"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")


def _alert(tenant_id, alert_type, severity, entity_type, entity_id, metric, detail) -> dict:
    return {
        "tenant_id": tenant_id,
        "alert_type": alert_type,
        "severity": severity,
        "entity_type": entity_type,
        "entity_id": str(entity_id),
        "metric": None if metric is None or pd.isna(metric) else float(metric),
        "detail": detail,
    }


def _utc(value) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _day(value) -> date:
    return pd.Timestamp(value).date()


def io_alerts(ios: pd.DataFrame, as_of: date, t: OpsThresholds) -> list[dict]:
    """Alerts about IOs.

    Args:
        ios: ``tenant_id, io_id, status, flight_start, flight_end, promo_code, vanity_url,
            pacing_ratio, make_good_impressions`` (the last two from ``io_delivery``, NULL when absent).

    Rules: ``io_under_pacing`` — running IO in flight on ``as_of`` with pacing below the threshold
    (the text says when the IO is paused, so a pause is not read as a delivery problem);
    ``flight_ending`` — running IO whose flight ends within ``flight_ending_days``;
    ``make_good_owed`` — completed IO with make-good impressions > 0; ``missing_promo_code`` /
    ``missing_vanity_url`` — an IO not cancelled or completed without one (direct-response
    attribution needs both).
    """
    out: list[dict] = []
    for io in ios.itertuples(index=False):
        start, end = _day(io.flight_start), _day(io.flight_end)
        running = io.status in RUNNING_IO_STATUSES
        pacing = io.pacing_ratio
        if (
            running
            and start <= as_of <= end
            and pacing is not None
            and not pd.isna(pacing)
            and float(pacing) < t.under_pacing_ratio
        ):
            severity = "critical" if float(pacing) < t.critical_pacing_ratio else "warning"
            out.append(
                _alert(
                    io.tenant_id,
                    "io_under_pacing",
                    severity,
                    "io_booking",
                    io.io_id,
                    pacing,
                    f"{io.io_id} pacing {float(pacing):.2f} < {t.under_pacing_ratio:.2f}, flight ends {end}"
                    + (" — the IO is paused: no delivery until it is resumed" if io.status == "paused" else ""),
                )
            )
        if running and as_of <= end <= as_of + timedelta(days=t.flight_ending_days):
            days_left = (end - as_of).days
            out.append(
                _alert(
                    io.tenant_id,
                    "flight_ending",
                    "info",
                    "io_booking",
                    io.io_id,
                    days_left,
                    f"{io.io_id} flight ends {end} ({days_left} days left, status {io.status})",
                )
            )
        owed = io.make_good_impressions
        if io.status == "completed" and owed is not None and not pd.isna(owed) and int(owed) > 0:
            out.append(
                _alert(
                    io.tenant_id,
                    "make_good_owed",
                    "warning",
                    "io_booking",
                    io.io_id,
                    int(owed),
                    f"{io.io_id} completed {end} short by {int(owed):,} impressions",
                )
            )
        if io.status not in CLOSED_IO_STATUSES:
            for column, alert_type in (("promo_code", "missing_promo_code"), ("vanity_url", "missing_vanity_url")):
                value = getattr(io, column)
                if value is None or pd.isna(value) or not str(value).strip():
                    out.append(
                        _alert(
                            io.tenant_id,
                            alert_type,
                            "warning",
                            "io_booking",
                            io.io_id,
                            None,
                            f"{io.io_id} ({io.status}) has no {column.replace('_', ' ')}",
                        )
                    )
    return out


def import_alerts(imports: pd.DataFrame, now: datetime, t: OpsThresholds) -> list[dict]:
    """Alerts about imports started within ``import_lookback_days`` of ``now``.

    Args:
        imports: ``import_id, tenant_id, source_uri, status, error, started_at, quarantined`` — one
            row per (import, tenant of its quarantined rows); ``quarantined`` is that tenant's count.
            Optional: ``failure_reason`` (``content``, ``error``, ``interrupted``) and ``unresolved``
            (failed on its content, not retried: alerted whatever its age).

    Rules: ``import_failed`` (critical) per failed import — one per failed source, since a source
    that failed on its content is recorded once per checksum; an ``interrupted`` import (its process
    died) says so; ``import_quarantined`` (warning) per import and tenant with quarantined rows.
    """
    out: list[dict] = []
    since = _utc(now) - pd.Timedelta(days=t.import_lookback_days)
    keep = pd.to_datetime(imports["started_at"], utc=True) >= since
    if "unresolved" in imports:
        keep = keep | imports["unresolved"].fillna(False).astype(bool)
    recent = imports[keep]
    failed: set = set()
    for row in recent.itertuples(index=False):
        tenant = None if row.tenant_id is None or pd.isna(row.tenant_id) else row.tenant_id
        name = str(row.source_uri).rsplit("/", 1)[-1]
        if row.status == "failed":
            if row.import_id in failed:
                continue
            failed.add(row.import_id)
            reason = getattr(row, "failure_reason", None)
            if reason == "interrupted":
                detail = f"import {row.import_id} of {name} was interrupted (its process died); imported again"
            elif reason == "content":
                detail = (
                    f"import {row.import_id} of {name} failed on its content, not retried until the file "
                    f"changes or a run sets retry_failed: {row.error or 'no error recorded'}"
                )
            else:
                detail = f"import {row.import_id} of {name} failed: {row.error or 'no error recorded'}"
            out.append(_alert(tenant, "import_failed", "critical", "etl_import", row.import_id, None, detail))
        elif row.quarantined and int(row.quarantined) > 0:
            out.append(
                _alert(
                    tenant,
                    "import_quarantined",
                    "warning",
                    "etl_import",
                    row.import_id,
                    int(row.quarantined),
                    f"import {row.import_id} of {name}: {int(row.quarantined)} rows quarantined",
                )
            )
    return out


def sensor_lag_alerts(pending: pd.DataFrame, now: datetime, t: OpsThresholds) -> list[dict]:
    """``sensor_lag`` per tenant whose oldest unprocessed change is older than ``sensor_lag_seconds``.

    Args:
        pending: ``tenant_id, entity_type, oldest_changed_at, pending`` — change-log rows without their
            sensor event (``events.dedupe_key = 'change_log:<change_id>'``), per tenant and entity type.
    """
    out: list[dict] = []
    for row in pending.itertuples(index=False):
        lag = (_utc(now) - _utc(row.oldest_changed_at)).total_seconds()
        if lag > t.sensor_lag_seconds:
            severity = "critical" if lag > 12 * t.sensor_lag_seconds else "warning"
            out.append(
                _alert(
                    row.tenant_id,
                    "sensor_lag",
                    severity,
                    "change_log",
                    row.entity_type,
                    round(lag, 1),
                    f"{int(row.pending)} {row.entity_type} changes unprocessed, oldest {lag / 60:.1f} min old",
                )
            )
    return out


def stale_source_alerts(series: pd.DataFrame, as_of: date, t: OpsThresholds) -> list[dict]:
    """``stale_source`` per (tenant, show, source) whose latest day lags ``as_of`` by too much.

    Args:
        series: ``tenant_id, show_id, source, last_day`` over the last ``stale_lookback_days``.
    """
    out: list[dict] = []
    for row in series.itertuples(index=False):
        behind = (as_of - _day(row.last_day)).days
        if behind > t.stale_source_days:
            out.append(
                _alert(
                    row.tenant_id,
                    "stale_source",
                    "warning",
                    "source",
                    f"{row.show_id}/{row.source}",
                    behind,
                    f"{row.source} for {row.show_id}: last data {_day(row.last_day)}, {behind} days before {as_of}",
                )
            )
    return out


def flag_alerts(flags: pd.DataFrame) -> list[dict]:
    """One ``flag_<flag>`` alert per IO verification flag, with the flag's severity.

    Args:
        flags: ``tenant_id, io_id, flag, severity, rule, evidence`` (``io_verification_flags`` rows;
            evidence a dict).

    The metric is the flag's headline evidence figure (:data:`FLAG_METRIC`); the detail names the IO,
    the flag and its rule.
    """
    out: list[dict] = []
    for row in flags.itertuples(index=False):
        flag = str(row.flag)
        key = FLAG_METRIC.get(flag)
        evidence = row.evidence if isinstance(row.evidence, dict) else {}
        metric = evidence.get(key) if key else None
        out.append(
            _alert(
                row.tenant_id,
                f"flag_{flag}",
                row.severity,
                "io_booking",
                row.io_id,
                metric if isinstance(metric, (int, float)) else None,
                f"{row.io_id} {flag.replace('_', ' ')}"
                + (f" ({key.replace('_', ' ')} {metric})" if key and metric is not None else "")
                + f": {row.rule}",
            )
        )
    return out


def build_alerts(
    ios: pd.DataFrame,
    imports: pd.DataFrame,
    pending: pd.DataFrame,
    series: pd.DataFrame,
    as_of: date,
    now: datetime,
    thresholds: OpsThresholds = OpsThresholds(),
    flags: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every ops alert (see the rule functions; ``flags``: the IO verification flags, see
    :func:`flag_alerts`), :data:`ALERT_COLUMNS`, ordered by type then entity."""
    rows = (
        io_alerts(ios, as_of, thresholds)
        + import_alerts(imports, now, thresholds)
        + sensor_lag_alerts(pending, now, thresholds)
        + stale_source_alerts(series, as_of, thresholds)
        + (flag_alerts(flags) if flags is not None else [])
    )
    frame = pd.DataFrame(rows, columns=[c for c in ALERT_COLUMNS if c != "as_of"])
    frame["as_of"] = as_of
    frame["order"] = frame["alert_type"].map({a: i for i, a in enumerate(ALERT_TYPES)})
    frame = frame.sort_values(["order", "tenant_id", "entity_id"], na_position="first").drop(columns="order")
    return frame[ALERT_COLUMNS].reset_index(drop=True)
