"""Owns the campaign report a sales team sends the sponsor: its figures, fingerprint, PDF and CSV.

Pure logic (no Dagster, no database): the ``campaign_reports`` asset reads the warehouse into a
:class:`CampaignReport` and this module renders it with reportlab (platypus) and matplotlib charts.

What a report states, per campaign and per insertion order (IO), and where each figure comes from:

* **Delivery** (``io_delivery``, formulas in :mod:`sponsor_pipeline.pacing`): booked and delivered
  impressions (downloads per the IAB Tech Lab *Podcast Measurement Technical Guidelines v2.2*),
  percent delivered, expected-to-date under the IO's own pacing mode (even, front-loaded, ASAP, daily
  goal), pacing ratio, projected delivery at flight end and the make-good owed by a completed IO
  that under-delivered. A make-good's value is its impressions × the IO's CPM / 1,000.
* **Outcomes** (``io_attribution``, formulas in :mod:`sponsor_pipeline.attribution`): promo-code
  conversions (distinct orders) and revenue in the orders' currency, vanity-URL visits, responses
  per 1,000 delivered impressions, spend (billable impressions × CPM / 1,000, in
  ``vocabulary.SPEND_CURRENCY``), CPA = spend / conversions and ROAS = revenue / spend (only when
  revenue is in the spend currency; no exchange rates are applied).
* **Verification flags** (``io_verification_flags``, rules in :mod:`sponsor_pipeline.verification`):
  what a sponsor would question about each IO (under-delivery, under-pacing, a missing or unused promo
  code, no vanity-URL traffic, audience outside the target countries, a brand-safety conflict,
  delivery after the flight), each with its severity, its rule and the figures behind it.
* **Campaign totals**: sums over the IOs; CPA and ROAS of the sums (not the mean of the IOs' ratios),
  as :func:`sponsor_pipeline.warehouse.attribution.campaign_totals` computes them.
* **Charts**: each IO's delivered-to-date against its own expected-to-date curve, and daily downloads
  of the booked shows over the campaign's flight (7-day trailing mean).

Only committed IOs (``vocabulary.COMMITTED_IO_STATUSES``) are reported: drafts and cancelled IOs are
not part of what the sponsor bought.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

import pandas as pd
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import (
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from sponsor_pipeline.dashboards import plots
from sponsor_pipeline.vocabulary import SPEND_CURRENCY

# Bump when the layout or the CSV columns change: every report is generated again.
REPORT_VERSION = "2026-12.1"
CHART_DPI = 150  # charts are printed: 150 dots per inch keeps axis labels sharp
PAGE = landscape(LETTER)
MARGIN = 0.5 * inch
WIDTH = PAGE[0] - 2 * MARGIN  # usable width in points


@dataclass(frozen=True)
class ReportIo:
    """One IO of the report.

    Units: impressions and visits are counts; ``percent_delivered`` in percent; ``cpm``, ``spend``,
    ``cpa`` in ``spend_currency`` (CPM per 1,000 impressions); ``revenue`` in ``revenue_currency``
    (None when its orders came in several currencies); ratios unitless. Delivery figures are None
    (and ``as_of`` None) before io_delivery measured the IO; attribution figures None before
    io_attribution did.
    """

    io_id: str
    show_id: str
    show_title: str
    episode_title: str | None  # None: run of show
    status: str
    pacing_mode: str
    daily_goal_impressions: int | None
    flight_start: date
    flight_end: date
    as_of: date | None
    booked_impressions: int
    delivered_impressions: int
    percent_delivered: float | None
    expected_to_date: float | None
    pacing_ratio: float | None
    projected_delivery: float | None
    make_good_impressions: int
    cpm: float
    promo_code: str | None
    vanity_url: str | None
    conversions: int
    revenue: float | None
    revenue_currency: str | None
    spend: float
    spend_currency: str
    cpa: float | None
    roas: float | None
    vanity_visits: int
    responses_per_1000: float | None
    window_start: date | None
    window_end: date | None

    @property
    def make_good_value(self) -> float:
        """Make-good impressions × CPM / 1,000, rounded to cents (``spend_currency``)."""
        return round(self.make_good_impressions * self.cpm / 1000, 2)


@dataclass(frozen=True)
class ReportFlag:
    """One verification flag of an IO: ``severity`` warning or critical; ``evidence`` the figures that
    raised it (JSON object, as stored)."""

    io_id: str
    flag: str
    severity: str
    rule: str
    evidence: dict[str, Any]

    @property
    def label(self) -> str:
        """``under_delivered`` → ``Under delivered``."""
        return self.flag.replace("_", " ").capitalize()


@dataclass(frozen=True)
class CampaignReport:
    """Everything one campaign report prints.

    ``daily_delivered``: ``(io_id, day, impressions)`` inside each IO's flight up to its as-of day;
    ``show_downloads``: ``(show_title, day, downloads)`` of the booked shows over the campaign's
    flight up to ``as_of`` (the impression sources of io_delivery).
    """

    tenant_id: str
    tenant_name: str
    campaign_id: str
    campaign_name: str
    advertiser_name: str
    as_of: date | None  # the newest day io_delivery measured for the campaign's IOs
    ios: tuple[ReportIo, ...]
    daily_delivered: tuple[tuple[str, date, int], ...] = field(default=())
    show_downloads: tuple[tuple[str, date, int], ...] = field(default=())
    flags: tuple[ReportFlag, ...] = field(default=())  # critical first, then by IO and flag

    def flags_of(self, io_id: str) -> list[ReportFlag]:
        return [f for f in self.flags if f.io_id == io_id]

    @property
    def flight_start(self) -> date:
        return min(i.flight_start for i in self.ios)

    @property
    def flight_end(self) -> date:
        return max(i.flight_end for i in self.ios)


@dataclass(frozen=True)
class Totals:
    """Campaign totals (module docstring): money as :class:`ReportIo`; ``revenue`` None in mixed currencies."""

    booked_impressions: int
    delivered_impressions: int
    percent_delivered: float | None
    make_good_impressions: int
    make_good_value: float
    conversions: int
    revenue: float | None
    revenue_currency: str | None
    spend: float
    spend_currency: str
    cpa: float | None
    roas: float | None
    vanity_visits: int
    responses_per_1000: float | None


def totals(report: CampaignReport) -> Totals:
    """Sums over the report's IOs; CPA = Σ spend / Σ conversions, ROAS = Σ revenue / Σ spend (same
    currency only), responses per 1,000 = (Σ conversions + Σ visits) × 1,000 / Σ delivered."""
    ios = report.ios
    booked = sum(i.booked_impressions for i in ios)
    delivered = sum(i.delivered_impressions for i in ios)
    conversions = sum(i.conversions for i in ios)
    visits = sum(i.vanity_visits for i in ios)
    spend = round(sum(i.spend for i in ios), 2)
    currencies = {i.revenue_currency for i in ios if i.revenue_currency}
    mixed = len(currencies) > 1 or any(i.revenue is None and i.conversions for i in ios)
    revenue = None if mixed else round(sum(i.revenue or 0.0 for i in ios), 2)
    currency = None if mixed else (currencies.pop() if currencies else None)
    same = revenue is not None and currency in (SPEND_CURRENCY, None)
    return Totals(
        booked_impressions=booked,
        delivered_impressions=delivered,
        percent_delivered=delivered / booked * 100 if booked else None,
        make_good_impressions=sum(i.make_good_impressions for i in ios),
        make_good_value=round(sum(i.make_good_value for i in ios), 2),
        conversions=conversions,
        revenue=revenue,
        revenue_currency=currency,
        spend=spend,
        spend_currency=SPEND_CURRENCY,
        cpa=round(spend / conversions, 2) if conversions else None,
        roas=round(revenue / spend, 4) if same and spend and revenue is not None else None,
        vanity_visits=visits,
        responses_per_1000=(conversions + visits) * 1000 / delivered if delivered else None,
    )


def fingerprint(report: CampaignReport) -> str:
    """sha256 hex of the report's figures and :data:`REPORT_VERSION` (canonical JSON): equal
    fingerprints print the same report, so an unchanged report is not generated again."""
    payload = json.dumps({"report": asdict(report), "version": REPORT_VERSION}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# --- formatting: every money figure carries its currency ---------------------------------------------


def count(value: float | None) -> str:
    """``12,345`` (rounded); ``–`` for None."""
    return "–" if value is None else f"{round(value):,}"


def money(value: float | None, currency: str | None) -> str:
    """``1,234.56 USD``; ``–`` for None."""
    if value is None:
        return "–"
    return f"{value:,.2f} {currency or ''}".rstrip()


def ratio(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"


def placement(i: ReportIo) -> str:
    """``Show: episode`` or ``Show (run of show)``."""
    return f"{i.show_title}: {i.episode_title}" if i.episode_title else f"{i.show_title} (run of show)"


# --- CSV ---------------------------------------------------------------------------------------------

_C = SPEND_CURRENCY.lower()
CSV_COLUMNS = (
    "campaign_id",
    "io_id",
    "placement",
    "status",
    "flight_start",
    "flight_end",
    "as_of",
    "pacing_mode",
    "booked_impressions",
    "delivered_impressions",
    "percent_delivered",
    "expected_to_date",
    "pacing_ratio",
    "projected_delivery",
    "make_good_impressions",
    f"make_good_value_{_C}",
    f"cpm_{_C}",
    f"spend_{_C}",
    "promo_code",
    "conversions",
    "revenue",
    "revenue_currency",
    f"cpa_{_C}",
    "roas",
    "vanity_url",
    "vanity_visits",
    "responses_per_1000",
    "attribution_window_start",
    "attribution_window_end",
    "verification_flags",
)
TOTAL_ROW_ID = "TOTAL"


def flags_cell(flags: list[ReportFlag]) -> str:
    """``under_delivered (critical); unused_promo_code (warning)`` (the CSV's verification_flags cell)."""
    return "; ".join(f"{f.flag} ({f.severity})" for f in flags)


def parse_flags_cell(cell: str) -> set[str]:
    """The flag names of a :func:`flags_cell` value."""
    return {part.split(" (", 1)[0].strip() for part in cell.split(";") if part.strip()}


def _num(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def csv_text(report: CampaignReport) -> str:
    """The report's tables as one CSV (UTF-8 text, header :data:`CSV_COLUMNS`): one row per IO with its
    delivery, make-good and outcome figures, then a campaign total row (``io_id`` = ``TOTAL``).

    Money columns name their currency (``spend_usd``; ``revenue`` next to ``revenue_currency``);
    empty cells are figures that do not exist (no conversions: no CPA; mixed currencies: no revenue).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for i in report.ios:
        writer.writerow(
            [
                report.campaign_id,
                i.io_id,
                placement(i),
                i.status,
                i.flight_start.isoformat(),
                i.flight_end.isoformat(),
                i.as_of.isoformat() if i.as_of else "",
                i.pacing_mode,
                i.booked_impressions,
                i.delivered_impressions,
                _num(i.percent_delivered, 2),
                _num(i.expected_to_date, 0),
                _num(i.pacing_ratio, 4),
                _num(i.projected_delivery, 0),
                i.make_good_impressions,
                f"{i.make_good_value:.2f}",
                f"{i.cpm:.2f}",
                f"{i.spend:.2f}",
                i.promo_code or "",
                i.conversions,
                _num(i.revenue, 2),
                i.revenue_currency or "",
                _num(i.cpa, 2),
                _num(i.roas, 4),
                i.vanity_url or "",
                i.vanity_visits,
                _num(i.responses_per_1000, 4),
                i.window_start.isoformat() if i.window_start else "",
                i.window_end.isoformat() if i.window_end else "",
                flags_cell(report.flags_of(i.io_id)),
            ]
        )
    t = totals(report)
    writer.writerow(
        [
            report.campaign_id,
            TOTAL_ROW_ID,
            f"{len(report.ios)} IOs",
            "",
            report.flight_start.isoformat(),
            report.flight_end.isoformat(),
            report.as_of.isoformat() if report.as_of else "",
            "",
            t.booked_impressions,
            t.delivered_impressions,
            _num(t.percent_delivered, 2),
            "",
            "",
            "",
            t.make_good_impressions,
            f"{t.make_good_value:.2f}",
            "",
            f"{t.spend:.2f}",
            "",
            t.conversions,
            _num(t.revenue, 2),
            t.revenue_currency or "",
            _num(t.cpa, 2),
            _num(t.roas, 4),
            "",
            t.vanity_visits,
            _num(t.responses_per_1000, 4),
            "",
            "",
            _flag_count(report),
        ]
    )
    return out.getvalue()


def _flag_count(report: CampaignReport) -> str:
    """``3 flags (1 critical)`` / ``none``."""
    if not report.flags:
        return "none"
    critical = sum(f.severity == "critical" for f in report.flags)
    return f"{len(report.flags)} flag{'s' * (len(report.flags) != 1)} ({critical} critical)"


# --- charts ------------------------------------------------------------------------------------------


def pacing_chart(report: CampaignReport) -> bytes | None:
    """PNG of each measured IO against its own pacing curve (:func:`plots.pacing_curves_png`); None
    when no IO has been measured yet."""
    measured = [i for i in report.ios if i.as_of is not None]
    if not measured:
        return None
    ios = pd.DataFrame([asdict(i) for i in measured])
    daily = pd.DataFrame(report.daily_delivered, columns=["io_id", "day", "delivered"])
    return plots.pacing_curves_png(ios, daily, None, columns=3, max_panels=12, dpi=CHART_DPI, title=None)


def downloads_chart(report: CampaignReport) -> bytes | None:
    """PNG of daily downloads per booked show over the flight; None without downloads."""
    if not report.show_downloads:
        return None
    daily = pd.DataFrame(report.show_downloads, columns=["show_title", "day", "downloads"])
    return plots.show_downloads_png(daily, "Daily downloads of the booked shows during the campaign", dpi=CHART_DPI)


# --- PDF ---------------------------------------------------------------------------------------------

_GRID = [
    ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
    ("FONTSIZE", (0, 0), (-1, -1), 8),
    ("LEADING", (0, 0), (-1, -1), 10),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")),
    ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b0b7bf")),
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
    ("TOPPADDING", (0, 0), (-1, -1), 3),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ("LEFTPADDING", (0, 0), (-1, -1), 4),
    ("RIGHTPADDING", (0, 0), (-1, -1), 4),
]


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontSize=18, leading=22, alignment=0, spaceAfter=2),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base["Normal"], fontSize=10, leading=13, textColor=colors.HexColor("#444444")
        ),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontSize=12, leading=15, spaceBefore=10, spaceAfter=4),
        "body": ParagraphStyle("body", parent=base["BodyText"], fontSize=8.5, leading=11),
        "cell": ParagraphStyle("cell", parent=base["BodyText"], fontSize=8, leading=10),
        "head": ParagraphStyle("head", parent=base["BodyText"], fontSize=8, leading=10, fontName="Helvetica-Bold"),
        "note": ParagraphStyle(
            "note", parent=base["BodyText"], fontSize=7.5, leading=9.5, textColor=colors.HexColor("#444444")
        ),
    }


def _cell(text, styles):
    """A wrapping cell; a newline in ``text`` starts a new line."""
    if not isinstance(text, str):
        return text
    return Paragraph("<br/>".join(escape(part) for part in text.split("\n")), styles["cell"])


def _bold(text: str, styles) -> Paragraph:
    return Paragraph(f"<b>{escape(text)}</b>", styles["cell"])


def _table(header: list[str], rows: list[list], widths: list[float], styles, extra=()) -> Table:
    """A grid table whose header cells and text cells wrap (Paragraphs); widths in fractions of WIDTH."""
    head = [Paragraph(escape(h), styles["head"]) for h in header]
    body = [[_cell(c, styles) if j == 0 else c for j, c in enumerate(r)] for r in rows]
    table = Table([head, *body], colWidths=[w * WIDTH for w in widths], repeatRows=1)
    table.setStyle(TableStyle([*_GRID, *extra]))
    return table


def _chart(png: bytes, max_height: float) -> Image:
    """The PNG scaled to the page width, or less so it is at most ``max_height`` points high."""
    image = Image(io.BytesIO(png))
    scale = min(WIDTH / image.imageWidth, max_height / image.imageHeight)
    image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
    return image


def _summary(report: CampaignReport, t: Totals) -> Table:
    revenue_currency = t.revenue_currency or SPEND_CURRENCY
    pairs = [
        ("Booked impressions", count(t.booked_impressions)),
        ("Delivered impressions", f"{count(t.delivered_impressions)} ({percent(t.percent_delivered)})"),
        (f"Spend ({SPEND_CURRENCY})", money(t.spend, SPEND_CURRENCY)),
        (
            "Make-goods owed",
            f"{count(t.make_good_impressions)} impressions, worth {money(t.make_good_value, SPEND_CURRENCY)}",
        ),
        ("Conversions (promo code)", count(t.conversions)),
        (
            f"Revenue ({revenue_currency})" if t.revenue is not None else "Revenue",
            money(t.revenue, revenue_currency) if t.revenue is not None else "mixed currencies",
        ),
        (f"CPA ({SPEND_CURRENCY})", money(t.cpa, SPEND_CURRENCY)),
        ("ROAS (revenue / spend)", ratio(t.roas)),
        ("Vanity-URL visits", count(t.vanity_visits)),
        ("Responses per 1,000 impressions", ratio(t.responses_per_1000)),
        ("Verification flags", _flag_count(report)),
        ("IOs flagged", f"{len({f.io_id for f in report.flags})} of {len(report.ios)}"),
    ]
    cells = []
    for k in range(0, len(pairs), 2):
        (a, av), (b, bv) = pairs[k], pairs[k + 1]
        cells.append([a, av, b, bv])
    table = Table(cells, colWidths=[w * WIDTH for w in (0.24, 0.26, 0.24, 0.26)])
    table.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 9.5),
                ("LEADING", (0, 0), (-1, -1), 12),
                ("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold"),
                ("FONTNAME", (2, 0), (2, -1), "Helvetica-Bold"),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f3f5f7")),
                ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#f3f5f7")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b0b7bf")),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def _delivery_table(report: CampaignReport, t: Totals, styles) -> Table:
    header = [
        "IO / placement",
        "Status",
        "Flight",
        "Pacing mode",
        "Booked",
        "Delivered",
        "% delivered",
        "Expected to date",
        "Pacing ratio",
        "Projected at flight end",
        "Make-good owed (impr.)",
    ]
    rows: list[list] = [
        [
            f"{i.io_id}\n{placement(i)}",
            i.status,
            f"{i.flight_start:%b %d} – {i.flight_end:%b %d, %Y}",
            plots.PACING_MODE_LABELS.get(i.pacing_mode, i.pacing_mode),
            count(i.booked_impressions),
            count(i.delivered_impressions),
            percent(i.percent_delivered),
            count(i.expected_to_date),
            ratio(i.pacing_ratio),
            count(i.projected_delivery),
            count(i.make_good_impressions),
        ]
        for i in report.ios
    ]
    rows.append(
        [
            _bold("Campaign total", styles),
            "",
            "",
            "",
            count(t.booked_impressions),
            count(t.delivered_impressions),
            percent(t.percent_delivered),
            "",
            "",
            "",
            count(t.make_good_impressions),
        ]
    )
    widths = [0.23, 0.07, 0.125, 0.075, 0.07, 0.07, 0.07, 0.07, 0.06, 0.08, 0.08]
    bold_total = [("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"), ("ALIGN", (1, 1), (3, -1), "LEFT")]
    return _table(header, rows, widths, styles, bold_total)


def _outcomes_table(report: CampaignReport, t: Totals, styles) -> Table:
    header = [
        "IO",
        "Promo code",
        "Conversions",
        "Revenue",
        "Vanity URL",
        "Visits",
        "Responses per 1,000 impr.",
        f"Spend ({SPEND_CURRENCY})",
        f"CPA ({SPEND_CURRENCY})",
        "ROAS",
        "Attribution window",
    ]
    rows = []
    for i in report.ios:
        window = f"{i.window_start:%b %d} – {i.window_end:%b %d, %Y}" if i.window_start and i.window_end else "–"
        rows.append(
            [
                i.io_id,
                Paragraph(escape(i.promo_code or "–"), styles["cell"]),
                count(i.conversions),
                money(i.revenue, i.revenue_currency) if i.conversions else "–",
                Paragraph(escape(i.vanity_url or "–"), styles["cell"]),
                count(i.vanity_visits),
                ratio(i.responses_per_1000),
                money(i.spend, None),
                money(i.cpa, None),
                ratio(i.roas),
                window,
            ]
        )
    rows.append(
        [
            _bold("Total", styles),
            "",
            count(t.conversions),
            money(t.revenue, t.revenue_currency) if t.revenue is not None else "mixed currencies",
            "",
            count(t.vanity_visits),
            ratio(t.responses_per_1000),
            money(t.spend, None),
            money(t.cpa, None),
            ratio(t.roas),
            "",
        ]
    )
    widths = [0.075, 0.105, 0.085, 0.1, 0.185, 0.05, 0.075, 0.075, 0.065, 0.05, 0.135]
    extra = [
        ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
        ("ALIGN", (1, 1), (1, -1), "LEFT"),
        ("ALIGN", (-1, 1), (-1, -1), "LEFT"),
    ]
    return _table(header, rows, widths, styles, extra)


def _make_goods(report: CampaignReport, styles) -> list:
    owed = [i for i in report.ios if i.make_good_impressions > 0]
    if not owed:
        return [Paragraph("No make-goods are owed: no completed IO of this campaign under-delivered.", styles["body"])]
    rows = [
        [
            i.io_id,
            count(i.booked_impressions),
            count(i.delivered_impressions),
            count(i.make_good_impressions),
            money(i.cpm, None),
            money(i.make_good_value, None),
        ]
        for i in owed
    ]
    header = [
        "IO",
        "Booked",
        "Delivered",
        "Make-good impressions owed",
        f"CPM ({SPEND_CURRENCY})",
        f"Value ({SPEND_CURRENCY})",
    ]
    return [
        _table(header, rows, [0.16, 0.14, 0.14, 0.2, 0.14, 0.16], styles),
        Spacer(1, 4),
        Paragraph(
            "A completed IO that delivered fewer impressions than booked is made good with added spots of equal "
            "value within 60 days, or the shortfall is credited at the IO's CPM (terms of the insertion order).",
            styles["note"],
        ),
    ]


def _value(value: Any) -> str:
    """An evidence value as text: counts with thousands separators, ratios to 4 significant digits,
    objects as ``key value`` pairs, lists joined."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, dict) and {"category", "show_risk", "accepted"} <= set(value):
        return f"{value['category']}: show {value['show_risk']}, accepted {value['accepted']}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    return str(value)


def evidence_text(evidence: dict[str, Any]) -> str:
    """A flag's evidence as one line: ``key: value; ...`` (underscores read as spaces)."""
    return "; ".join(f"{k.replace('_', ' ')}: {_value(v)}" for k, v in evidence.items())


SEVERITY_COLORS = {"critical": colors.HexColor("#c0392b"), "warning": colors.HexColor("#b9770e")}


def _flags(report: CampaignReport, styles) -> list:
    if not report.flags:
        return [Paragraph("No verification flags: every rule passed for this campaign's IOs.", styles["body"])]
    header = ["IO", "Flag", "Severity", "Rule", "Evidence"]
    rows = [
        [
            f.io_id,
            Paragraph(escape(f.label), styles["cell"]),
            f.severity,
            Paragraph(escape(f.rule), styles["cell"]),
            Paragraph(escape(evidence_text(f.evidence)), styles["cell"]),
        ]
        for f in report.flags
    ]
    extra = [("ALIGN", (1, 1), (-1, -1), "LEFT"), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    extra += [
        ("TEXTCOLOR", (2, n), (2, n), SEVERITY_COLORS.get(f.severity, colors.black))
        for n, f in enumerate(report.flags, start=1)
    ]
    extra += [("FONTNAME", (2, 1), (2, -1), "Helvetica-Bold")]
    return [
        _table(header, rows, [0.08, 0.13, 0.07, 0.36, 0.36], styles, extra),
        Spacer(1, 4),
        Paragraph(
            "Each flag is raised by the rule shown, from the figures shown; critical flags are listed first.",
            styles["note"],
        ),
    ]


NOTES = (
    (
        "Impressions are downloads of the booked episode (or of the whole show for run-of-show IOs) counted by "
        "the hosting platform under the IAB Tech Lab Podcast Measurement Technical Guidelines v2.2."
    ),
    (
        "Pacing ratio = delivered / expected to date under the IO's pacing mode: even (an equal share per flight "
        "day), front-loaded (25% over the even rate until half the booking is delivered), ASAP (the whole booking "
        "from the first day) or daily goal (the goal per day, up to the booking). 1.00 is on pace."
    ),
    (
        f"Spend = min(delivered, booked) × CPM / 1,000 in {SPEND_CURRENCY}; over-delivery is not billed. "
        f"CPA = spend / conversions ({SPEND_CURRENCY}); ROAS = revenue / spend, given only when revenue is in "
        f"{SPEND_CURRENCY} (no exchange rates are applied)."
    ),
    (
        "Conversions are distinct orders using the IO's promo code, and visits are visits to its vanity URL, "
        "between the flight start and the end of the attribution window (flight end + the campaign's window days); "
        "an order reported twice counts once."
    ),
)


def render_pdf(report: CampaignReport) -> bytes:
    """The campaign report as a landscape US Letter PDF (bytes).

    Page 1: header (advertiser, campaign, publisher, flight, as-of day), key figures, delivery per
    IO with the campaign total. Then the pacing chart (each IO against its own curve), the downloads
    trend, outcomes per IO (promo code, vanity URL, spend, CPA, ROAS), make-goods owed and notes on
    the definitions. Metadata: title ``Campaign report <campaign_id>``, author the publisher.
    Every page carries the campaign and page number in its footer.
    """
    styles = _styles()
    t = totals(report)
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=0.45 * inch,
        bottomMargin=0.55 * inch,
        title=f"Campaign report {report.campaign_id}",
        author=report.tenant_name,
        subject=f"{report.advertiser_name} - {report.campaign_name}",
        invariant=1,
    )

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(
            MARGIN, 0.3 * inch, f"{report.advertiser_name} · {report.campaign_name} · {report.tenant_name}"
        )
        canvas.drawRightString(PAGE[0] - MARGIN, 0.3 * inch, f"Page {doc.page}")
        canvas.restoreState()

    as_of = report.as_of.isoformat() if report.as_of else "not yet measured"
    story: list = [
        Paragraph(escape(f"Campaign report: {report.campaign_name}"), styles["title"]),
        Paragraph(
            escape(
                f"Advertiser {report.advertiser_name} · Publisher {report.tenant_name} · Campaign {report.campaign_id} · "
                f"Flight {report.flight_start.isoformat()} to {report.flight_end.isoformat()} · "
                f"{len(report.ios)} IOs · Figures as of {as_of}"
            ),
            styles["subtitle"],
        ),
        Spacer(1, 8),
        _summary(report, t),
        Paragraph("Delivery by insertion order", styles["h2"]),
        _delivery_table(report, t, styles),
    ]
    pacing_png = pacing_chart(report)
    if pacing_png:
        story += [
            PageBreak(),
            Paragraph("Pacing: each IO against its own pacing curve", styles["h2"]),
            Paragraph(
                "Solid line: impressions delivered to date; dashed: expected to date under the IO's pacing mode; "
                "dotted: booked impressions; grey vertical line: the day the figures are as of.",
                styles["note"],
            ),
            Spacer(1, 4),
            _chart(pacing_png, 6.2 * inch),
        ]
    downloads_png = downloads_chart(report)
    story.append(PageBreak())
    if downloads_png:
        story += [
            Paragraph("Downloads trend", styles["h2"]),
            _chart(downloads_png, 2.4 * inch),
        ]
    story += [
        KeepTogether(
            [
                Paragraph("Responses and outcomes: promo codes and vanity URLs", styles["h2"]),
                _outcomes_table(report, t, styles),
            ]
        ),
        KeepTogether([Paragraph("Make-goods owed", styles["h2"]), *_make_goods(report, styles)]),
        Paragraph("Verification flags", styles["h2"]),
        *_flags(report, styles),
        KeepTogether([Paragraph("Definitions", styles["h2"]), *[Paragraph(escape(n), styles["note"]) for n in NOTES]]),
    ]
    pdf.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
