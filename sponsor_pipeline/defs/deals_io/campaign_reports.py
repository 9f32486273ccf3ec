"""Owns the ``campaign_reports`` asset and its check: one PDF and one CSV per campaign, generated again
only when the report changes, and the check that every report's CSV still matches the warehouse.

The report is a deal document, like the insertion orders of ``io_documents``: it lives in the deals
and IO domain (group ``documents``), after the IO assets it reads (io_delivery, io_attribution), and
is built whenever IOs are (``ENABLE_IO_BOOKINGS``), whether the dashboards are on or not.

Each report's figures are fingerprinted (sha256, ``dashboards.campaign_report.fingerprint``); the
fingerprint and both paths are kept in the ``campaign_reports`` table. A report is written when its
campaign is new, its fingerprint changed, or one of its files is missing; the files of campaigns
without a committed IO any more are removed.
"""

import csv
import hashlib
import re
from pathlib import Path

import dagster as dg
import pandas as pd

from sponsor_pipeline.dashboards import campaign_report
from sponsor_pipeline.dashboards.preview import markdown_table
from sponsor_pipeline.defs import table_metadata
from sponsor_pipeline.defs.automation import CHECK_AUTOMATION
from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.resources.settings import PipelineSettings
from sponsor_pipeline.warehouse import campaign_reports as register

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
SAMPLE = 10


class CampaignReportsConfig(dg.Config):
    output_dir: str | None = None  # default: the settings resource's folder (SPONSOR_CAMPAIGN_REPORTS_DIR)
    force: bool = False  # generate every report again even when its fingerprint is unchanged
    impression_sources: list[str] | None = None  # default: the settings resource's (SPONSOR_IMPRESSION_SOURCES)


def report_paths(folder: Path, tenant_id: str, campaign_id: str) -> tuple[Path, Path]:
    """``<folder>/<tenant_id>/<campaign_id>.pdf`` and ``.csv`` (characters outside ``[A-Za-z0-9._-]``
    become ``_``)."""
    base = folder / _UNSAFE.sub("_", tenant_id) / _UNSAFE.sub("_", campaign_id)
    return base.with_suffix(".pdf"), base.with_suffix(".csv")


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


@dg.asset(
    name="campaign_reports",
    group_name="documents",
    owners=["team:sponsorships"],
    kinds={"pdf", "csv", "postgres"},
    deps=[
        "io_delivery",
        "io_attribution",
        "io_verification_flags",
        "metrics_daily",
        "io_bookings",
        "campaigns",
        "advertisers",
        "shows",
        "episodes",
        "tenants",
    ],
    metadata=table_metadata.table_spec_metadata("campaign_reports"),
    description=(
        "One PDF report and one CSV of its tables per campaign, for the sales team to send the sponsor: "
        "booked vs delivered impressions per IO, pacing against each IO's own curve (chart), the booked "
        "shows' downloads trend, promo-code and vanity-URL results, conversions, revenue (its currency), "
        "spend (USD), CPA, ROAS, make-goods owed and each IO's verification flags with rule and evidence. Generated again only when a report's figures change "
        "(fingerprints in table campaign_reports). Definitions: sponsor_pipeline/dashboards/campaign_report.py."
    ),
)
def campaign_reports(
    context: dg.AssetExecutionContext,
    config: CampaignReportsConfig,
    postgres: PostgresResource,
    settings: PipelineSettings,
) -> dg.MaterializeResult:
    folder = settings.campaign_reports(config.output_dir)
    sources = config.impression_sources or settings.impression_source_list()
    generated: list[dict] = []
    unchanged = 0
    fingerprints: list[str] = []
    with postgres.connect() as conn:
        reports = register.campaign_reports(conn, sources=sources)
        stored = register.stored_fingerprints(conn)
        for report in reports:
            digest = campaign_report.fingerprint(report)
            fingerprints.append(digest)
            pdf_path, csv_path = report_paths(folder, report.tenant_id, report.campaign_id)
            previous = stored.get((report.tenant_id, report.campaign_id))
            current = (digest, str(pdf_path), str(csv_path))
            if not config.force and previous == current and pdf_path.exists() and csv_path.exists():
                unchanged += 1
                continue
            pdf = campaign_report.render_pdf(report)
            _write(pdf_path, pdf)
            _write(csv_path, campaign_report.csv_text(report).encode("utf-8"))
            register.record_report(conn, report, digest, str(pdf_path), str(csv_path), len(pdf))
            conn.commit()  # the files are on disk: record them now, so a later failure does not redo them
            totals = campaign_report.totals(report)
            generated.append(
                {
                    "tenant_id": report.tenant_id,
                    "campaign_id": report.campaign_id,
                    "reason": "changed" if previous else "new",
                    "conversions": totals.conversions,
                    "roas": campaign_report.ratio(totals.roas),
                    "bytes": len(pdf),
                }
            )
        stale = register.delete_stale(conn)
        conn.commit()
        catalogue = table_metadata.materialization_metadata(conn, "campaign_reports")
    current_files = {p for r in reports for p in report_paths(folder, r.tenant_id, r.campaign_id)}
    removed = (
        [p for p in [*folder.glob("*/*.pdf"), *folder.glob("*/*.csv")] if p not in current_files]
        if folder.exists()
        else []
    )
    for path in removed:
        path.unlink()
    context.log.info(
        f"campaign_reports: {len(generated)} generated, {unchanged} unchanged, {len(stale)} campaigns dropped, "
        f"{len(removed)} files removed"
    )
    columns = ["tenant_id", "campaign_id", "reason", "conversions", "roas", "bytes"]
    return dg.MaterializeResult(
        metadata={
            "reports_dir": dg.MetadataValue.path(str(folder)),
            "reports": dg.MetadataValue.int(len(reports)),
            "generated": dg.MetadataValue.int(len(generated)),
            "unchanged": dg.MetadataValue.int(unchanged),
            "removed_files": dg.MetadataValue.int(len(removed)),
            "generated_reports": dg.MetadataValue.md(
                markdown_table(pd.DataFrame(generated, columns=columns), columns, max_rows=50)
            ),
            **catalogue,
        },
        # Changes exactly when some report changes: downstream staleness follows the reports.
        data_version=dg.DataVersion(hashlib.sha256("".join(sorted(fingerprints)).encode()).hexdigest()[:16]),
    )


