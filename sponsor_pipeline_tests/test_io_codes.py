"""IO promo codes and vanity URLs: readable, unique per tenant, deterministic, stable on re-import."""

from __future__ import annotations

import shutil

from hypothesis import given, settings
from hypothesis import strategies as st

from sponsor_pipeline import io_codes
from sponsor_pipeline.warehouse import imports
from sponsor_pipeline.warehouse.targets import io_bookings_target
from sponsor_pipeline_tests.conftest import SAMPLES

AMBIGUOUS = set("0O1IL")


def test_promo_code_is_short_unambiguous_and_deterministic():
    code = io_codes.promo_code("northwind-audio", "nw-io-007", "tech-talk")
    assert code == io_codes.promo_code("northwind-audio", "nw-io-007", "tech-talk")
    assert code.startswith("TECH") and len(code) == 8 and not AMBIGUOUS & set(code)
    assert code != io_codes.promo_code("northwind-audio", "nw-io-008", "tech-talk")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12),
        min_size=1,
        max_size=40,
        unique=True,
    ),
    st.text("lio-", max_size=6),
)
def test_generated_codes_never_collide_within_a_tenant(io_ids, slug):
    ios = [("t", io_id, slug or "x", None, None) for io_id in io_ids]
    assigned = io_codes.assign_codes(ios, taken_codes=["CASTAAAA"], taken_urls=[], domain="go.example.com")
    codes = [c for c, _ in assigned.values()]
    urls = [u for _, u in assigned.values()]
    assert len(set(codes)) == len(codes) == len(io_ids) and "CASTAAAA" not in codes
    assert len(set(urls)) == len(urls)
    assert all(not AMBIGUOUS & set(c) and 3 <= len(c) <= 32 for c in codes)
    assert assigned == io_codes.assign_codes(list(reversed(ios)), ["CASTAAAA"], [], "go.example.com")


def test_vanity_url_is_suffixed_on_collision():
    taken = ["https://go.example.com/tech-talk", "https://go.example.com/tech-talk-2"]
    assert io_codes.vanity_url("https://go.example.com/", "tech-talk") == "https://go.example.com/tech-talk"
    assert io_codes.vanity_url("go.example.com", "tech-talk", taken) == "https://go.example.com/tech-talk-3"


def _ios(conn):
    return conn.execute("SELECT tenant_id, io_id, promo_code, vanity_url FROM io_bookings ORDER BY 1, 2").fetchall()


def test_io_import_fills_missing_codes_and_reimport_changes_nothing(reference, tmp_path, monkeypatch):
    conn = reference
    rows = _ios(conn)
    assert len(rows) == 37 and all(code and url for _, _, code, url in rows)
    per_tenant_codes = [(t, c) for t, _, c, _ in rows]
    assert len(set(per_tenant_codes)) == len(per_tenant_codes)
    generated = conn.execute(
        "SELECT count(*) FROM io_bookings WHERE vanity_url LIKE 'https://listen.example.com/%'"
    ).fetchone()[0]
    assert generated > 0
    # The same file again with a changed IO (new checksum): generated values stay as they were, even
    # with a different domain configured now.
    other_domain = io_bookings_target("other.example.org")
    copy = tmp_path / "io_bookings.csv"
    shutil.copy(SAMPLES / "io_bookings.csv", copy)
    text = copy.read_text().replace(",35000,26.45,", ",35001,26.45,")
    copy.write_text(text)
    result = imports.import_csv(conn, copy, other_domain)
    assert result.status == "completed" and result.rows_changed == 1
    assert _ios(conn) == rows
