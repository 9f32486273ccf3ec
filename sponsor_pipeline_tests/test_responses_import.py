"""Promo-code redemptions and vanity-URL visits from files in the real export formats (Shopify orders,
Plausible, GA4, generic CSVs): parsed, matched to the tenant's IOs, quarantined naming the code."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from sponsor_pipeline import responses
from sponsor_pipeline.warehouse import imports
from sponsor_pipeline.warehouse.responses import import_response_file

DATA = Path(__file__).parent / "data" / "responses"
TENANT = "northwind-audio"


def test_keys_ignore_case_whitespace_scheme_www_query_and_trailing_slash():
    assert responses.promo_code_key(" tech talk25 ") == "TECHTALK25"
    assert responses.vanity_url_key("HTTPS://www.Loamwell.com/Tech-Talk/?utm_source=pod#x") == "loamwell.com/tech-talk"
    assert responses.vanity_path_key("https://loamwell.com/tech-talk") == "/tech-talk"
    assert responses.vanity_path_key("loamwell.com") == "/"
    assert responses.vanity_url_key("/") is None


def test_sql_keys_equal_the_python_keys(conn):
    samples = [" tech talk25 ", "HTTPS://www.Loamwell.com/Tech-Talk/?utm_source=pod#x", "/Founders-Hour/", "/"]
    for value in samples:
        row = conn.execute(
            "SELECT promo_code_key(%s), vanity_url_key(%s), vanity_path_key(%s)", (value, value, value)
        ).fetchone()
        assert row == (
            responses.promo_code_key(value),
            responses.vanity_url_key(value),
            responses.vanity_path_key(value),
        )


def test_shopify_export_keeps_one_row_per_order_with_a_code_and_a_sale():
    parsed = responses.parse_responses((DATA / "shopify_orders_export.csv").read_text(), TENANT)
    assert parsed.format == "shopify"
    assert [(n, r["order_id"], r["code"], r["revenue"], r["occurred_at"]) for n, r in parsed.rows] == [
        (1, "#1001", "techtalk25", "111.00", "2026-08-26T14:15:00Z"),
        (5, "#1004", "Checkout 20", "70.00", "2026-09-05T16:00:00Z"),
        (6, "#1005", "SUMMER10", "45.00", "2026-09-06T16:00:00Z"),
    ]
    assert parsed.dropped == {
        "line-item row of an order already read (Shopify repeats Name per line item)": 1,
        "order without a discount code": 1,
        "order refunded or voided": 1,
    }


def test_ga4_export_skips_comments_and_grand_total_and_reads_dates():
    parsed = responses.parse_responses((DATA / "ga4_pages_and_screens.csv").read_text(), TENANT)
    assert parsed.format == "ga4"
    assert [(n, r["url"], r["day"], r["visits"]) for n, r in parsed.rows] == [
        (1, "/founders-hour", "2026-09-01", "25"),
        (2, "/founders-hour", "2026-09-02", "15"),
        (3, "/late-checkout", "2026-09-02", "6"),
        (4, "/", "2026-09-02", "700"),
    ]
    assert parsed.dropped == {"GA4 grand total row": 1}


def test_plausible_export_merges_spellings_of_one_page_and_day():
    parsed = responses.parse_responses((DATA / "plausible_imported_pages_20260824_20260920.csv").read_text(), TENANT)
    assert parsed.format == "plausible"
    assert [(r["url"], r["day"], r["visits"]) for _, r in parsed.rows] == [
        ("loamwell.com/tech-talk", "2026-08-24", "16"),
        ("www.loamwell.com/Tech-Talk", "2026-08-25", "9"),
        ("loamwell.com/mattress", "2026-08-25", "120"),
    ]
    assert parsed.dropped == {"merged into an earlier row of the same page and day": 1}


def test_unknown_header_is_a_format_error():
    with pytest.raises(responses.ResponseFormatError, match="found columns"):
        responses.parse_responses("a,b\n1,2\n", TENANT, "x.csv")


def _quarantined(conn, import_id):
    return conn.execute(
        "SELECT row_number, column_name, reason FROM quarantined_rows WHERE import_id = %s ORDER BY row_number",
        (import_id,),
    ).fetchall()


def _ledger(conn, import_id):
    return conn.execute(
        "SELECT tenant_id, source_kind, rows_read, rows_loaded, rows_quarantined, rows_dropped FROM etl_imports "
        "WHERE import_id = %s",
        (import_id,),
    ).fetchone()


def test_shopify_redemptions_match_codes_and_quarantine_the_unknown_code(reference):
    result, _ = import_response_file(reference, DATA / "shopify_orders_export.csv", TENANT, "redemptions")
    rows = reference.execute(
        "SELECT order_id, io_id, revenue, currency FROM promo_redemptions ORDER BY order_id"
    ).fetchall()
    assert rows == [("#1001", "nw-io-001", Decimal("111.00"), "USD"), ("#1004", "nw-io-003", Decimal("70.00"), "USD")]
    assert _quarantined(reference, result.import_id) == [
        (6, "code", "promo code matches no IO of this tenant: SUMMER10")
    ]
    # rows read = loaded + quarantined + dropped
    assert _ledger(reference, result.import_id) == (TENANT, "csv", 6, 2, 1, 3)


def test_generic_redemptions_deduplicate_order_ids(reference):
    result, _ = import_response_file(reference, DATA / "generic_redemptions.csv", TENANT, "redemptions")
    rows = reference.execute("SELECT order_id, io_id, currency FROM promo_redemptions ORDER BY order_id").fetchall()
    assert rows == [("A-9001", "nw-io-004", "USD"), ("A-9002", "nw-io-004", "USD")]
    assert _quarantined(reference, result.import_id) == [
        (3, "tenant_id,io_id,source,order_id", "duplicate key in this source (an earlier row has the same key)"),
        (4, "code", "promo code matches no IO of this tenant: NOSUCHCODE"),
    ]


def test_visits_match_hosts_and_paths_within_the_window(reference):
    plausible, _ = import_response_file(
        reference, DATA / "plausible_imported_pages_20260824_20260920.csv", TENANT, "visits"
    )
    ga4, _ = import_response_file(reference, DATA / "ga4_pages_and_screens.csv", TENANT, "visits")
    generic, _ = import_response_file(reference, DATA / "generic_visits.csv", TENANT, "visits")
    rows = reference.execute(
        "SELECT source, io_id, day::text, visits FROM vanity_visits ORDER BY source, day, io_id"
    ).fetchall()
    assert rows == [
        ("ga4", "nw-io-004", "2026-09-01", 25),
        ("ga4", "nw-io-003", "2026-09-02", 6),
        ("ga4", "nw-io-004", "2026-09-02", 15),
        ("generic", "nw-io-004", "2026-09-10", 5),
        ("generic", "nw-io-004", "2026-09-11", 3),
        ("plausible", "nw-io-001", "2026-08-24", 16),
        ("plausible", "nw-io-001", "2026-08-25", 9),
    ]
    assert [r[2] for r in _quarantined(reference, plausible.import_id)] == [
        (
            "URL matches no IO vanity URL of this tenant (a bare path counts only in the IO's attribution window): "
            "loamwell.com/mattress"
        )
    ]
    assert [r[:2] for r in _quarantined(reference, ga4.import_id)] == [(4, "url")]
    assert _ledger(reference, ga4.import_id) == (TENANT, "csv", 5, 3, 1, 1)
    assert generic.rows_loaded == 2


def test_a_visits_file_in_the_redemptions_folder_fails_on_its_content(reference):
    with pytest.raises(imports.ImportFailed):
        import_response_file(reference, DATA / "generic_visits.csv", TENANT, "redemptions")
    status, reason = reference.execute(
        "SELECT status, failure_reason FROM etl_imports ORDER BY import_id DESC LIMIT 1"
    ).fetchone()
    assert (status, reason) == ("failed", "content")
