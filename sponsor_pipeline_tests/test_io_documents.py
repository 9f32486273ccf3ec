"""IO documents: one PDF insertion order per IO with the right figures, re-rendered only on change."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import dagster as dg
from pypdf import PdfReader

from sponsor_pipeline.dashboards.io_document import IoDocument, fingerprint, render_pdf
from sponsor_pipeline.defs.deals_io.io_documents import document_path, io_documents
from sponsor_pipeline.resources.settings import settings_from_env

DOC = IoDocument(
    tenant_id="t1",
    tenant_name="Tenant & Co",
    io_id="io-1",
    status="scheduled",
    advertiser_name="Adv",
    campaign_name="Camp",
    show_title="Signal & Noise",
    episode_title=None,
    flight_start=date(2026, 11, 1),
    flight_end=date(2026, 11, 30),
    ad_unit="Mid-roll :60 host read",
    booked_impressions=12_345,
    cpm=Decimal("22.65"),
    promo_code=None,
    vanity_url="https://adv.example/signal",
)


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def _run(postgres, folder: Path):
    result = dg.materialize(
        [io_documents],
        resources={"postgres": postgres, "settings": settings_from_env()},
        run_config={"ops": {"io_documents": {"config": {"output_dir": str(folder)}}}},
    )
    assert result.success
    mat = result.get_asset_materialization_events()[0].event_specific_data.materialization
    return {k: v.value for k, v in mat.metadata.items()}, mat


def test_total_cost_rounds_half_up_to_cents_and_fingerprint_follows_fields():
    assert DOC.total_cost == Decimal("279.61")  # 12,345 × 22.65 / 1000 = 279.61425
    assert fingerprint(DOC) == fingerprint(IoDocument(**DOC.__dict__))
    assert fingerprint(DOC) != fingerprint(IoDocument(**{**DOC.__dict__, "cpm": Decimal("22.66")}))


def test_rendered_pdf_prints_run_of_show_and_placeholders(tmp_path):
    path = tmp_path / "doc.pdf"
    path.write_bytes(render_pdf(DOC))
    text = _text(path)
    for expected in (
        "Insertion Order io-1",
        "Tenant & Co (t1)",
        "Signal & Noise",
        "Run of show",
        "12,345",
        "$22.65",
        "$279.61",
        "(to be assigned)",
        "https://adv.example/signal",
        "Terms",
        "2026-11-01 to 2026-11-30",
    ):
        assert expected in text, expected
    assert PdfReader(path).metadata.title == "Insertion order io-1"


def test_one_pdf_per_io_with_the_booked_figures(reference, postgres, tmp_path):
    meta, _ = _run(postgres, tmp_path)
    ios = reference.execute("SELECT count(*) FROM io_bookings").fetchone()[0]
    assert meta["documents"] == meta["rendered"] == ios == len(list(tmp_path.glob("*/IO-*.pdf")))
    text = _text(document_path(tmp_path, "northwind-audio", "nw-io-001"))
    # samples/io_bookings.csv: nw-io-001, Tech Talk episode e106, mid-roll :60, 35,000 at $26.45
    for expected in (
        "Insertion Order nw-io-001",
        "Northwind Audio Network",
        "Loamwell Sleep",
        "Loamwell Fall Sleep Sale",
        "Tech Talk",
        "Mid-roll :60 host read",
        "2026-08-24 to 2026-09-20",
        "35,000",
        "$26.45",
        "$925.75",
        "TECHTALK25",
        "https://loamwell.com/tech-talk",
        "over-delivery",
    ):
        assert expected in text, expected
    episode = reference.execute("SELECT title FROM episodes WHERE episode_id = 'nw-tech-talk-e106'").fetchone()[0]
    assert episode in text


def test_unchanged_ios_are_not_rendered_again_and_changed_ones_are(reference, postgres, tmp_path):
    _, first = _run(postgres, tmp_path)
    path = document_path(tmp_path, "northwind-audio", "nw-io-001")
    before = path.stat().st_mtime_ns
    meta, second = _run(postgres, tmp_path)
    assert meta["rendered"] == 0 and meta["unchanged"] == meta["documents"]
    assert path.stat().st_mtime_ns == before
    assert second.tags.get("dagster/data_version") == first.tags.get("dagster/data_version")

    reference.execute("UPDATE io_bookings SET cpm = 30.00 WHERE io_id = 'nw-io-001'")
    reference.execute("DELETE FROM io_bookings WHERE io_id = 'nw-io-018'")
    reference.commit()
    meta, third = _run(postgres, tmp_path)
    assert meta["rendered"] == 1 and meta["removed"] == 1
    assert "| northwind-audio | nw-io-001 |" in meta["rendered_ios"]
    assert not document_path(tmp_path, "northwind-audio", "nw-io-018").exists()
    text = _text(path)
    assert "$30.00" in text and "$1,050.00" in text  # 35,000 × 30.00 / 1000
    assert third.tags.get("dagster/data_version") != first.tags.get("dagster/data_version")
    stored = reference.execute(
        "SELECT count(*) FROM io_documents WHERE io_id = 'nw-io-001' AND rendered_at > now() - interval '1 minute'"
    ).fetchone()[0]
    assert stored == 1


def test_a_missing_file_is_rendered_again(reference, postgres, tmp_path):
    _run(postgres, tmp_path)
    path = document_path(tmp_path, "harbor-pods", "hp-io-001")
    path.unlink()
    meta, _ = _run(postgres, tmp_path)
    assert meta["rendered"] == 1 and path.exists()