# CSV columns compared with the warehouse's figures of the same IO (CSV column, warehouse column).
_COMPARED = (
    ("booked_impressions", "booked_impressions"),
    ("delivered_impressions", "delivered_impressions"),
    ("make_good_impressions", "make_good_impressions"),
    ("conversions", "conversions"),
    ("revenue", "revenue"),
    (f"spend_{campaign_report.SPEND_CURRENCY.lower()}", "spend"),
    ("vanity_visits", "vanity_visits"),
)


def _differs(csv_value: str, warehouse_value) -> bool:
    if warehouse_value is None:
        return csv_value != ""
    if csv_value == "":
        return True
    return abs(float(csv_value) - float(warehouse_value)) > 0.005


def report_mismatches(conn) -> dict[str, list[str]]:
    """What no longer matches between the reports on disk and the warehouse.

    Returns ``missing_report`` (campaigns with a committed IO and no register row), ``missing_file``
    (a register row whose PDF or CSV is gone) and ``stale_figure`` (``tenant/campaign/io: column csv
    != warehouse`` for each CSV figure that differs from io_delivery / io_attribution now, and IOs
    listed on one side only; an IO whose flags differ from io_verification_flags).
    """
    figures: dict[tuple[str, str], dict[str, dict]] = {}
    for row in register.warehouse_figures(conn):
        figures.setdefault((row["tenant_id"], row["campaign_id"]), {})[row["io_id"]] = row
    flagged = register.flag_names(conn)
    out: dict[str, list[str]] = {"missing_report": [], "missing_file": [], "stale_figure": []}
    seen = set()
    for tenant_id, campaign_id, pdf_path, csv_path in register.register(conn):
        seen.add((tenant_id, campaign_id))
        name = f"{tenant_id}/{campaign_id}"
        missing = [p for p in (pdf_path, csv_path) if not Path(p).exists()]
        if missing:
            out["missing_file"] += [f"{name}: {p}" for p in missing]
            continue
        with open(csv_path, newline="", encoding="utf-8") as handle:
            rows = {r["io_id"]: r for r in csv.DictReader(handle) if r["io_id"] != campaign_report.TOTAL_ROW_ID}
        ios = figures.get((tenant_id, campaign_id), {})
        for io_id in sorted(set(rows) ^ set(ios)):
            out["stale_figure"].append(
                f"{name}/{io_id}: {'only in the report' if io_id in rows else 'not in the report'}"
            )
        for io_id in sorted(set(rows) & set(ios)):
            for column, source in _COMPARED:
                if _differs(rows[io_id][column], ios[io_id][source]):
                    out["stale_figure"].append(
                        f"{name}/{io_id}: {column} {rows[io_id][column] or '–'} != {ios[io_id][source]}"
                    )
            in_report = campaign_report.parse_flags_cell(rows[io_id]["verification_flags"])
            now = flagged.get((tenant_id, io_id), set())
            if in_report != now:
                out["stale_figure"].append(f"{name}/{io_id}: verification_flags {sorted(in_report)} != {sorted(now)}")
    out["missing_report"] = [f"{t}/{c}" for t, c in sorted(set(figures) - seen)]
    return out


@dg.asset_check(
    asset="campaign_reports",
    automation_condition=CHECK_AUTOMATION,
    description=(
        "Every campaign with a committed IO has a report whose PDF and CSV exist, and each IO's booked, "
        "delivered, make-good, conversions, revenue, spend, visits and verification flags in the CSV equal "
        "io_delivery, io_attribution and io_verification_flags now (a report older than its figures fails)."
    ),
)
def campaign_reports_match_warehouse(postgres: PostgresResource) -> dg.AssetCheckResult:
    with postgres.connect() as conn:
        found = report_mismatches(conn)
    return dg.AssetCheckResult(
        passed=not any(found.values()),
        metadata={
            **{f"{kind}s": len(items) for kind, items in found.items()},
            **{f"sample_{kind}s": dg.MetadataValue.json(items[:SAMPLE]) for kind, items in found.items()},
        },
    )
