"""Owns the dashboard plots: PNG bytes from plain frames (matplotlib, Agg backend, no display).

No Dagster, no database. Each function returns the PNG file's bytes; callers write or embed them.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # headless: no display, safe in Dagster run workers

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sponsor_pipeline import pacing

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DPI = 80


def _png(fig, dpi: int = DPI) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def downloads_trend_png(daily: pd.DataFrame, rolling_days: int = 7) -> bytes:
    """Daily downloads per show (a ``rolling_days`` rolling mean), one panel per tenant.

    Args:
        daily: ``tenant_id, show_title, day, downloads`` (one row per show and day).
        rolling_days: window of the trailing mean smoothing weekly release spikes (1 = raw).

    Raises:
        ValueError: ``daily`` is empty (nothing to plot).
    """
    if daily.empty:
        raise ValueError("no downloads to plot")
    tenants = sorted(daily["tenant_id"].unique())
    fig, axes = plt.subplots(len(tenants), 1, figsize=(9, 3.2 * len(tenants)), squeeze=False)
    for ax, tenant in zip(axes[:, 0], tenants):
        frame = daily[daily["tenant_id"] == tenant].copy()
        frame["day"] = pd.to_datetime(frame["day"])
        wide = frame.pivot_table(index="day", columns="show_title", values="downloads", aggfunc="sum").sort_index()
        wide.rolling(rolling_days, min_periods=1).mean().plot(ax=ax, linewidth=1.4)
        ax.set_title(f"{tenant}: daily downloads per show ({rolling_days}-day mean)", fontsize=10)
        ax.set_xlabel("")
        ax.set_ylabel("downloads / day")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, ncol=2, loc="upper left")
    fig.tight_layout()
    return _png(fig)


PACING_MODE_LABELS = {"even": "even", "front_loaded": "front-loaded", "asap": "ASAP", "daily_goal": "daily goal"}
DELIVERED_COLOR = "#2e86c1"
BEHIND_COLOR = "#c0392b"


def _impressions(value: float, _pos=None) -> str:
    """Axis label of an impression count: 950, 12k, 1.2M."""
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.1f}M".replace(".0M", "M")
    if abs(value) >= 1_000:
        return f"{value / 1_000:.0f}k"
    return f"{value:.0f}"


def cumulative_delivery(io: dict, daily: pd.DataFrame) -> pd.Series:
    """Delivered-to-date after each flight day from ``flight_start`` to min(``flight_end``, ``as_of``).

    Args:
        io: ``flight_start``, ``flight_end``, ``as_of`` (dates).
        daily: ``day, delivered`` of this IO (impressions per day; days without a row count 0).

    Returns:
        Cumulative impressions indexed by day (Timestamp); empty before the flight starts.
    """
    start, end = pd.Timestamp(io["flight_start"]), min(pd.Timestamp(io["flight_end"]), pd.Timestamp(io["as_of"]))
    if end < start:
        return pd.Series(dtype=float)
    days = pd.date_range(start, end, freq="D")
    per_day = daily.assign(day=pd.to_datetime(daily["day"])).groupby("day")["delivered"].sum() if len(daily) else None
    values = per_day.reindex(days, fill_value=0) if per_day is not None else pd.Series(0, index=days)
    return values.astype(float).cumsum()


def expected_series(io: dict) -> pd.Series:
    """The IO's own expected-to-date curve over its whole flight (:func:`pacing.expected_curve`).

    Args:
        io: ``pacing_mode``, ``booked_impressions``, ``flight_start``, ``flight_end`` and
            ``daily_goal_impressions`` (daily-goal IOs).

    Returns:
        Expected impressions after each flight day, indexed by day (Timestamp), starting at 0 the day
        before the flight so the curve is drawn from zero.

    Raises:
        ValueError: as :func:`pacing.expected_to_date` (unknown mode, daily goal missing).
    """
    start, end = pd.Timestamp(io["flight_start"]), pd.Timestamp(io["flight_end"])
    total = pacing.flight_days(start.date(), end.date())
    goal = io.get("daily_goal_impressions")
    curve = pacing.expected_curve(
        io["pacing_mode"],
        booked_impressions=int(io["booked_impressions"]),
        flight_days=total,
        daily_goal=None if goal is None or pd.isna(goal) else int(goal),
    )
    return pd.Series([0.0, *curve], index=pd.date_range(start - pd.Timedelta(days=1), end, freq="D"))


def draw_pacing_panel(ax, io: dict, daily: pd.DataFrame, threshold: float | None) -> None:
    """One IO on ``ax``: its expected-to-date curve (dashed), delivered-to-date (solid) and the booking.

    ``io`` as :func:`expected_series` plus ``io_id``, ``as_of`` and ``pacing_ratio`` (None before the
    flight); ``daily`` as :func:`cumulative_delivery`. The delivered line is red when the ratio is
    below ``threshold``.
    """
    expected = expected_series(io)
    delivered = cumulative_delivery(io, daily)
    ratio = io.get("pacing_ratio")
    ratio = None if ratio is None or pd.isna(ratio) else float(ratio)
    behind = threshold is not None and ratio is not None and ratio < threshold
    mode = PACING_MODE_LABELS.get(io["pacing_mode"], io["pacing_mode"])
    ax.plot(expected.index, expected.values, color="#7f8c8d", linestyle="--", linewidth=1.2, label="expected to date")
    if len(delivered):
        start = pd.Series([0.0], index=[delivered.index[0] - pd.Timedelta(days=1)])
        line = pd.concat([start, delivered])
        ax.plot(
            line.index,
            line.values,
            color=BEHIND_COLOR if behind else DELIVERED_COLOR,
            linewidth=1.8,
            label="delivered to date",
        )
    ax.axhline(int(io["booked_impressions"]), color="black", linestyle=":", linewidth=0.9, label="booked")
    as_of = pd.Timestamp(io["as_of"])
    if expected.index[0] <= as_of <= expected.index[-1]:
        ax.axvline(as_of, color="#95a5a6", linewidth=0.8)
    ratio_text = "not started" if ratio is None else f"pacing {ratio:.2f}"
    ax.set_title(f"{io['io_id']} ({mode}): {ratio_text}", fontsize=9, color=BEHIND_COLOR if behind else "black")
    ax.yaxis.set_major_formatter(FuncFormatter(_impressions))
    ax.set_ylim(bottom=0)
    ax.set_ylabel("impressions", fontsize=8)
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=5))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %d"))
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)


def pacing_curves_png(
    ios: pd.DataFrame,
    daily: pd.DataFrame,
    threshold: float | None = None,
    *,
    columns: int = 3,
    max_panels: int = 24,
    dpi: int = DPI,
    title: str | None = "Pacing per IO against its own pacing curve",
) -> bytes:
    """One panel per IO: delivered-to-date against the expected-to-date curve of the IO's own pacing mode.

    The curve is :func:`sponsor_pipeline.pacing.expected_curve` (even, front-loaded, ASAP or daily
    goal, sources in that module); the dotted line is the booking, the grey vertical line the as-of
    day. IOs are drawn in the order given; past ``max_panels`` the rest are left out (the title says
    how many).

    Args:
        ios: ``io_id, pacing_mode, flight_start, flight_end, as_of, booked_impressions,
            daily_goal_impressions, pacing_ratio`` (one row per IO; with ``tenant_id`` when ``daily``
            has it too, the two are matched on both).
        daily: ``io_id, day, delivered`` (impressions per day inside the flight, up to ``as_of``).
        threshold: pacing ratio below which an IO's delivered line and title are red (None: never).
        columns: panels per row; dpi: resolution of the PNG (dots per inch; print wants 150+).
        title: the figure's title (None: none, when the page around it has one).

    Raises:
        ValueError: ``ios`` is empty, or an IO's pacing mode is unknown / its daily goal missing.
    """
    if ios.empty:
        raise ValueError("no IO to plot")
    shown = ios.head(max_panels)
    cols = max(1, min(columns, len(shown)))
    rows = math.ceil(len(shown) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.1 * cols, 2.7 * rows + 0.6), squeeze=False)
    keys = ["tenant_id", "io_id"] if "tenant_id" in ios and "tenant_id" in daily else ["io_id"]
    by_io = {key if isinstance(key, tuple) else (key,): frame for key, frame in daily.groupby(keys)}
    for ax, row in zip(axes.flat, shown.to_dict("records")):
        own = by_io.get(tuple(row[k] for k in keys), daily.iloc[0:0])
        draw_pacing_panel(ax, row, own, threshold)
    for ax in list(axes.flat)[len(shown) :]:
        ax.set_visible(False)
    legend: dict[str, Artist] = {}  # every line kind once, whichever panel drew it first
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            legend.setdefault(label, handle)
    fig.legend(list(legend.values()), list(legend), loc="upper right", ncol=3, fontsize=8, frameon=False)
    left_out = f" (first {len(shown)} of {len(ios)})" if len(ios) > len(shown) else ""
    if title or left_out:
        fig.suptitle(f"{title or 'Pacing per IO'}{left_out}", x=0.01, ha="left", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.96 if rows > 1 else 0.9))
    return _png(fig, dpi)


def show_downloads_png(daily: pd.DataFrame, title: str, rolling_days: int = 7, *, dpi: int = DPI) -> bytes:
    """Daily downloads per show over one period (a ``rolling_days`` trailing mean), one line per show.

    Args:
        daily: ``show_title, day, downloads`` (one row per show and day).
        title: the chart's title.
        rolling_days: window of the trailing mean smoothing weekly release spikes (1 = raw).

    Raises:
        ValueError: ``daily`` is empty (nothing to plot).
    """
    if daily.empty:
        raise ValueError("no downloads to plot")
    frame = daily.assign(day=pd.to_datetime(daily["day"]))
    wide = frame.pivot_table(index="day", columns="show_title", values="downloads", aggfunc="sum").sort_index()
    smoothed = wide.rolling(rolling_days, min_periods=1).mean()
    fig, ax = plt.subplots(figsize=(9, 3.0))
    for show in smoothed.columns:
        ax.plot(smoothed.index, smoothed[show].to_numpy(), linewidth=1.6, label=str(show))
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("")
    ax.set_ylabel(f"downloads / day ({rolling_days}-day mean)", fontsize=8)
    ax.yaxis.set_major_formatter(FuncFormatter(_impressions))
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %d"))
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    return _png(fig, dpi)


SEVERITY_COLORS = {"critical": "#c0392b", "warning": "#e67e22", "info": "#2e86c1"}


def alerts_by_kind_png(alerts: pd.DataFrame, kinds: Sequence[str], severities: Sequence[str]) -> bytes:
    """Horizontal bars of open alerts per kind, stacked by severity; every kind has a bar (0 included).

    Args:
        alerts: ``alert_type, severity`` (one row per open alert; may be empty).
        kinds: the alert types in the order listed, top to bottom (``alerts.ALERT_TYPES``).
        severities: the severities stacked left to right (critical first).

    Raises:
        ValueError: ``kinds`` is empty, or an alert's type or severity is not in ``kinds`` / ``severities``.
    """
    if not kinds:
        raise ValueError("no alert kinds to plot")
    unknown = set(alerts["alert_type"]) - set(kinds) | set(alerts["severity"]) - set(severities)
    if unknown:
        raise ValueError(f"alert type or severity outside the vocabulary: {sorted(unknown)}")
    counts = (
        pd.crosstab(alerts["alert_type"], alerts["severity"])
        .reindex(index=list(kinds), columns=list(severities), fill_value=0)
        .fillna(0)
        .astype(int)
    )
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(kinds) + 1.4))
    labels = list(reversed(kinds))
    left = pd.Series(0, index=labels)
    for severity in severities:
        values = counts[severity].reindex(labels)
        ax.barh(labels, values, left=left, color=SEVERITY_COLORS.get(severity, "#7f8c8d"), label=severity)
        left = left + values
    for y, total in enumerate(left):
        ax.text(total + 0.05, y, str(int(total)), va="center", fontsize=8)
    ax.set_xlabel("open alerts")
    ax.set_title(f"Ops alerts by kind ({len(alerts)} open)", fontsize=10)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return _png(fig)
