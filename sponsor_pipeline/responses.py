"""Owns parsing advertisers' response exports (promo-code redemptions, vanity-URL visits) into rows (pure).

An advertiser reports what a sponsorship produced in the files its own tools export. Each parser
reads one file's text and returns string rows in the column order of ``schemas.PROMO_REDEMPTIONS``
or ``schemas.VANITY_VISITS`` (``io_id`` left empty: the warehouse resolves it from the code or URL),
each with its 1-based source row number, so they go through the same pandera validation and
quarantine as any CSV. No Dagster, no database here.

Formats (detected from the header, :func:`detect_format`) and the rules taken from their documentation:

* **Shopify orders export** (Admin → Orders → Export, "CSV for Excel, Numbers, or other spreadsheet
  programs"): one row per line item; the order-level columns (``Financial Status``, ``Discount
  Code``, ``Total``, ``Currency``...) are filled on the first row of each order (``Name``, e.g.
  ``#1001``) and empty on its other line-item rows, which are dropped as such. ``Created at``
  (``2026-09-01 14:03:11 -0400``) is the order time; ``Total`` (subtotal − discounts + shipping +
  taxes) is the revenue in ``Currency``. Orders without a discount code, and refunded or voided
  orders (``Financial Status`` ``refunded`` / ``voided``: no sale remains), are dropped.
* **Generic redemptions CSV**: ``code, order_id, occurred_at, revenue, currency``.
* **Plausible CSV export** (Site settings → Imports & Exports → Export, the ``imported_pages_*.csv``
  file of the archive): ``date, hostname, page, visits, visitors, pageviews, ...`` per page and day;
  the URL is hostname + page, visits are ``visits`` (older exports, without that column: ``visitors``).
* **GA4 report CSV** (Reports → Pages and screens or Landing page, with ``Date`` as a dimension →
  Share → Download file → CSV): ``#`` comment lines first, then ``Page path and screen class`` (or
  ``Page path``, ``Landing page``, ``Landing page + query string``), ``Date`` (``YYYYMMDD``) and the
  metrics; visits are ``Sessions`` (else ``Active users``, ``Users``, ``Views``, in that order). With
  a ``Hostname`` column the URL is hostname + path; without it GA4 names pages by path only, matched
  to the path of the vanity URLs of the IOs whose attribution window holds the day. A ``Grand total``
  row is dropped.
* **Generic visits CSV**: ``url, day, visits``.

Matching keys (the warehouse's ``promo_code_key`` / ``vanity_url_key`` / ``vanity_path_key`` SQL
functions of migration 0014 apply the same rules): case and whitespace never matter; for URLs
neither do the scheme, a leading ``www.``, the query string, the fragment nor a trailing slash.

Every source row not turned into a row is counted in :attr:`ParsedResponses.dropped` under its
reason, so an import shows rows read = loaded + quarantined + dropped.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sponsor_pipeline.exports import ExportFormatError

REDEMPTION_COLUMNS = ("tenant_id", "source", "order_id", "code", "io_id", "occurred_at", "revenue", "currency")
VISIT_COLUMNS = ("tenant_id", "source", "url", "day", "io_id", "visits")

SHOPIFY_COLUMNS = ("Name", "Financial Status", "Discount Code", "Total", "Currency", "Created at")
GENERIC_REDEMPTION_COLUMNS = ("code", "order_id", "occurred_at", "revenue", "currency")
PLAUSIBLE_COLUMNS = ("date", "hostname", "page")
GA4_PATH_COLUMNS = ("Page path and screen class", "Page path", "Landing page", "Landing page + query string")
GA4_VISIT_COLUMNS = ("Sessions", "Active users", "Users", "Views")
GENERIC_VISIT_COLUMNS = ("url", "day", "visits")
# Shopify financial statuses after which no sale remains.
SHOPIFY_NO_SALE = frozenset({"refunded", "voided"})

Row = dict[str, str | None]


class ResponseFormatError(ExportFormatError):
    """The file is not a known redemption or visit export, or is not shaped as its format says (an
    export format error: the import fails on its content, see the import ledger)."""


@dataclass
class ParsedResponses:
    """Rows parsed from one file: ``(source row number, row)`` pairs, rows keyed by
    :data:`REDEMPTION_COLUMNS` or :data:`VISIT_COLUMNS`; ``dropped``: reason → source rows."""

    format: str
    kind: str  # "redemptions" or "visits"
    rows: list[tuple[int, Row]] = field(default_factory=list)
    dropped: Counter = field(default_factory=Counter)


def promo_code_key(code: str | None) -> str | None:
    """A promo code as matched: upper case, whitespace removed; None when nothing is left."""
    if code is None:
        return None
    return re.sub(r"\s", "", code).upper() or None


def vanity_url_key(url: str | None) -> str | None:
    """A URL as matched: lower case, whitespace, scheme, ``www.``, query, fragment and trailing
    slashes removed (``HTTPS://www.Loamwell.com/Tech-Talk/?utm=x`` → ``loamwell.com/tech-talk``)."""
    if url is None:
        return None
    key = re.sub(r"\s", "", url).lower()
    key = re.sub(r"^[a-z][a-z0-9+.-]*://", "", key)
    key = re.sub(r"^www\.", "", key)
    key = re.sub(r"[?#].*$", "", key)
    return key.rstrip("/") or None


def vanity_path_key(url: str | None) -> str | None:
    """The path of :func:`vanity_url_key` (``loamwell.com/tech-talk`` → ``/tech-talk``; no path: ``/``)."""
    key = vanity_url_key(url)
    if key is None:
        return None
    return key[key.index("/") :] if "/" in key else "/"


def _reader(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and ``(data row number, row)`` of CSV text, skipping GA4's leading ``#`` comment lines
    and blank lines (data row numbers count the rows after the header, as every import does)."""
    lines = text.splitlines()
    start = 0
    while start < len(lines) and (not lines[start].strip() or lines[start].lstrip().startswith("#")):
        start += 1
    reader = csv.reader(io.StringIO("\n".join(lines[start:])))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration as err:
        raise ResponseFormatError("empty file: no header row") from err
    rows = []
    for number, values in enumerate(reader, start=1):
        if not any(v.strip() for v in values):
            continue
        rows.append((number, {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)}))
    return header, rows


def detect_format(header: list[str]) -> str:
    """``shopify``, ``generic_redemptions``, ``plausible``, ``ga4`` or ``generic_visits``.

    Raises:
        ResponseFormatError: the header is none of them (names the columns found).
    """
    names = set(header)
    lower = {h.lower() for h in header}
    if set(SHOPIFY_COLUMNS) <= names:
        return "shopify"
    if set(GENERIC_REDEMPTION_COLUMNS) <= lower:
        return "generic_redemptions"
    if set(PLAUSIBLE_COLUMNS) <= lower and ({"visits", "visitors"} & lower):
        return "plausible"
    if "Date" in names and names & set(GA4_PATH_COLUMNS) and names & set(GA4_VISIT_COLUMNS):
        return "ga4"
    if set(GENERIC_VISIT_COLUMNS) <= lower:
        return "generic_visits"
    raise ResponseFormatError(
        f"not a Shopify orders, Plausible, GA4 or generic redemptions / visits export; found columns {header}"
    )


def _lowered(row: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in row.items()}


def _shopify_time(value: str) -> str | None:
    """``2026-09-01 14:03:11 -0400`` (Shopify's export) or ISO 8601 → UTC ISO; None if unreadable."""
    for pattern in ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(value, pattern).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            continue
    return value or None  # left as read: validation quarantines it with its row number


def _number(value: str) -> str | None:
    return value.replace(",", "") if value else None


def _shopify(rows: list[tuple[int, dict[str, str]]], tenant_id: str, out: ParsedResponses) -> None:
    seen: set[str] = set()
    for number, row in rows:
        name = row["Name"]
        if name in seen:
            out.dropped["line-item row of an order already read (Shopify repeats Name per line item)"] += 1
            continue
        seen.add(name)
        if not row["Discount Code"]:
            out.dropped["order without a discount code"] += 1
            continue
        if row["Financial Status"].lower() in SHOPIFY_NO_SALE:
            out.dropped["order refunded or voided"] += 1
            continue
        out.rows.append(
            (
                number,
                {
                    "tenant_id": tenant_id,
                    "source": "shopify",
                    "order_id": name or None,
                    "code": row["Discount Code"],
                    "io_id": None,
                    "occurred_at": _shopify_time(row["Created at"]),
                    "revenue": _number(row["Total"]),
                    "currency": row["Currency"].upper() or None,
                },
            )
        )


def _generic_redemptions(rows: list[tuple[int, dict[str, str]]], tenant_id: str, out: ParsedResponses) -> None:
    for number, raw in rows:
        row = _lowered(raw)
        out.rows.append(
            (
                number,
                {
                    "tenant_id": tenant_id,
                    "source": "generic",
                    "order_id": row["order_id"] or None,
                    "code": row["code"] or None,
                    "io_id": None,
                    "occurred_at": _shopify_time(row["occurred_at"]),
                    "revenue": _number(row["revenue"]),
                    "currency": row["currency"].upper() or None,
                },
            )
        )


def _visit_rows(
    items: list[tuple[int, str | None, str | None, str | None]], source: str, tenant_id: str, out: ParsedResponses
) -> None:
    """``(row number, url, day, visits)`` → rows; a later row of the same URL key and day is added
    to the first one and counted as dropped (merged)."""
    first: dict[tuple[str | None, str | None], Row] = {}
    for number, url, day, visits in items:
        key = (vanity_url_key(url), day)
        if (
            key[0] is not None
            and key in first
            and visits
            and (first[key]["visits"] or "").isdigit()
            and visits.isdigit()
        ):
            first[key]["visits"] = str(int(first[key]["visits"] or 0) + int(visits))
            out.dropped["merged into an earlier row of the same page and day"] += 1
            continue
        row: Row = {"tenant_id": tenant_id, "source": source, "url": url, "day": day, "io_id": None, "visits": visits}
        first.setdefault(key, row)
        out.rows.append((number, row))


def _plausible(rows: list[tuple[int, dict[str, str]]], tenant_id: str, out: ParsedResponses) -> None:
    items = []
    for number, raw in rows:
        row = _lowered(raw)
        visits = row.get("visits") if "visits" in row else row.get("visitors")
        host, page = row["hostname"], row["page"]
        url = f"{host}{page if page.startswith('/') else '/' + page}" if host else page or None
        items.append((number, url, row["date"] or None, _number(visits or "")))
    _visit_rows(items, "plausible", tenant_id, out)


def _ga4_day(value: str) -> str | None:
    if re.fullmatch(r"\d{8}", value):
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return value or None


def _ga4(header: list[str], rows: list[tuple[int, dict[str, str]]], tenant_id: str, out: ParsedResponses) -> None:
    path_column = next(c for c in GA4_PATH_COLUMNS if c in header)
    visit_column = next(c for c in GA4_VISIT_COLUMNS if c in header)
    items = []
    for number, row in rows:
        path = row[path_column]
        if path.lower() == "grand total" or row["Date"].lower() == "grand total":
            out.dropped["GA4 grand total row"] += 1
            continue
        host = row.get("Hostname", "")
        url = f"{host}{path}" if host and path.startswith("/") else path
        items.append((number, url or None, _ga4_day(row["Date"]), _number(row[visit_column])))
    _visit_rows(items, "ga4", tenant_id, out)


def _generic_visits(rows: list[tuple[int, dict[str, str]]], tenant_id: str, out: ParsedResponses) -> None:
    items = []
    for number, raw in rows:
        row = _lowered(raw)
        items.append((number, row["url"] or None, row["day"] or None, _number(row["visits"])))
    _visit_rows(items, "generic", tenant_id, out)


def parse_responses(text: str, tenant_id: str, source_name: str = "<file>") -> ParsedResponses:
    """Parse one redemption or visit export (format detected from its header) into rows of ``tenant_id``.

    Raises:
        ResponseFormatError: unknown header or empty file; the message names ``source_name``.
    """
    try:
        header, rows = _reader(text.lstrip("\ufeff"))
        fmt = detect_format(header)
    except ResponseFormatError as err:
        raise ResponseFormatError(f"{source_name}: {err}") from err
    kind = "redemptions" if fmt in ("shopify", "generic_redemptions") else "visits"
    out = ParsedResponses(fmt, kind)
    if fmt == "shopify":
        _shopify(rows, tenant_id, out)
    elif fmt == "generic_redemptions":
        _generic_redemptions(rows, tenant_id, out)
    elif fmt == "plausible":
        _plausible(rows, tenant_id, out)
    elif fmt == "ga4":
        _ga4(header, rows, tenant_id, out)
    else:
        _generic_visits(rows, tenant_id, out)
    return out
