"""Owns parsing hosting exports of per-episode downloads since release (cumulative windows) (pure).

A host's episode table gives, per episode, the downloads in the first N days after release and the
total so far, as a CSV or TSV file. Two layouts are read, detected from the header:

* **Podlove Publisher** "Export as CSV" of the episode downloads table
  (``podlove-episode-downloads.csv``, ``lib/ajax/ajax.php`` ``analytics_csv_episodes_table`` and
  ``lib/downloads_list_data.php`` in https://github.com/podlove/podlove-publisher): columns
  ``title, id, post_id, post_date, post_date_gmt, days_since_release, hours_since_release,
  downloads, 3y, 2y, 1y, 3q, 2q, 1q, 4w, 3w, 2w, 1w, 6d, 5d, 4d, 3d, 2d, 1d``. ``downloads`` is the
  total; the others are the first 24 h × days (``1d`` … ``6d``), weeks (``1w`` … ``4w`` = 7 … 28
  days), quarters of 13 weeks (``1q`` = 91 days) and years of 52 weeks (``1y`` = 364 days) after
  release (Publisher's analytics help, ``lib/settings/help/analytics.php``). A cell is empty until
  the window has been aggregated.
* **OP3** (the Open Podcast Prefix Project) ``GET /api/1/queries/episode-download-counts`` responses
  (``QueryEpisodeDownloadCountsResponse`` in ``worker/routes/api_docs_swagger.ts`` of
  https://github.com/skymethod/op3, computed by ``computeRelativeSummary`` in
  ``worker/routes/api_shared.ts``): JSON ``{showUuid, showTitle, minDownloadHour, maxDownloadHour,
  episodes: [{itemGuid, title, pubdate, downloads1?, downloads3?, downloads7?, downloads30?,
  downloadsAll}], queryTime}``; ``downloadsN`` is cumulative over the first N × 24 hours and absent
  until those hours have passed; bots excluded. The export day is ``maxDownloadHour``'s day.
* **Generic window tables** as hosts export them: a title column (``Title``, ``Episode``), an
  optional id/GUID and publication date column, and window columns whose header names a number of
  days or weeks (``3 Day``, ``Downloads (7 days)``, ``30-day``, ``First 4 weeks``) and an all-time
  column (``All Time``, ``All-time downloads``, ``Total``, ``Lifetime``).

Bytes: the encoding is detected (BOM: UTF-8/UTF-16; else UTF-8; else Windows-1252, as Excel saves),
the delimiter from the header line (tab, semicolon or comma, whichever it holds most of outside
quotes). Titles are kept as written (commas, double spaces): matching normalises them
(:mod:`sponsor_pipeline.identity`).

One output row per (episode, window) with a value: ``key, title, published, window_days (None =
all-time), downloads (text as written, thousands separators removed), as_of``. Empty cells and
blank lines are counted in ``dropped`` by reason; a non-numeric or negative value is kept as text
so validation quarantines the row naming it. No Dagster, no database here.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

PODLOVE_WINDOWS = {
    **{f"{n}d": n for n in range(1, 7)},
    **{f"{n}w": 7 * n for n in range(1, 5)},
    **{f"{n}q": 91 * n for n in range(1, 4)},
    **{f"{n}y": 364 * n for n in range(1, 4)},
}
TITLE_HEADERS = ("title", "episode title", "episode", "episode name", "name")
KEY_HEADERS = ("guid", "episode guid", "episode id", "episode_id", "id")
PUBLISHED_HEADERS = (
    "post_date_gmt",
    "post_date",
    "published",
    "published at",
    "publish date",
    "release date",
    "released",
    "date",
    "pub date",
)
AS_OF_HEADERS = ("as of", "as_of", "exported", "export date", "report date")
ALL_TIME = re.compile(r"^(all[\s_-]*time|total|lifetime|since release)\b|\b(all[\s_-]*time|lifetime)\b")
WINDOW = re.compile(r"(\d+)\s*[-_ ]?\s*(d|days?|w|weeks?)\b")
THOUSANDS = re.compile(r"^\d{1,3}([,. ']\d{3})+$")


class WindowExportError(ValueError):
    """The file is not a window export (no header, no title column, no window column); names the file."""


@dataclass
class WindowExport:
    """Parsed window export. ``rows``: dicts with ``key, title, published, window_days, downloads,
    as_of`` (strings or ``None``; ``window_days`` an int or ``None`` = all-time). ``layout``:
    ``'podlove'`` or ``'windows'``. ``dropped``: reason → count. ``encoding`` / ``delimiter``: as detected."""

    layout: str
    encoding: str
    delimiter: str
    rows: list[dict] = field(default_factory=list)
    dropped: Counter = field(default_factory=Counter)


def decode(body: bytes) -> tuple[str, str]:
    """``(text, encoding)``: BOM-marked UTF-8/UTF-16, else UTF-8, else Windows-1252 (never fails)."""
    if body.startswith(b"\xef\xbb\xbf"):
        return body[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return body.decode("utf-16", errors="replace"), "utf-16"
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace"), "cp1252"


def sniff_delimiter(header_line: str) -> str:
    """Tab, semicolon or comma: the one the header line holds most of outside double quotes (comma on a tie)."""
    outside = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: outside.count(d) for d in ("\t", ";", ",")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def window_days(header: str) -> int | bool | None:
    """A header → its window in days, ``None`` for all-time, ``False`` when not a window column."""
    text = " ".join(header.strip().lower().split())
    if text in PODLOVE_WINDOWS:
        return PODLOVE_WINDOWS[text]
    found = WINDOW.search(text)
    if found:
        n = int(found.group(1))
        return n * 7 if found.group(2).startswith("w") else n
    if ALL_TIME.search(text) or text in ("downloads", "total downloads"):
        return None
    return False


def count_text(cell: str) -> str:
    """``' 1,234 '`` → ``'1234'``; other text is returned stripped for validation to judge."""
    text = cell.strip()
    return re.sub(r"[,. ']", "", text) if THOUSANDS.match(text) else text


def _find(headers: list[str], names: tuple[str, ...]) -> int | None:
    folded = [" ".join(h.strip().lower().split()) for h in headers]
    for name in names:
        if name in folded:
            return folded.index(name)
    return None


def _iso(text: str | None) -> str | None:
    """A date or date-time cell → ``YYYY-MM-DD`` when it reads as ISO (``2024-03-01 06:00:00``), else as written."""
    if not text or not text.strip():
        return None
    value = text.strip()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return value


def parse_window_export(body: bytes, default_as_of: date, source_name: str = "<file>") -> WindowExport:
    """Parse a window export's bytes (see the module docstring for the layouts and their sources).

    ``default_as_of``: the day the export was taken, used when the file says nothing about it
    (Podlove: ``post_date_gmt`` + ``hours_since_release`` is used instead; a generic table may
    have an ``As of`` column).

    Raises:
        WindowExportError: empty file, no title or id column, or no window column (names the file
            and the headers found).
    """
    try:
        return _parse(body, default_as_of, source_name)
    except csv.Error as err:
        raise WindowExportError(f"{source_name}: not a readable CSV/TSV ({err})") from err


OP3_WINDOWS = {"downloads1": 1, "downloads3": 3, "downloads7": 7, "downloads30": 30, "downloadsAll": None}


def _op3(payload: dict, encoding: str, default_as_of: date, source_name: str) -> WindowExport:
    episodes = payload.get("episodes")
    if not isinstance(episodes, list):
        raise WindowExportError(f"{source_name}: OP3 response without an episodes list")
    out = WindowExport(layout="op3/episode-download-counts", encoding=encoding, delimiter="")
    as_of = str(payload.get("maxDownloadHour") or "")[:10] or default_as_of.isoformat()
    for episode in episodes:
        if not isinstance(episode, dict):
            out.dropped["episodes entry that is not an object"] += 1
            continue
        guid, title = episode.get("itemGuid"), episode.get("title")
        key = str(guid if guid not in (None, "") else title or "")
        published = _iso(str(episode["pubdate"])) if episode.get("pubdate") else None
        for name, window in OP3_WINDOWS.items():
            value = episode.get(name)
            if value is None:
                out.dropped[f"{name}: not reported (the window has not elapsed)"] += 1
                continue
            out.rows.append(
                {
                    "key": key,
                    "title": None if title is None else str(title),
                    "published": published,
                    "window_days": window,
                    "downloads": count_text(str(value)),
                    "as_of": as_of,
                }
            )
    return out


def _parse(body: bytes, default_as_of: date, source_name: str) -> WindowExport:
    text, encoding = decode(body)
    if text.lstrip().startswith("{"):
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as err:
            raise WindowExportError(f"{source_name}: not JSON text ({err})") from err
        if isinstance(payload, dict) and "episodes" in payload and "showUuid" in payload:
            return _op3(payload, encoding, default_as_of, source_name)
        raise WindowExportError(f"{source_name}: JSON that is not an OP3 episode-download-counts response")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        raise WindowExportError(f"{source_name}: empty file")
    delimiter = sniff_delimiter(first)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] | None = None
    for raw in reader:
        if any(cell.strip() for cell in raw):
            header = raw
            break
    if header is None:
        raise WindowExportError(f"{source_name}: no header line")
    names = [h.strip() for h in header]
    windows = {i: w for i, h in enumerate(names) if (w := window_days(h)) is not False}
    title_at, key_at = _find(names, TITLE_HEADERS), _find(names, KEY_HEADERS)
    published_at, as_of_at = _find(names, PUBLISHED_HEADERS), _find(names, AS_OF_HEADERS)
    hours_at = _find(names, ("hours_since_release",))
    layout = "podlove" if {"post_date_gmt", "hours_since_release"} <= {n.lower() for n in names} else "windows"
    if title_at is None and key_at is None:
        raise WindowExportError(f"{source_name}: no title or episode id column in header {names!r}")
    if not windows:
        raise WindowExportError(
            f"{source_name}: no window column (e.g. '7 days', '1w', 'All time') in header {names!r}"
        )
    seen_windows: set[int | None] = set()
    for i in list(windows):
        if windows[i] in seen_windows:
            raise WindowExportError(f"{source_name}: window column {names[i]!r} repeats an earlier column")
        seen_windows.add(windows[i])
    out = WindowExport(layout=layout, encoding=encoding, delimiter=delimiter)
    for raw in reader:
        if not any(cell.strip() for cell in raw):
            out.dropped["blank line"] += 1
            continue
        cells = raw + [""] * (len(names) - len(raw))

        def cell(i: int | None, cells: list[str] = cells) -> str | None:
            return cells[i] if i is not None and i < len(cells) else None

        published = _iso(cell(published_at))
        as_of = _iso(cell(as_of_at)) or _podlove_as_of(cell(published_at), cell(hours_at)) or default_as_of.isoformat()
        title = cell(title_at)
        key = (cell(key_at) or "").strip() or (title or "").strip()
        for i, window in windows.items():
            value = cells[i] if i < len(cells) else ""
            if not value.strip():
                out.dropped[f"{names[i]}: empty (window not reported)"] += 1
                continue
            out.rows.append(
                {
                    "key": key,
                    "title": title,
                    "published": published,
                    "window_days": window,
                    "downloads": count_text(value),
                    "as_of": as_of,
                }
            )
        if len(raw) > len(names) and any(c.strip() for c in raw[len(names) :]):
            out.dropped["cells beyond the header's columns"] += 1
    return out


def _podlove_as_of(published: str | None, hours: str | None) -> str | None:
    """Podlove: the export's day = ``post_date_gmt`` + ``hours_since_release`` hours (UTC)."""
    if not published or not hours:
        return None
    try:
        start = datetime.fromisoformat(published.strip())
        return (start + timedelta(hours=float(hours))).date().isoformat()
    except (ValueError, OverflowError):
        return None


__all__ = [
    "PODLOVE_WINDOWS",
    "WindowExport",
    "WindowExportError",
    "count_text",
    "decode",
    "parse_window_export",
    "sniff_delimiter",
    "window_days",
]
