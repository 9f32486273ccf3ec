"""Owns an in-memory Google Sheets API v4 / Drive v3 server behind a ``requests`` adapter.

Used by the tests and by ``make demo`` when no Google credentials are set: a real ``gspread.Client``
is built on a ``requests.Session`` whose transport is :class:`FakeGoogleAdapter`, so every gspread
code path (URL building, A1 quoting, ``APIError`` on non-2xx) runs as against Google; only the
network is replaced. Responses follow the documented shapes:

* ``GET sheets/v4/spreadsheets/{id}`` → ``{spreadsheetId, properties{title, locale, timeZone},
  sheets[{properties{sheetId, title, index, sheetType, gridProperties{rowCount, columnCount}}}],
  spreadsheetUrl}``
* ``GET sheets/v4/spreadsheets/{id}/values/{range}`` → ``{range, majorDimension: "ROWS", values}``;
  trailing empty cells of a row and trailing empty rows are omitted, ``values`` is absent for an
  empty range; ``valueRenderOption`` ``FORMATTED_VALUE`` (default) gives strings,
  ``UNFORMATTED_VALUE`` gives numbers and, with ``dateTimeRenderOption=SERIAL_NUMBER`` (default),
  dates as serial day numbers. An unquoted range that looks like A1 notation is a cell range of the
  first sheet, as the real API reads it.
* ``GET sheets/v4/spreadsheets/{id}/values:batchGet`` → ``{spreadsheetId, valueRanges[...]}``
* ``GET drive/v3/files/{id}?fields=modifiedTime`` → ``{"modifiedTime": "2024-05-01T09:30:00.000Z"}``
* errors → ``{"error": {"code", "message", "status"}}`` with that HTTP status.

Reference: https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values and
https://developers.google.com/drive/api/reference/rest/v3/files/get.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import requests
from requests.adapters import BaseAdapter

SHEETS_HOST = "sheets.googleapis.com"
DRIVE_HOST = "www.googleapis.com"
SERIAL_EPOCH = date(1899, 12, 30)  # Sheets/Lotus day 0
A1 = re.compile(r"^\$?[A-Za-z]{1,3}\$?\d+(:\$?[A-Za-z]{1,3}\$?\d*)?$|^[A-Za-z]{1,3}:[A-Za-z]{1,3}$")
STATUS = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "BAD_GATEWAY",
    503: "UNAVAILABLE",
}


@dataclass(frozen=True)
class SheetDate:
    """A date cell: a serial number unformatted, ``formatted`` (e.g. ``'3/14/2026'``) otherwise."""

    value: date
    formatted: str

    @property
    def serial(self) -> int:
        return (self.value - SERIAL_EPOCH).days


@dataclass
class FakeWorksheet:
    """One tab: ``rows`` of typed cells (str, int, float, bool, :class:`SheetDate`, None = empty)."""

    title: str
    rows: list[list[Any]]
    sheet_id: int = 0
    number_format: str = "{:,}"  # how FORMATTED_VALUE renders numbers (US locale thousands)


@dataclass
class FakeSpreadsheet:
    spreadsheet_id: str
    title: str
    worksheets: list[FakeWorksheet]
    modified_time: str = "2026-11-15T08:00:00.000Z"


@dataclass
class FakeGoogle:
    """The server state plus failure injection: ``fail_next`` = list of HTTP statuses or ``'timeout'``."""

    spreadsheets: dict[str, FakeSpreadsheet] = field(default_factory=dict)
    fail_next: list[int | str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def add(self, spreadsheet: FakeSpreadsheet) -> FakeSpreadsheet:
        for index, ws in enumerate(spreadsheet.worksheets):
            ws.sheet_id = ws.sheet_id or 1000 + index
        self.spreadsheets[spreadsheet.spreadsheet_id] = spreadsheet
        return spreadsheet

    def session(self) -> requests.Session:
        """A ``requests.Session`` whose https transport is this fake."""
        session = requests.Session()
        session.mount("https://", FakeGoogleAdapter(self))
        return session

    def client(self):
        """A real ``gspread.Client`` talking to this fake."""
        import gspread

        return gspread.Client(auth=None, session=self.session())


class FakeGoogleAdapter(BaseAdapter):
    """``requests`` transport adapter answering Sheets v4 and Drive v3 calls from a :class:`FakeGoogle`."""

    def __init__(self, google: FakeGoogle):
        super().__init__()
        self.google = google

    def close(self) -> None:  # pragma: no cover - nothing to release
        pass

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # noqa: ARG002 - requests adapter API
        self.google.requests.append(f"{request.method} {request.url}")
        if self.google.fail_next:
            failure = self.google.fail_next.pop(0)
            if failure == "timeout":
                raise requests.exceptions.ReadTimeout(f"read timed out: {request.url}", request=request)
            return _error(request, int(failure), "injected failure")
        url = urlparse(request.url)
        params = {k: v[-1] for k, v in parse_qs(url.query).items()}
        try:
            if url.netloc == DRIVE_HOST and url.path.startswith("/drive/v3/files/"):
                return self._drive_file(request, url.path.rsplit("/", 1)[1])
            if url.netloc == SHEETS_HOST and url.path.startswith("/v4/spreadsheets/"):
                return self._sheets(request, url.path[len("/v4/spreadsheets/") :], params)
        except LookupError as err:
            return _error(request, 404, str(err))
        return _error(request, 404, f"no such endpoint {url.path}")

    def _book(self, spreadsheet_id: str) -> FakeSpreadsheet:
        book = self.google.spreadsheets.get(spreadsheet_id)
        if book is None:
            raise LookupError(f"Requested entity was not found: {spreadsheet_id}")
        return book

    def _drive_file(self, request, file_id: str) -> requests.Response:
        book = self._book(file_id)
        return _json(request, {"modifiedTime": book.modified_time})

    def _sheets(self, request, rest: str, params: dict[str, str]) -> requests.Response:
        if rest.endswith("/values:batchGet"):
            book = self._book(rest[: -len("/values:batchGet")])
            ranges = parse_qs(urlparse(request.url).query).get("ranges", [])
            return _json(
                request,
                {"spreadsheetId": book.spreadsheet_id, "valueRanges": [self._values(book, r, params) for r in ranges]},
            )
        if "/values/" in rest:
            spreadsheet_id, range_name = rest.split("/values/", 1)
            return _json(request, self._values(self._book(spreadsheet_id), unquote(range_name), params))
        book = self._book(rest)
        return _json(
            request,
            {
                "spreadsheetId": book.spreadsheet_id,
                "properties": {
                    "title": book.title,
                    "locale": "en_US",
                    "autoRecalc": "ON_CHANGE",
                    "timeZone": "Etc/GMT",
                },
                "sheets": [
                    {
                        "properties": {
                            "sheetId": ws.sheet_id,
                            "title": ws.title,
                            "index": i,
                            "sheetType": "GRID",
                            "gridProperties": {
                                "rowCount": max(1000, len(ws.rows)),
                                "columnCount": max(26, max((len(r) for r in ws.rows), default=0)),
                            },
                        }
                    }
                    for i, ws in enumerate(book.worksheets)
                ],
                "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{book.spreadsheet_id}/edit",
            },
        )

    def _values(self, book: FakeSpreadsheet, range_name: str, params: dict[str, str]) -> dict[str, Any]:
        sheet_part, _, cells = (
            range_name.partition("!") if not range_name.startswith("'") else _split_quoted(range_name)
        )
        if not range_name.startswith("'") and not cells and A1.match(sheet_part):
            ws, cells = book.worksheets[0], sheet_part  # unquoted 'A1' is a cell of the first sheet
        else:
            title = sheet_part[1:-1].replace("''", "'") if sheet_part.startswith("'") else sheet_part
            ws = next((w for w in book.worksheets if w.title == title), None)
            if ws is None:
                raise LookupError(f"Unable to parse range: {range_name}")
        rows = _slice(ws.rows, cells)
        render = params.get("valueRenderOption", "FORMATTED_VALUE")
        rendered = [[_render(v, render, ws.number_format) for v in row] for row in rows]
        rendered = [_trim(row) for row in rendered]
        while rendered and not rendered[-1]:
            rendered.pop()
        title_a1 = "'{}'".format(ws.title.replace("'", "''"))
        out: dict[str, Any] = {"range": f"{title_a1}!{cells or 'A1:Z1000'}", "majorDimension": "ROWS"}
        if rendered:
            out["values"] = rendered
        return out


def _split_quoted(range_name: str) -> tuple[str, str, str]:
    i = 1
    while i < len(range_name):
        if range_name[i] == "'":
            if i + 1 < len(range_name) and range_name[i + 1] == "'":
                i += 2
                continue
            break
        i += 1
    sheet_part, rest = range_name[: i + 1], range_name[i + 1 :]
    return sheet_part, "!", rest[1:] if rest.startswith("!") else rest


def _col(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def _slice(rows: list[list[Any]], cells: str) -> list[list[Any]]:
    if not cells:
        return rows
    m = re.match(r"^\$?([A-Za-z]+)\$?(\d*)(?::\$?([A-Za-z]+)\$?(\d*))?$", cells)
    if not m:
        raise LookupError(f"Unable to parse range: {cells}")
    c1, r1, c2, r2 = m.groups()
    r_start = int(r1) - 1 if r1 else 0
    r_end = int(r2) if r2 else (r_start + 1 if r1 and not c2 else len(rows))
    col_end = _col(c2) + 1 if c2 else _col(c1) + 1
    return [row[_col(c1) : col_end] for row in rows[r_start:r_end]]


def _render(value: Any, render: str, number_format: str) -> Any:
    if value is None or value == "":
        return ""
    if isinstance(value, SheetDate):
        return value.serial if render == "UNFORMATTED_VALUE" else value.formatted
    if isinstance(value, bool):
        return value if render == "UNFORMATTED_VALUE" else str(value).upper()
    if isinstance(value, (int, float)):
        if render == "UNFORMATTED_VALUE":
            return value
        return number_format.format(value)
    return str(value)


def _trim(row: list[Any]) -> list[Any]:
    row = list(row)
    while row and row[-1] == "":
        row.pop()
    return row


def _json(request, body: dict[str, Any], status: int = 200) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.headers["Content-Type"] = "application/json; charset=UTF-8"
    response.url = request.url
    response.request = request
    response.encoding = "utf-8"
    return response


def _error(request, status: int, message: str) -> requests.Response:
    return _json(
        request, {"error": {"code": status, "message": message, "status": STATUS.get(status, "UNKNOWN")}}, status
    )


def demo_google() -> FakeGoogle:
    """The spreadsheet ``make demo`` reads when no credentials are set: a network's manual tracking
    tab for the sample tenant ``northwind-audio`` (a YouTube-audio source kept by hand), with the
    Sheets realities the importer handles (header with stray spaces and case, an empty row, ragged
    rows, serial dates, a number typed as text with a thousands separator, one bad row)."""
    from datetime import timedelta

    def d(day: date) -> SheetDate:
        return SheetDate(day, f"{day.month}/{day.day}/{day.year}")

    start = date(2026, 11, 9)
    rows: list[list[Any]] = [[" Day", "Show ID ", "EPISODE_ID", "source", "Downloads", "Listeners", "listen seconds"]]
    episodes = ["nw-tech-talk-e115", "nw-tech-talk-e116"]
    for offset in range(7):
        day = start + timedelta(days=offset)
        for n, episode in enumerate(episodes):
            downloads = 1480 - offset * 90 - n * 400
            rows.append(
                [
                    d(day),
                    "nw-tech-talk",
                    episode,
                    "youtube_music",
                    downloads,
                    int(downloads * 0.8),
                    int(downloads * 0.8 * 1900),
                ]
            )
        if offset == 2:
            rows.append([])  # an empty row between weeks of manual entry
    rows.append([d(start), "nw-tech-talk", "", "youtube_music", "2,410"])  # show-level, ragged, text number
    rows.append([d(start), "nw-tech-talk", "nw-tech-talk-e116", "youtube_music", -5, 3])  # negative count
    google = FakeGoogle()
    google.add(
        FakeSpreadsheet(
            "1nW-demo-manual-tracking",
            "Northwind manual tracking",
            [FakeWorksheet("README", [["Enter one row per day and episode."]]), FakeWorksheet("Q4 2026", rows)],
        )
    )
    return google
