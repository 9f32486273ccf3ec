"""Owns the dashboard plots: PNG bytes from plain frames (matplotlib, Agg backend, no display).

No Dagster, no database. Each function returns the PNG file's bytes; callers write or embed them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # headless: no display, safe in Dagster run workers

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import MaxNLocator

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DPI = 80


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
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


def pacing_png(ios: pd.DataFrame, threshold: float) -> bytes:
    """Horizontal bars of pacing ratio per live IO with the under-pacing threshold and 1.0 marked.

    Args:
        ios: ``io_id, pacing_ratio`` (ratio = delivered / expected to date; 1.0 = on pace).
        threshold: the at-risk threshold drawn as a dashed line; bars below it are red.

    Raises:
        ValueError: ``ios`` has no row with a pacing ratio.
    """
    rows = ios.dropna(subset=["pacing_ratio"]).sort_values("pacing_ratio")
    if rows.empty:
        raise ValueError("no live IO with a pacing ratio to plot")
    ratios = rows["pacing_ratio"].astype(float)
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(rows) + 1.2))
    colors = ["#c0392b" if r < threshold else "#2e86c1" for r in ratios]
    ax.barh(rows["io_id"].astype(str), ratios, color=colors)
    ax.axvline(1.0, color="black", linewidth=1)
    ax.axvline(threshold, color="#c0392b", linestyle="--", linewidth=1, label=f"at risk < {threshold:.2f}")
    ax.set_xlabel("pacing ratio (delivered / expected to date)")
    ax.set_title("Pacing per live IO", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return _png(fig)


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
