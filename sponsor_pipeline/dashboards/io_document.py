"""Owns the insertion-order (IO) document: its fields, its fingerprint and its PDF rendering.

Rendered with reportlab (platypus); no Dagster, no database. Total cost = booked impressions × CPM /
1000 (CPM in USD per 1,000 impressions). The terms follow the IAB/4A's Standard Terms and Conditions
for Internet Advertising (v3.0) in spirit, adapted to podcast audio: impressions are counted as
downloads per the IAB Podcast Measurement Technical Guidelines v2.1.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import asdict, dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

# Bump when TERMS (or the layout) change: every IO document is rendered again.
TERMS_VERSION = "2026-11"
TERMS = (
    (
        "1. Impressions are counted as downloads of the booked episode(s) per the IAB Podcast Measurement "
        "Technical Guidelines v2.1, as reported by the publisher's hosting platform."
    ),
    (
        "2. The advertiser is invoiced monthly in arrears for impressions delivered during the flight at the "
        "CPM above, up to the booked impressions; over-delivery is not billed."
    ),
    (
        "3. If fewer than the booked impressions are delivered by the end of the flight, the publisher runs "
        "make-good impressions of equal value within 60 days, or credits the shortfall at the IO's CPM."
    ),
    (
        "4. The promo code and vanity URL are reserved for this IO for the flight and 90 days after it; "
        "redemptions and visits are reported to the advertiser for attribution."
    ),
    (
        "5. Either party may cancel with 14 days' written notice; impressions delivered before the "
        "cancellation date are billable. Payment terms: net 30."
    ),
)


@dataclass(frozen=True)
class IoDocument:
    """Everything one insertion order prints. Money in USD; ``cpm`` per 1,000 impressions."""

    tenant_id: str
    tenant_name: str
    io_id: str
    status: str
    advertiser_name: str
    campaign_name: str
    show_title: str
    episode_title: str | None  # None: run-of-show
    flight_start: date
    flight_end: date
    ad_unit: str | None  # e.g. "Mid-roll :60 host read"
    booked_impressions: int
    cpm: Decimal
    promo_code: str | None
    vanity_url: str | None

    @property
    def total_cost(self) -> Decimal:
        """Booked impressions × CPM / 1000, rounded half-up to cents."""
        return (Decimal(self.booked_impressions) * Decimal(self.cpm) / Decimal(1000)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )


def fingerprint(doc: IoDocument) -> str:
    """sha256 hex of the document's fields and :data:`TERMS_VERSION` (canonical JSON)."""
    fields = {k: (str(v) if v is not None else None) for k, v in asdict(doc).items()}
    payload = json.dumps({"fields": fields, "terms": TERMS_VERSION}, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def money(value: Decimal) -> str:
    """``$12,345.60`` style."""
    return f"${Decimal(value):,.2f}"


def render_pdf(doc: IoDocument) -> bytes:
    """The insertion order as a one-page US Letter PDF (bytes).

    Sections: header (tenant, IO id, status), parties, placement (show/episode, ad unit, flight),
    commercial terms (booked impressions, CPM, total cost), response tracking (promo code, vanity
    URL), terms and signature lines. Metadata: title ``Insertion order <io_id>``, author the tenant.
    """
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=0.8 * inch,
        rightMargin=0.8 * inch,
        topMargin=0.7 * inch,
        bottomMargin=0.7 * inch,
        title=f"Insertion order {doc.io_id}",
        author=doc.tenant_name,
        subject=f"{doc.advertiser_name} - {doc.campaign_name}",
        invariant=1,
    )
    rows = [
        ["Publisher", f"{doc.tenant_name} ({doc.tenant_id})"],
        ["Advertiser", doc.advertiser_name],
        ["Campaign", doc.campaign_name],
        ["Show", doc.show_title],
        ["Episode", doc.episode_title or "Run of show"],
        ["Ad unit", doc.ad_unit or "Any"],
        ["Flight", f"{doc.flight_start.isoformat()} to {doc.flight_end.isoformat()}"],
        ["Booked impressions", f"{doc.booked_impressions:,}"],
        ["CPM (USD)", money(doc.cpm)],
        ["Total cost (USD)", money(doc.total_cost)],
        ["Promo code", doc.promo_code or "(to be assigned)"],
        ["Vanity URL", doc.vanity_url or "(to be assigned)"],
    ]
    table = Table(rows, colWidths=[1.8 * inch, 4.9 * inch])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold"),
                ("FONTSIZE", (0, 0), (-1, -1), 10),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story = [
        Paragraph(f"Insertion Order {escape(doc.io_id)}", styles["Title"]),
        Paragraph(f"Status: {escape(doc.status)} &nbsp;&nbsp; Terms version {TERMS_VERSION}", styles["Normal"]),
        Spacer(1, 0.2 * inch),
        table,
        Spacer(1, 0.25 * inch),
        Paragraph("Terms", styles["Heading2"]),
        *[Paragraph(term, styles["BodyText"]) for term in TERMS],
        Spacer(1, 0.4 * inch),
        Table(
            [["Publisher signature / date", "Advertiser signature / date"], ["", ""]],
            colWidths=[3.35 * inch, 3.35 * inch],
            rowHeights=[14, 36],
            style=TableStyle([("LINEBELOW", (0, 1), (-1, 1), 0.6, colors.black), ("FONTSIZE", (0, 0), (-1, -1), 9)]),
        ),
    ]
    pdf.build(story)
    return buffer.getvalue()
