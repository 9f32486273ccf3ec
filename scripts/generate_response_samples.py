"""Owns generating the sample advertisers' response exports from the response plan (deterministic).

Each completed IO's daily promo redemptions and vanity visits (``generate_matchmaking_samples.response_plan``,
drawn from its seeded generator) become rows of the export
its advertiser's tools would produce: a Shopify orders export (one row per line item, order-level
columns on the first row) or a generic redemptions CSV, and a Plausible ``imported_pages`` CSV, a
GA4 report CSV (with the Hostname dimension added: the network's advertisers reuse paths such as
/cold-harbor) or a generic visits CSV, under ``samples/responses/<tenant>/{redemptions,visits}/``.
A few rows a real export carries and attribution must leave out are added: orders without a code,
a refunded order, a store-wide code no IO owns, and pages that are not vanity URLs.

These exports are the sample network's only response input: the pipeline imports them
(promo_redemptions, vanity_visits) and derives io_attribution and io_responses from them.

Run: ``.venv/bin/python scripts/generate_response_samples.py`` (rewrites only samples/responses/).
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from generate_matchmaking_samples import response_plan  # the script beside this one

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
OUT = SAMPLES / "responses"

SHOPIFY_HEADER = [
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at", "Accepts Marketing",
    "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount", "Shipping Method",
    "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem compare at price",
    "Lineitem sku", "Lineitem requires shipping", "Lineitem taxable", "Lineitem fulfillment status",
    "Billing Name", "Billing Country", "Shipping Country", "Payment Method", "Refunded Amount", "Vendor", "Id",
    "Risk Level", "Source",
]  # fmt: skip
PLAUSIBLE_HEADER = ["date", "hostname", "page", "visits", "visitors", "pageviews", "scroll_depth", "pageleave_visitors"]
GA4_HEADER = [
    "Page path and screen class",
    "Hostname",
    "Date",
    "Views",
    "Sessions",
    "Active users",
    "Event count",
    "Key events",
]
# Per advertiser: (redemption export, visit export, products with prices in USD)
ADVERTISERS = {
    "nw-adv-loamwell": ("shopify", "plausible", [("Cloud Pillow", 89.0), ("Weighted Blanket", 189.0)]),
    "nw-adv-crateful": ("shopify", "ga4", [("Holiday Box", 64.0), ("Pantry Refill", 39.0)]),
    "hp-adv-pantrypost": ("shopify", "plausible", [("Pantry Box", 49.0), ("Spice Set", 29.0)]),
    "hp-adv-shieldline": ("generic", "ga4", [("ShieldLine VPN 1 year", 71.88)]),
    "hp-adv-stridewell": ("shopify", "generic", [("Trail Runner", 139.0), ("Race Socks", 18.0)]),
}


def _read(name: str) -> list[dict[str, str]]:
    with (SAMPLES / name).open(newline="") as f:
        return list(csv.DictReader(f))


def _write(path: Path, header: list[str], rows: list[list[str]], preamble: list[str] | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        for line in preamble or []:
            f.write(line + "\n")
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main() -> None:
    rng = random.Random(15)
    ios = {r["io_id"]: r for r in _read("io_bookings.csv")}
    advertiser_of = {c["campaign_id"]: c["advertiser_id"] for c in _read("campaigns.csv")}
    redemptions: dict[tuple[str, str], list[tuple[str, str, int]]] = defaultdict(list)
    visits: dict[tuple[str, str], list[tuple[str, str, int]]] = defaultdict(list)
    for r in response_plan(SAMPLES).astype(str).to_dict("records"):
        io = ios[r["io_id"]]
        key = (io["tenant_id"], advertiser_of[io["campaign_id"]])
        if key[1] not in ADVERTISERS:
            continue
        if io["promo_code"] and int(r["promo_redemptions"]):
            redemptions[key].append((r["day"], io["promo_code"], int(r["promo_redemptions"])))
        if io["vanity_url"] and int(r["vanity_visits"]):
            visits[key].append((r["day"], io["vanity_url"], int(r["vanity_visits"])))
    for path in OUT.glob("*/*/*.csv"):
        path.unlink()
    for (tenant, advertiser), items in sorted(redemptions.items()):
        kind, _, products = ADVERTISERS[advertiser]
        rows: list[list[str]] = []
        number = 1000
        extra = [("", "paid"), ("", "paid"), ("WELCOME10", "paid"), (items[0][1].lower(), "refunded")]
        orders = [(day, code, "paid") for day, code, n in items for _ in range(n)]
        orders += [(items[i % len(items)][0], code, status) for i, (code, status) in enumerate(extra)]
        for day, code, status in sorted(orders):
            number += 1
            created = datetime.fromisoformat(day) + timedelta(hours=rng.randint(7, 22), minutes=rng.randint(0, 59))
            lines = rng.sample(products, k=rng.randint(1, len(products)))
            subtotal = sum(p for _, p in lines)
            discount = round(subtotal * 0.2, 2) if code else 0.0
            taxes = round((subtotal - discount) * 0.07, 2)
            total = round(subtotal - discount + taxes, 2)
            if kind == "generic":
                rows.append([code, f"SL-{number}", created.strftime("%Y-%m-%dT%H:%M:%SZ"), f"{total:.2f}", "USD"])
                continue
            stamp = created.strftime("%Y-%m-%d %H:%M:%S -0500")
            for i, (product, price) in enumerate(lines):
                first = i == 0
                order_level = [
                    status, stamp, "fulfilled", "", "yes", "USD", f"{subtotal:.2f}", "0.00", f"{taxes:.2f}",
                    f"{total:.2f}", code, f"{discount:.2f}", "Standard",
                ] if first else [""] * 13  # fmt: skip
                rows.append(
                    [f"#{number}", f"customer{number}@example.com", *order_level, stamp, "1", product,
                     f"{price:.2f}", "", product[:3].upper(), "true", "true", "fulfilled",
                     f"Customer {number}" if first else "", "US" if first else "", "US" if first else "",
                     "Shopify Payments" if first else "", f"{total:.2f}" if first and status == "refunded" else "0.00",
                     advertiser, str(5512000000 + number) if first else "", "Low" if first else "",
                     "web" if first else ""]
                )  # fmt: skip
        folder = OUT / tenant / "redemptions"
        if kind == "generic":
            _write(
                folder / f"{advertiser}_redemptions.csv",
                ["code", "order_id", "occurred_at", "revenue", "currency"],
                rows,
            )
        else:
            _write(folder / f"{advertiser}_shopify_orders_export.csv", SHOPIFY_HEADER, rows)
    for (tenant, advertiser), items in sorted(visits.items()):
        _, kind, _ = ADVERTISERS[advertiser]
        items = sorted(items)
        folder = OUT / tenant / "visits"
        if kind == "plausible":
            rows = []
            for day, url, n in items:
                parts = urlsplit(url)
                rows.append([day, parts.netloc, parts.path, str(n), str(max(1, n - rng.randint(0, n // 3))),
                             str(n + rng.randint(0, n)), str(rng.randint(30, 80)), str(max(1, n - 1))])  # fmt: skip
            rows.append([items[0][0], urlsplit(items[0][1]).netloc, "/", "812", "640", "1544", "41", "600"])
            first, last = items[0][0].replace("-", ""), items[-1][0].replace("-", "")
            _write(folder / f"{advertiser}_imported_pages_{first}_{last}.csv", PLAUSIBLE_HEADER, rows)
        elif kind == "ga4":
            rows = [[urlsplit(url).path, urlsplit(url).netloc, day.replace("-", ""), str(n + rng.randint(0, n)), str(n),
                     str(max(1, n - rng.randint(0, n // 3))), str(4 * n), "0"] for day, url, n in items]  # fmt: skip
            rows.append(
                ["/", urlsplit(items[0][1]).netloc, items[0][0].replace("-", ""), "1310", "900", "702", "4200", "12"]
            )
            first, last = items[0][0].replace("-", ""), items[-1][0].replace("-", "")
            preamble = ["# ----------------------------------------", "# Pages and screens: Page path and screen class",
                        f"# Property: {urlsplit(items[0][1]).netloc} - GA4", "# ----------------------------------------",
                        "#", f"# Start date: {first}", f"# End date: {last}"]  # fmt: skip
            totals = ["Grand total", "", "", *(str(sum(int(r[i]) for r in rows)) for i in range(3, 8))]
            _write(folder / f"{advertiser}_ga4_pages_and_screens.csv", GA4_HEADER, [*rows, totals], preamble)
        else:
            rows = [[url, day, str(n)] for day, url, n in items]
            _write(folder / f"{advertiser}_visits.csv", ["url", "day", "visits"], rows)


if __name__ == "__main__":
    main()
