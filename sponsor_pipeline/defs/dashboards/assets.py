"""Owns the dashboard assets: creator, advertiser and ops aggregates with previews and plots.

Thin shells: read with the named statements of ``warehouse.dashboards``, aggregate with
``dashboards.aggregates`` / ``dashboards.alerts``, rewrite the tables in one transaction, and attach
a markdown preview and PNG plots to the materialization, with ``dagster/row_count`` and
``dagster/column_schema`` of the tables written (``defs/table_metadata.py``).

Each plot is embedded in the materialization and written to ``<plots>/<name>-<run id>.png``: one
file per run, so every materialization's ``*_png`` path shows the plot of that run, not the newest.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pandas as pd

from sponsor_pipeline.dashboards import aggregates, alerts, performance, plots
from sponsor_pipeline.dashboards.preview import markdown_table, png_markdown
from sponsor_pipeline.defs import table_metadata
from sponsor_pipeline.resources import PostgresResource
from sponsor_pipeline.resources.settings import PipelineSettings
from sponsor_pipeline.vocabulary import CRITICAL_PACING_RATIO, UNDER_PACING_RATIO
from sponsor_pipeline.warehouse import dashboards as sql
from sponsor_pipeline.warehouse import delivery

GROUP = "dashboards"
OWNERS = ["team:sponsorships"]


class DashboardConfig(dg.Config):
    reference_date: str | None = None  # ISO day treated as "today"; default: last day in metrics_daily
    plots_dir: str | None = None  # default: the settings resource's plots folder (SPONSOR_PLOTS_DIR)


class AdvertiserDashboardConfig(DashboardConfig):
    top_recommendations: int = 3  # recommended shows kept per campaign
    under_pacing_ratio: float = UNDER_PACING_RATIO  # threshold drawn on the pacing plot


class OpsDashboardConfig(DashboardConfig):
    under_pacing_ratio: float = UNDER_PACING_RATIO  # running IO below this pacing ratio is at risk
    critical_pacing_ratio: float = CRITICAL_PACING_RATIO  # ... and critical below this
    flight_ending_days: int = 7  # flights ending within this many days of the reference date
    import_lookback_days: int = 7  # failed / quarantining imports started this many days back
    sensor_lag_seconds: int = 300  # unprocessed change-log rows older than this are an alert
    stale_source_days: int = 2  # a (show, source) series this many days behind is stale


def _as_of(conn, config: DashboardConfig):
    try:
        return sql.reference_date(conn, config.reference_date)
    except ValueError as err:
        raise dg.Failure(description=str(err), allow_retries=False) from err


def _save_plot(
    context: dg.AssetExecutionContext, config: DashboardConfig, settings: PipelineSettings, name: str, png: bytes
) -> Path:
    """Write ``png`` to ``<plots>/<name>-<run id>.png`` (atomically) and return the path."""
    folder = settings.plots(config.plots_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{context.run_id}.png"
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(png)
    tmp.replace(path)
    return path


def _plot_metadata(key: str, title: str, path: Path, png: bytes) -> dict:
    return {
        key: dg.MetadataValue.md(f"### {title}\n\n{png_markdown(png, title)}"),
        f"{key}_png": dg.MetadataValue.path(str(path)),
    }


PREVIEW_WINDOWS = [f"downloads_{n}d" for n in performance.WINDOWS]


def _performance_preview(windows: pd.DataFrame, episodes: pd.DataFrame) -> pd.DataFrame:
    """Newest releases first, with the episode title; partial windows marked ``(so far)``."""
    frame = windows.merge(
        episodes.rename(columns={"title": "episode_title"})[["tenant_id", "show_id", "episode_id", "episode_title"]],
        on=["tenant_id", "show_id", "episode_id"],
        how="left",
    ).sort_values(["released_on", "episode_id", "source"], ascending=[False, True, True])
    for n in performance.WINDOWS:
        value, complete = frame[f"downloads_{n}d"], frame[f"complete_{n}d"]
        frame[f"downloads_{n}d"] = [
            "" if pd.isna(v) else (f"{int(v):,}" if done else f"{int(v):,} (so far)")
            for v, done in zip(value, complete, strict=True)
        ]
    return frame


@dg.asset(
    name="creator_dashboard",
    group_name=GROUP,
    owners=OWNERS,
    kinds={"postgres", "pandas", "matplotlib"},
    deps=["metrics_daily", "shows", "episodes", "io_bookings", "io_delivery"],
    metadata=table_metadata.table_spec_metadata("creator_dashboard"),
    description=(
        "Creator view per show and episode (tables creator_dashboard, creator_source_split, "
        "episode_performance): downloads over 7/30/90 days with 7- and 30-day trends, top episodes "
        "(rank by 30-day downloads), the sources split, booked and delivered sponsorship revenue "
        "(impressions × CPM / 1000, USD), active sponsors, and each episode's downloads in its first "
        "1/7/30/90 days per source (from daily data, else imported window exports; decreasing "
        "cumulative windows flagged). Attaches a preview and a downloads-trend plot per show."
    ),
)
def creator_dashboard(
    context: dg.AssetExecutionContext,
    config: DashboardConfig,
    postgres: PostgresResource,
    settings: PipelineSettings,
) -> dg.MaterializeResult:
    with postgres.connect() as conn, conn.transaction():  # one snapshot read, one atomic rewrite
        as_of = _as_of(conn, config)
        frames = {
            "shows": sql.read_frame(conn, sql.SHOWS),
            "episodes": sql.read_frame(conn, sql.EPISODES),
            "windows": sql.read_frame(conn, sql.DOWNLOAD_WINDOWS, {"as_of": as_of}),
            "ios": sql.read_frame(conn, sql.IOS),
        }
        creator, split = aggregates.build_creator(**frames, as_of=pd.Timestamp(as_of))
        daily = sql.read_frame(conn, sql.DAILY_DOWNLOADS_PER_SHOW, {"as_of": as_of, "days": 90})
        sql.replace_rows(conn, "creator_dashboard", creator, aggregates.CREATOR_COLUMNS)
        sql.replace_rows(conn, "creator_source_split", split, aggregates.SOURCE_SPLIT_COLUMNS)
        windows = pd.DataFrame(
            performance.performance_windows(
                frames["episodes"].to_dict("records"),
                sql.read_frame(conn, sql.EPISODE_DAILY_SINCE_RELEASE, {"as_of": as_of}).to_dict("records"),
                sql.read_frame(conn, sql.EPISODE_EXPORTED_WINDOWS, {"as_of": as_of}).to_dict("records"),
                as_of,
            ),
            columns=performance.PERFORMANCE_COLUMNS,
        )
        for col in (f"downloads_{n}d" for n in performance.WINDOWS):
            windows[col] = windows[col].astype("Int64")
        windows["downloads_all_time"] = windows["downloads_all_time"].astype("Int64")
        sql.replace_rows(conn, "episode_performance", windows, performance.PERFORMANCE_COLUMNS)
        catalogue = table_metadata.materialization_metadata(
            conn, "creator_dashboard", also=["creator_source_split", "episode_performance"]
        )
    shows = creator[creator["episode_id"].isna()].sort_values("downloads_30d", ascending=False)
    top_episodes = creator[creator["episode_rank"] == 1].sort_values("downloads_30d", ascending=False)
    metadata: dict = {
        "as_of": str(as_of),
        "rows": dg.MetadataValue.int(len(creator)),
        "shows": dg.MetadataValue.int(len(shows)),
        "downloads_30d": dg.MetadataValue.int(int(shows["downloads_30d"].sum())),
        "booked_revenue_usd": dg.MetadataValue.float(round(float(shows["booked_revenue"].sum()), 2)),
        "delivered_revenue_usd": dg.MetadataValue.float(round(float(shows["delivered_revenue"].sum()), 2)),
        "top_show": shows.iloc[0]["show_title"] if len(shows) else "",
        "preview": dg.MetadataValue.md(
            f"### Shows by 30-day downloads (as of {as_of})\n\n"
            + markdown_table(
                shows,
                [
                    "tenant_id",
                    "show_title",
                    "downloads_7d",
                    "trend_7d_pct",
                    "downloads_30d",
                    "trend_30d_pct",
                    "downloads_90d",
                    "booked_revenue",
                    "delivered_revenue",
                    "active_sponsors",
                ],
                max_rows=12,
            )
            + "\n\n### Top episode per show\n\n"
            + markdown_table(
                top_episodes, ["show_title", "episode_title", "downloads_30d", "trend_7d_pct"], max_rows=12
            )
            + "\n\n### Episode performance: downloads in the first days after release\n\n"
            + markdown_table(
                _performance_preview(windows, frames["episodes"]),
                ["episode_title", "source", "released_on", *PREVIEW_WINDOWS, "basis", "flags"],
                max_rows=12,
            )
        ),
    }
    if not daily.empty:
        png = plots.downloads_trend_png(daily)
        path = _save_plot(context, config, settings, "downloads_trend_per_show", png)
        metadata.update(_plot_metadata("downloads_trend", "Daily downloads per show", path, png))
    metadata["episode_performance_rows"] = dg.MetadataValue.int(len(windows))
    metadata["episode_performance_decreasing"] = dg.MetadataValue.int(int(windows["decreasing"].sum()))
    metadata.update(catalogue)
    context.log.info(
        f"creator_dashboard as of {as_of}: {len(creator)} rows, {len(split)} source rows, "
        f"{len(windows)} episode performance rows"
    )
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    name="advertiser_dashboard",
    group_name=GROUP,
    owners=OWNERS,
    kinds={"postgres", "pandas", "matplotlib"},
    deps=[
        "metrics_daily",
        "io_bookings",
        "campaigns",
        "advertisers",
        "io_delivery",
        "match_scores",
        "io_verification_flags",
    ],
    metadata=table_metadata.table_spec_metadata("advertiser_dashboard"),
    description=(
        "Advertiser view per campaign and IO (tables advertiser_dashboard, advertiser_recommendations): "
        "booked vs delivered impressions, pacing (delivered / expected to date), spend to date (billable "
        "impressions × CPM / 1000, USD), effective CPM, the IO's verification flags "
        "(io_verification_flags; on a campaign row those of any of its IOs), and the top recommended "
        "shows from matches. Attaches a preview (with the flagged IOs) and a pacing plot: each live IO's "
        "delivered-to-date against the expected-to-date curve of its own pacing mode (even, front-loaded, "
        "ASAP, daily goal)."
    ),
)
def advertiser_dashboard(
    context: dg.AssetExecutionContext,
    config: AdvertiserDashboardConfig,
    postgres: PostgresResource,
    settings: PipelineSettings,
) -> dg.MaterializeResult:
    with postgres.connect() as conn, conn.transaction():  # one snapshot read, one atomic rewrite
        as_of = _as_of(conn, config)
        ios = sql.read_frame(conn, sql.IOS)
        flags = sql.read_frame(conn, sql.VERIFICATION_FLAGS)
        rows = aggregates.build_advertiser(ios, sql.read_frame(conn, sql.CAMPAIGNS), pd.Timestamp(as_of), flags)
        recs = aggregates.top_recommendations(sql.read_frame(conn, sql.MATCHES), ios, config.top_recommendations)
        live_daily = pd.DataFrame(
            delivery.daily_delivered(conn, sources=settings.impression_source_list(), statuses=["live"]),
            columns=["tenant_id", "io_id", "day", "delivered"],
        )
        sql.replace_rows(conn, "advertiser_dashboard", rows, aggregates.ADVERTISER_COLUMNS)
        sql.replace_rows(conn, "advertiser_recommendations", recs, aggregates.RECOMMENDATION_COLUMNS)
        catalogue = table_metadata.materialization_metadata(
            conn, "advertiser_dashboard", also=["advertiser_recommendations"]
        )
    campaigns = rows[rows["io_id"].isna()]
    flagged = flags.merge(
        rows[rows["io_id"].notna()][["tenant_id", "io_id", "campaign_name"]], on=["tenant_id", "io_id"]
    ).sort_values(["severity", "tenant_id", "io_id", "flag"])  # critical before warning
    live = rows[(rows["status"] == "live") & rows["pacing_ratio"].notna()].sort_values("pacing_ratio")
    worst = live.iloc[0] if len(live) else None
    metadata: dict = {
        "as_of": str(as_of),
        "campaigns": dg.MetadataValue.int(len(campaigns)),
        "ios": dg.MetadataValue.int(len(rows) - len(campaigns)),
        "recommendations": dg.MetadataValue.int(len(recs)),
        "flagged_ios": dg.MetadataValue.int(flagged[["tenant_id", "io_id"]].drop_duplicates().shape[0]),
        "critical_flags": dg.MetadataValue.int(int((flagged["severity"] == "critical").sum())),
        "spend_to_date_usd": dg.MetadataValue.float(round(float(campaigns["spend_to_date"].sum()), 2)),
        "most_under_paced_io": (
            f"{worst['io_id']} ({worst['tenant_id']}): pacing {worst['pacing_ratio']:.2f}"
            if worst is not None
            else "no live IO measured"
        ),
        "preview": dg.MetadataValue.md(
            f"### Campaigns (as of {as_of})\n\n"
            + markdown_table(
                campaigns,
                [
                    "tenant_id",
                    "advertiser_name",
                    "campaign_name",
                    "booked_impressions",
                    "delivered_impressions",
                    "percent_delivered",
                    "pacing_ratio",
                    "spend_to_date",
                    "effective_cpm",
                ],
                max_rows=15,
            )
            + "\n\n### Live IOs by pacing\n\n"
            + markdown_table(
                live,
                [
                    "tenant_id",
                    "io_id",
                    "show_id",
                    "flight_end",
                    "booked_impressions",
                    "delivered_impressions",
                    "pacing_ratio",
                ],
                max_rows=15,
            )
            + "\n\n### Verification flags\n\n"
            + markdown_table(flagged, ["severity", "tenant_id", "campaign_name", "io_id", "flag", "rule"], max_rows=20)
            + "\n\n### Top recommended shows\n\n"
            + markdown_table(
                recs, ["tenant_id", "campaign_id", "rank", "show_title", "score", "already_booked"], max_rows=15
            )
        ),
    }
    if len(live):
        curves = live.drop(columns=["as_of"]).merge(  # each IO's own as-of day, from io_delivery
            ios[["tenant_id", "io_id", "pacing_mode", "daily_goal_impressions", "delivery_as_of"]],
            on=["tenant_id", "io_id"],
        )
        curves = curves.rename(columns={"delivery_as_of": "as_of"})
        png = plots.pacing_curves_png(curves, live_daily, config.under_pacing_ratio)
        path = _save_plot(context, config, settings, "pacing_per_live_io", png)
        metadata.update(_plot_metadata("pacing", "Pacing per live IO against its own pacing curve", path, png))
    metadata.update(catalogue)
    context.log.info(f"advertiser_dashboard as of {as_of}: {len(campaigns)} campaigns, {len(recs)} recommendations")
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    name="ops_dashboard",
    group_name=GROUP,
    owners=OWNERS,
    kinds={"postgres", "pandas", "matplotlib"},
    deps=["io_bookings", "io_delivery", "listener_metrics", "metrics_daily", "io_verification_flags"],
    metadata=table_metadata.table_spec_metadata("ops_alerts"),
    description=(
        "Ops alerts (table ops_alerts): IOs at risk of under-delivery (pacing below a configurable "
        "threshold), flights ending within 7 days, completed IOs owing a make-good, IOs missing a promo "
        "code or vanity URL, imports failed or quarantined in the last 7 days, sensor lag (oldest "
        "unprocessed change-log row), stale sources, and one flag_<flag> alert per IO verification flag "
        "(io_verification_flags, with its severity). Attaches a preview and a bar chart of open alerts "
        "by kind and severity; the alerts_<kind> counts of successive materializations plot each kind over time."
    ),
)
def ops_dashboard(
    context: dg.AssetExecutionContext,
    config: OpsDashboardConfig,
    postgres: PostgresResource,
    settings: PipelineSettings,
) -> dg.MaterializeResult:
    thresholds = alerts.OpsThresholds(
        under_pacing_ratio=config.under_pacing_ratio,
        critical_pacing_ratio=config.critical_pacing_ratio,
        flight_ending_days=config.flight_ending_days,
        import_lookback_days=config.import_lookback_days,
        sensor_lag_seconds=config.sensor_lag_seconds,
        stale_source_days=config.stale_source_days,
    )
    now = datetime.now(UTC)
    with postgres.connect() as conn, conn.transaction():  # one snapshot read, one atomic rewrite
        as_of = _as_of(conn, config)
        since = now - timedelta(days=thresholds.import_lookback_days)
        frame = alerts.build_alerts(
            ios=sql.read_frame(conn, sql.IOS),
            imports=sql.read_frame(conn, sql.RECENT_IMPORTS, {"since": since}),
            pending=sql.read_frame(conn, sql.PENDING_CHANGES),
            series=sql.read_frame(
                conn, sql.SOURCE_SERIES, {"as_of": as_of, "lookback": thresholds.stale_lookback_days}
            ),
            as_of=as_of,
            now=now,
            thresholds=thresholds,
            flags=sql.read_frame(conn, sql.VERIFICATION_FLAGS),
        )
        sql.replace_rows(conn, "ops_alerts", frame, alerts.ALERT_COLUMNS)
        catalogue = table_metadata.materialization_metadata(conn, "ops_alerts")
    counts = {t: int((frame["alert_type"] == t).sum()) for t in alerts.ALERT_TYPES}
    lag = frame[frame["alert_type"] == "sensor_lag"]["metric"]
    metadata: dict = {
        "as_of": str(as_of),
        "alerts": dg.MetadataValue.int(len(frame)),
        "critical": dg.MetadataValue.int(int((frame["severity"] == "critical").sum())),
        **{f"alerts_{t}": dg.MetadataValue.int(n) for t, n in counts.items()},
        "sensor_lag_seconds": dg.MetadataValue.float(float(lag.max()) if len(lag) else 0.0),
        "preview": dg.MetadataValue.md(
            f"### Ops alerts (as of {as_of})\n\n"
            + markdown_table(
                pd.DataFrame({"alert_type": list(counts), "count": list(counts.values())}),
                ["alert_type", "count"],
                max_rows=len(counts),
            )
            + "\n\n"
            + markdown_table(frame, ["severity", "tenant_id", "alert_type", "entity_id", "detail"], max_rows=25)
        ),
    }
    png = plots.alerts_by_kind_png(frame, alerts.ALERT_TYPES, alerts.SEVERITIES)
    path = _save_plot(context, config, settings, "ops_alerts_by_kind", png)
    metadata.update(_plot_metadata("alerts_by_kind", "Open alerts by kind", path, png))
    metadata.update(catalogue)
    context.log.info(f"ops_dashboard as of {as_of}: {len(frame)} alerts {counts}")
    return dg.MaterializeResult(metadata=metadata)
