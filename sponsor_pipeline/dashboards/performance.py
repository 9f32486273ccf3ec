"""Owns episode performance windows: downloads in the first 1, 7, 30 and 90 days after release (pure).

The number sponsors ask for first. Per (tenant, show, episode, source):

* from daily data (``metrics_daily``) where the episode has daily rows for that source: window N is
  the sum of downloads on the release day and the N - 1 days after it (day 1 = the release day);
  ``basis = 'daily'``;
* from imported window exports (``episode_download_windows``: a host's "downloads since release"
  columns, e.g. 1/3/7/30-day and all-time) where that (episode, source) has no daily rows:
  the exported cumulative values as reported, latest export per window; ``basis = 'window_export'``.

Windows are cumulative, so a longer window never holds fewer downloads than a shorter one, and a
window never holds fewer than an earlier export of the same window said. Real exports break both
(hosts drop downloads their filters reclassify later). Such decreases are *flagged* (``flags``,
``decreasing``) and the values kept as reported: nothing is differenced into negative days.

A window that had not elapsed on the reference day (or on the export's day), or whose daily rows
start after the release, is partial: ``complete_<N>d`` is False. A window for which nothing is
known (not exported; ending before the first daily row) is ``None``, never 0.
No Dagster, no database here.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

WINDOWS: tuple[int, ...] = (1, 7, 30, 90)

PERFORMANCE_COLUMNS = [
    "tenant_id",
    "show_id",
    "episode_id",
    "source",
    "released_on",
    "as_of",
    "basis",
    *(f"downloads_{n}d" for n in WINDOWS),
    *(f"complete_{n}d" for n in WINDOWS),
    "downloads_all_time",
    "decreasing",
    "flags",
]


@dataclass
class _Series:
    released_on: date | None
    daily: dict[date, int] = field(default_factory=dict)
    # window days (None = all-time) -> [(export day, downloads)]
    exported: dict[int | None, list[tuple[date, int]]] = field(default_factory=dict)
    released_from_export: date | None = None


def _day(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _count(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if number != number:  # NaN
        return None
    return int(number)


def _window(value: Any) -> int | None:
    """Window length in days; ``None``/NaN/0 mean all-time."""
    n = _count(value)
    return n if n and n > 0 else None


def _label(window: int | None) -> str:
    return "all-time" if window is None else f"{window}d"


def performance_windows(
    episodes: Iterable[Mapping[str, Any]],
    daily: Iterable[Mapping[str, Any]],
    exported: Iterable[Mapping[str, Any]],
    as_of: date,
) -> list[dict[str, Any]]:
    """Episode performance rows with :data:`PERFORMANCE_COLUMNS`, sorted by tenant, show, episode, source.

    Args:
        episodes: ``tenant_id, show_id, episode_id, published_at`` (a date or ISO text): the release
            day. An episode without one is released on its export's ``released_on``, else skipped.
        daily: ``tenant_id, show_id, episode_id, source, day, downloads`` (downloads per day, the
            rows of ``metrics_daily``); rows without an episode, before the release day or after
            ``as_of`` are ignored; downloads ``None`` count as 0.
        exported: ``tenant_id, show_id, episode_id, source, window_days, downloads, as_of`` and
            optionally ``released_on``: cumulative downloads in the first ``window_days`` days
            after release (``window_days`` ``None``/0 = all-time) as an export taken on ``as_of``
            reported them.
        as_of: the reference day; a daily window ending after it is partial.

    Returns:
        One dict per (tenant, show, episode, source): ``downloads_<N>d`` (int or ``None`` when the
        source says nothing about that window), ``complete_<N>d`` (the window had elapsed on
        ``as_of`` / the export day), ``downloads_all_time`` (daily: the sum up to ``as_of``;
        export: its all-time column), ``basis`` (``'daily'`` or ``'window_export'``), the row's
        ``as_of`` (the reference day, or the latest export day used), ``decreasing`` and ``flags``
        (``'; '``-joined notes such as ``'7d 95 < 3d 100 (cumulative window decreased)'``, or ``''``).
        Daily rows win over exports for the same (episode, source); export rows of windows other
        than 1/7/30/90 (e.g. 3-day) only take part in the decrease checks.

    Raises:
        Nothing for bad values: unreadable days or counts in a row make that row ignored.
    """
    released: dict[tuple[str, str, str], date] = {}
    for ep in episodes:
        day = _day(ep.get("published_at"))
        if day is not None:
            released[(str(ep["tenant_id"]), str(ep["show_id"]), str(ep["episode_id"]))] = day

    series: dict[tuple[str, str, str, str], _Series] = {}

    def get(row: Mapping[str, Any]) -> _Series | None:
        if row.get("episode_id") is None:
            return None
        episode = (str(row["tenant_id"]), str(row["show_id"]), str(row["episode_id"]))
        key = (*episode, str(row["source"]))
        if key not in series:
            series[key] = _Series(released.get(episode))
        return series[key]

    for row in daily:
        s, day, downloads = get(row), _day(row.get("day")), _count(row.get("downloads"))
        if s is None or day is None or day > as_of:
            continue
        s.daily[day] = s.daily.get(day, 0) + (downloads or 0)
    for row in exported:
        s, day, downloads = get(row), _day(row.get("as_of")), _count(row.get("downloads"))
        if s is None or day is None or downloads is None:
            continue
        s.exported.setdefault(_window(row.get("window_days")), []).append((day, downloads))
        if s.released_from_export is None:
            s.released_from_export = _day(row.get("released_on"))

    out = []
    for (tenant_id, show_id, episode_id, source), s in sorted(series.items()):
        release = s.released_on or s.released_from_export
        if release is None:
            continue
        base = {
            "tenant_id": tenant_id,
            "show_id": show_id,
            "episode_id": episode_id,
            "source": source,
            "released_on": release,
        }
        daily_in_life = {d: n for d, n in s.daily.items() if d >= release}
        if daily_in_life:
            out.append(base | _from_daily(daily_in_life, release, as_of))
        elif s.exported:
            out.append(base | _from_exports(s.exported, release))
    return out


def _from_daily(days: dict[date, int], release: date, as_of: date) -> dict[str, Any]:
    row: dict[str, Any] = {"as_of": as_of, "basis": "daily"}
    flags = []
    first = min(days)
    for n in WINDOWS:
        end = release + timedelta(days=n - 1)
        # a window ending before the first daily row is unknown; one starting before it is a lower bound
        row[f"downloads_{n}d"] = sum(v for d, v in days.items() if d <= end) if end >= first else None
        row[f"complete_{n}d"] = end <= as_of and first == release
    row["downloads_all_time"] = sum(days.values())
    if first > release:
        flags.append(f"daily data starts {first.isoformat()}, after the release {release.isoformat()}")
    row["decreasing"] = False
    row["flags"] = "; ".join(flags)
    return row


def _from_exports(exported: dict[int | None, list[tuple[date, int]]], release: date) -> dict[str, Any]:
    flags: list[str] = []
    latest: dict[int | None, tuple[date, int]] = {}
    for window, reports in exported.items():
        reports = sorted(reports)
        latest[window] = reports[-1]
        # the same cumulative window reported lower by a later export
        peak_day, peak = reports[0]
        for day, value in reports[1:]:
            if value < peak:
                flags.append(
                    f"{_label(window)} {value} on {day.isoformat()} < {peak} on {peak_day.isoformat()} "
                    "(cumulative window decreased)"
                )
            if value >= peak:
                peak_day, peak = day, value
    # a longer window reported lower than a shorter one
    ordered = sorted(latest, key=lambda w: float("inf") if w is None else w)
    for shorter, longer in itertools.pairwise(ordered):
        if latest[longer][1] < latest[shorter][1]:
            flags.append(
                f"{_label(longer)} {latest[longer][1]} < {_label(shorter)} {latest[shorter][1]} "
                "(cumulative window decreased)"
            )
    row: dict[str, Any] = {
        "as_of": max(day for day, _ in latest.values()),
        "basis": "window_export",
    }
    for n in WINDOWS:
        found = latest.get(n)
        row[f"downloads_{n}d"] = found[1] if found else None
        row[f"complete_{n}d"] = bool(found) and found[0] >= release + timedelta(days=n - 1)
    all_time = latest.get(None)
    row["downloads_all_time"] = all_time[1] if all_time else None
    row["decreasing"] = bool(flags)
    row["flags"] = "; ".join(flags)
    return row


__all__ = ["PERFORMANCE_COLUMNS", "WINDOWS", "performance_windows"]
