"""Campaign reports: one PDF and CSV per campaign whose figures are the warehouse's, regenerated only on
change, and the check that catches a report older than its figures; the per-IO pacing curves."""

import csv
from datetime import date
from pathlib import Path

import dagster as dg
import pandas as pd
import psycopg
import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from sponsor_pipeline.dashboards import campaign_report, plots
from sponsor_pipeline.defs.deals_io.assets import io_delivery
from sponsor_pipeline.defs.deals_io.campaign_reports import (
    campaign_reports,
    campaign_reports_match_warehouse,
    report_paths,
)
from sponsor_pipeline.defs.deals_io.responses import io_attribution, promo_redemptions, vanity_visits
from sponsor_pipeline.defs.deals_io.verification import io_verification_flags
from sponsor_pipeline.resources.settings import settings_from_env
from sponsor_pipeline.warehouse import attribution, delivery, imports
from sponsor_pipeline.warehouse.metrics import refresh_metrics_daily
from sponsor_pipeline.warehouse.targets import LISTENER_METRICS

from .conftest import SAMPLES

TENANT = "northwind-audio"
CAMPAIGN = "nw-cmp-001"  # Loamwell Fall Sleep Sale: nw-io-001 .. nw-io-005, all completed


def _materialize(assets, postgres, run_config=None):
    result = dg.materialize(
        assets,
        resources={"postgres": postgres, "settings": settings_from_env()},
        run_config=run_config or {},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    return result


def _reports(postgres, folder: Path, **config) -> dict:
    result = _materialize(
        [campaign_reports], postgres, {"ops": {"campaign_reports": {"config": {"output_dir": str(folder), **config}}}}
    )
    mat = result.get_asset_materialization_events()[0].event_specific_data.materialization
    return {**{k: v.value for k, v in mat.metadata.items()}, "data_version": mat.tags.get("dagster/data_version")}


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.fixture
def measured(reference: psycopg.Connection, postgres) -> psycopg.Connection:
    """Samples with metrics, responses, io_delivery, io_attribution and io_verification_flags
    materialized; two IOs of the reported campaign given their own pacing modes."""
    imports.import_csv(reference, SAMPLES / "metrics_daily.csv", LISTENER_METRICS)
    refresh_metrics_daily(reference)
    reference.execute("UPDATE io_bookings SET pacing_mode = 'front_loaded' WHERE io_id = 'nw-io-003'")
    reference.execute(
        "UPDATE io_bookings SET pacing_mode = 'daily_goal', daily_goal_impressions = 1500 WHERE io_id = 'nw-io-004'"
    )
    reference.commit()
    _materialize([promo_redemptions, vanity_visits, io_delivery, io_attribution, io_verification_flags], postgres)
    return reference


def test_pacing_curves_follow_each_ios_own_mode_by_hand():
    io = {
        "io_id": "io-1",
        "pacing_mode": "front_loaded",
        "flight_start": date(2026, 11, 1),
        "flight_end": date(2026, 11, 10),
        "as_of": date(2026, 11, 3),
        "booked_impressions": 10_000,
        "daily_goal_impressions": None,
        "pacing_ratio": 0.9,
    }
    # front-loaded: B × 1.25 E / F until half the booking (E = 4), then the rest evenly over 6 days
    expected = plots.expected_series(io)
    assert expected.iloc[0] == 0 and expected.index[0] == pd.Timestamp("2026-10-31")
    assert expected[pd.Timestamp("2026-11-02")] == pytest.approx(2_500)  # 10,000 × 1.25 × 2 / 10
    assert expected[pd.Timestamp("2026-11-04")] == pytest.approx(5_000)
    assert expected[pd.Timestamp("2026-11-07")] == pytest.approx(7_500)  # 5,000 + 5,000 × 3 / 6
    assert expected.iloc[-1] == pytest.approx(10_000)
    goal = plots.expected_series({**io, "pacing_mode": "daily_goal", "daily_goal_impressions": 800})
    assert goal.iloc[-1] == pytest.approx(8_000)  # min(B, G × F): the goal never reaches the booking
    # delivered to date: the days with rows, a missing day counted 0, stopped at as_of
    daily = pd.DataFrame(
        {"day": [date(2026, 11, 1), date(2026, 11, 3), date(2026, 11, 4)], "delivered": [900, 1_000, 7]}
    )
    assert plots.cumulative_delivery(io, daily).tolist() == [900, 900, 1_900]
    assert plots.cumulative_delivery({**io, "as_of": date(2026, 10, 30)}, daily).empty
    png = plots.pacing_curves_png(
        pd.DataFrame([io, {**io, "io_id": "io-2", "pacing_mode": "asap"}]), daily.assign(io_id="io-1")
    )
    assert png.startswith(plots.PNG_SIGNATURE)
    with pytest.raises(ValueError, match="daily goal"):
        plots.pacing_curves_png(pd.DataFrame([{**io, "pacing_mode": "daily_goal"}]), daily.assign(io_id="io-1"))


def test_daily_delivery_sums_to_io_delivery(measured):
    rows = delivery.daily_delivered(measured, sources=settings_from_env().impression_source_list())
    per_io = pd.DataFrame(rows).groupby(["tenant_id", "io_id"])["delivered"].sum()
    stored = {
        (t, i): d
        for t, i, d in measured.execute("SELECT tenant_id, io_id, delivered_impressions FROM io_delivery").fetchall()
    }
    assert len(per_io) > 20
    assert all(stored[key] == value for key, value in per_io.items())
    assert all(d == 0 for key, d in stored.items() if key not in per_io.index)


def test_one_pdf_and_csv_per_campaign_with_the_warehouse_figures(measured, postgres, tmp_path):
    meta = _reports(postgres, tmp_path)
    campaigns = measured.execute(
        "SELECT count(DISTINCT (tenant_id, campaign_id)) FROM io_bookings "
        "WHERE status IN ('scheduled', 'live', 'paused', 'completed')"
    ).fetchone()[0]
    assert meta["reports"] == meta["generated"] == campaigns == len(list(tmp_path.glob("*/*.pdf")))
    assert len(list(tmp_path.glob("*/*.csv"))) == campaigns
    pdf_path, csv_path = report_paths(tmp_path, TENANT, CAMPAIGN)

    # the CSV read back: one row per IO with io_delivery's and io_attribution's figures, and a total row
    with open(csv_path, newline="", encoding="utf-8") as handle:
        rows = {r["io_id"]: r for r in csv.DictReader(handle)}
    ios = measured.execute(
        "SELECT d.io_id, d.booked_impressions, d.delivered_impressions, d.make_good_impressions, d.pacing_mode, "
        "a.conversions, a.revenue, a.spend, a.vanity_visits FROM io_delivery d JOIN io_attribution a "
        "USING (tenant_id, io_id) WHERE d.campaign_id = %s ORDER BY d.io_id",
        (CAMPAIGN,),
    ).fetchall()
    assert sorted(rows) == sorted([i[0] for i in ios] + [campaign_report.TOTAL_ROW_ID])
    for io_id, booked, delivered, make_good, mode, conversions, revenue, spend, visits in ios:
        row = rows[io_id]
        assert int(row["booked_impressions"]) == booked and int(row["delivered_impressions"]) == delivered
        assert int(row["make_good_impressions"]) == make_good and row["pacing_mode"] == mode
        assert int(row["conversions"]) == conversions and int(row["vanity_visits"]) == visits
        assert row["spend_usd"] == f"{spend:.2f}" and row["revenue"] == ("" if revenue is None else f"{revenue:.2f}")
    (totals,) = [t for t in attribution.campaign_totals(measured) if t["campaign_id"] == CAMPAIGN]
    total = rows[campaign_report.TOTAL_ROW_ID]
    assert int(total["conversions"]) == totals["conversions"] > 0
    assert total["spend_usd"] == f"{totals['spend']:.2f}" and total["revenue"] == f"{totals['revenue']:.2f}"
    assert total["revenue_currency"] == totals["revenue_currency"] == "USD"
    assert total["cpa_usd"] == f"{totals['cpa']:.2f}" and total["roas"] == f"{totals['roas']:.4f}"
    assert int(total["delivered_impressions"]) == sum(i[2] for i in ios)

    # the PDF read back: the same figures as the sponsor reads them, currency stated
    text = _text(pdf_path)
    assert PdfReader(pdf_path).metadata.title == f"Campaign report {CAMPAIGN}"
    for expected in (
        "Campaign report: Loamwell Fall Sleep Sale",
        "Advertiser Loamwell Sleep",
        "Publisher Northwind Audio Network",
        f"{sum(i[1] for i in ios):,}",  # booked
        f"{sum(i[2] for i in ios):,}",  # delivered
        f"{totals['spend']:,.2f} USD",
        f"{totals['revenue']:,.2f} USD",
        f"{totals['cpa']:,.2f} USD",
        f"{totals['roas']:.2f}",
        "Pacing: each IO against its own pacing curve",
        "Downloads trend",
        "Make-goods owed",
        "TECHTALK25",
        "loamwell.com/tech-talk",
        "front-loaded",
        "daily goal",
    ):
        assert expected in text, expected
    for io_id, _booked, delivered, *_ in ios:
        assert io_id in text and f"{delivered:,}" in text
    owed = [i for i in ios if i[3] > 0]
    assert owed, "the sample campaign has a completed IO short of its booking"
    for io_id, *_rest in owed:
        value = measured.execute(
            "SELECT round(make_good_impressions * cpm / 1000, 2) FROM io_delivery WHERE io_id = %s", (io_id,)
        ).fetchone()[0]
        assert f"{value:,.2f}" in text

    # verification flags: the CSV lists each IO's flags, the PDF each flag with severity and rule
    flags = measured.execute(
        "SELECT f.io_id, f.flag, f.severity, f.rule FROM io_verification_flags f JOIN io_bookings b "
        "USING (tenant_id, io_id) WHERE b.campaign_id = %s ORDER BY f.io_id, f.flag",
        (CAMPAIGN,),
    ).fetchall()
    assert any(flag == "under_delivered" for _, flag, _, _ in flags), "nw-io-003 under-delivered"
    for io_id, *_ in ios:
        expected = {flag for i, flag, _, _ in flags if i == io_id}
        assert campaign_report.parse_flags_cell(rows[io_id]["verification_flags"]) == expected
    critical = sum(severity == "critical" for _, _, severity, _ in flags)
    counted = f"{len(flags)} flag{'s' * (len(flags) != 1)} ({critical} critical)"
    assert rows[campaign_report.TOTAL_ROW_ID]["verification_flags"] == counted
    squeezed = " ".join(text.split())
    assert "Verification flags" in text and counted in squeezed
    for io_id, flag, severity, rule in flags:
        label = flag.replace("_", " ").capitalize()
        assert label in squeezed and severity in squeezed, (io_id, flag)
        assert " ".join(rule.split())[:40] in squeezed, rule

    # the pages rasterize (pdfium) and carry ink: charts drawn, not blank pages
    document = pdfium.PdfDocument(str(pdf_path))
    assert len(document) >= 3
    for index in range(len(document)):
        image = document[index].render(scale=0.5).to_pil().convert("L")
        assert image.getextrema()[0] < 100, f"page {index + 1} is blank"


def test_unchanged_reports_are_not_generated_again_and_changed_ones_are(measured, postgres, tmp_path):
    first = _reports(postgres, tmp_path)
    pdf_path, csv_path = report_paths(tmp_path, TENANT, CAMPAIGN)
    before = pdf_path.stat().st_mtime_ns, csv_path.stat().st_mtime_ns
    second = _reports(postgres, tmp_path)
    assert second["generated"] == 0 and second["unchanged"] == second["reports"]
    assert (pdf_path.stat().st_mtime_ns, csv_path.stat().st_mtime_ns) == before
    assert second["data_version"] == first["data_version"]

    # one order more for nw-io-001: only its campaign's report changes
    measured.execute(
        "INSERT INTO promo_redemptions (tenant_id, source, order_id, code, io_id, occurred_at, revenue, currency) "
        "VALUES (%s, 'generic', 'X-1', 'TECHTALK25', 'nw-io-001', '2026-09-02 10:00+00', 100.00, 'USD')",
        (TENANT,),
    )
    measured.commit()
    _materialize([io_attribution], postgres)
    third = _reports(postgres, tmp_path)
    assert third["generated"] == 1 and f"| {TENANT} | {CAMPAIGN} | changed |" in third["generated_reports"]
    assert third["data_version"] != first["data_version"]
    (totals,) = [t for t in attribution.campaign_totals(measured) if t["campaign_id"] == CAMPAIGN]
    assert f"{totals['revenue']:,.2f} USD" in _text(pdf_path)
    generated_at = measured.execute(
        "SELECT count(*) FROM campaign_reports WHERE campaign_id = %s AND generated_at > now() - interval '1 minute'",
        (CAMPAIGN,),
    ).fetchone()[0]
    assert generated_at == 1

    # a missing file is generated again; a campaign without committed IOs loses its report
    csv_path.unlink()
    assert _reports(postgres, tmp_path)["generated"] == 1 and csv_path.exists()
    measured.execute("UPDATE io_bookings SET status = 'cancelled' WHERE campaign_id = 'hp-cmp-003'")
    measured.commit()
    fourth = _reports(postgres, tmp_path)
    assert fourth["removed_files"] == 2 and not any(
        p.exists() for p in report_paths(tmp_path, "harbor-pods", "hp-cmp-003")
    )
    assert measured.execute("SELECT count(*) FROM campaign_reports WHERE campaign_id = 'hp-cmp-003'").fetchone()[0] == 0


def test_report_check_passes_then_catches_a_report_older_than_its_figures(measured, postgres, tmp_path):
    _reports(postgres, tmp_path)
    assert campaign_reports_match_warehouse(postgres).passed

    measured.execute("UPDATE io_attribution SET conversions = conversions + 3 WHERE io_id = 'nw-io-002'")
    measured.commit()
    result = campaign_reports_match_warehouse(postgres)
    assert not result.passed
    assert result.metadata["stale_figures"].value == 1
    (stale,) = result.metadata["sample_stale_figures"].value
    assert stale.startswith(f"{TENANT}/{CAMPAIGN}/nw-io-002: conversions ")

    _reports(postgres, tmp_path)  # regenerated from the new figures: the check passes again
    assert campaign_reports_match_warehouse(postgres).passed

    report_paths(tmp_path, "harbor-pods", "hp-cmp-001")[0].unlink()
    missing = campaign_reports_match_warehouse(postgres)
    assert not missing.passed and missing.metadata["missing_files"].value == 1

    _reports(postgres, tmp_path)
    assert campaign_reports_match_warehouse(postgres).passed
    # a flag cleared after the report was generated: the report still shows it
    (io_id, flag) = measured.execute(
        "SELECT io_id, flag FROM io_verification_flags WHERE tenant_id = %s ORDER BY io_id, flag LIMIT 1", (TENANT,)
    ).fetchone()
    measured.execute("DELETE FROM io_verification_flags WHERE io_id = %s AND flag = %s", (io_id, flag))
    measured.commit()
    cleared = campaign_reports_match_warehouse(postgres)
    assert not cleared.passed
    assert any(f"/{io_id}: verification_flags" in s for s in cleared.metadata["sample_stale_figures"].value)
    _reports(postgres, tmp_path)

    measured.execute("DELETE FROM campaign_reports WHERE campaign_id = 'hp-cmp-001'")
    measured.commit()
    unreported = campaign_reports_match_warehouse(postgres)
    assert not unreported.passed and unreported.metadata["sample_missing_reports"].value == ["harbor-pods/hp-cmp-001"]
