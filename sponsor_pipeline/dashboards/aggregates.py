"""Owns the dashboards' aggregation rules: downloads windows and trends, revenue, pacing roll-ups.

Pure pandas: no Dagster, no database. The warehouse module feeds these functions frames read with
named SQL statements and writes their results to the dashboard tables.

Units and formulas:

* downloads are counted per the IAB Podcast Measurement Technical Guidelines v2.2 (one qualified
  download = one delivered impression for a dynamically inserted or baked-in ad);
* revenue / cost (USD) = impressions × CPM / 1000 (CPM: USD per 1,000 impressions);
* billable impressions = min(delivered, booked): over-delivery is not billed (the IO terms say so);
* effective CPM = spend / delivered impressions × 1000;
* trend % = (current window − previous window) / previous window × 100, None when previous is 0;
* pacing ratio = delivered / expected-to-date under even pacing (from ``io_delivery``); a roll-up's
  pacing is Σ delivered / Σ expected over its IOs whose flight has started.
"""

# pandas-stubs types the fields of itertuples() rows and .loc scalars as the union ``Scalar``, which
# float()/int()/round() reject; the frames here hold numbers in those columns (read from numeric SQL).
# pyright: reportArgumentType=false, reportCallIssue=false, reportOperatorIssue=false

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd

from sponsor_pipeline.vocabulary import COMMITTED_IO_STATUSES, RUNNING_IO_STATUSES

WINDOW_COLUMNS = ("downloads_7d", "downloads_prev_7d", "downloads_30d", "downloads_prev_30d", "downloads_90d")


def trend_pct(current: float, previous: float) -> float | None:
    """Change of ``current`` over ``previous`` in percent, 2 decimals; None when previous is 0."""
    if previous is None or previous == 0 or pd.isna(previous):
        return None
    return round((float(current) - float(previous)) / float(previous) * 100.0, 2)


def revenue_usd(impressions: float, cpm: float) -> float:
    """USD for ``impressions`` at ``cpm`` (USD per 1,000 impressions), rounded to cents."""
    return round(float(impressions) * float(cpm) / 1000.0, 2)


def billable_impressions(delivered: pd.Series, booked: pd.Series) -> pd.Series:
    """Delivered impressions capped at booked (over-delivery is not billed); element-wise."""
    return cast(pd.Series, np.minimum(delivered.astype("int64"), booked.astype("int64")))


def effective_cpm(spend: float, delivered: float) -> float | None:
    """USD per 1,000 delivered impressions; None when nothing was delivered."""
    if not delivered:
        return None
    return round(float(spend) / float(delivered) * 1000.0, 2)


def _with_trends(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["trend_7d_pct"] = [trend_pct(c, p) for c, p in zip(frame["downloads_7d"], frame["downloads_prev_7d"])]
    frame["trend_30d_pct"] = [trend_pct(c, p) for c, p in zip(frame["downloads_30d"], frame["downloads_prev_30d"])]
    return frame


def _io_money(ios: pd.DataFrame) -> pd.DataFrame:
    """IOs that book inventory, with billable impressions and booked/delivered USD."""
    booked = ios[ios["status"].isin(COMMITTED_IO_STATUSES)].copy()
    booked["delivered_impressions"] = pd.to_numeric(booked["delivered_impressions"]).fillna(0).astype("int64")
    booked["billable"] = billable_impressions(booked["delivered_impressions"], booked["booked_impressions"])
    booked["booked_revenue"] = [revenue_usd(i, c) for i, c in zip(booked["booked_impressions"], booked["cpm"])]
    booked["delivered_revenue"] = [revenue_usd(i, c) for i, c in zip(booked["billable"], booked["cpm"])]
    return booked


CREATOR_COLUMNS = [
    "tenant_id",
    "show_id",
    "episode_id",
    "as_of",
    "show_title",
    "episode_title",
    "published_at",
    "downloads_7d",
    "downloads_prev_7d",
    "trend_7d_pct",
    "downloads_30d",
    "downloads_prev_30d",
    "trend_30d_pct",
    "downloads_90d",
    "episode_rank",
    "booked_impressions",
    "delivered_impressions",
    "booked_revenue",
    "delivered_revenue",
    "active_sponsors",
]
SOURCE_SPLIT_COLUMNS = ["tenant_id", "show_id", "source", "as_of", "downloads_30d", "share_pct"]


def build_creator(
    shows: pd.DataFrame,
    episodes: pd.DataFrame,
    windows: pd.DataFrame,
    ios: pd.DataFrame,
    as_of: pd.Timestamp,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The creator dashboard rows (one per show, one per episode) and the per-show source split.

    Args:
        shows: ``tenant_id, show_id, title``.
        episodes: ``tenant_id, show_id, episode_id, title, published_at``.
        windows: ``tenant_id, show_id, episode_id (None = show-level series), source`` and the
            download sums ``downloads_7d, downloads_prev_7d, downloads_30d, downloads_prev_30d,
            downloads_90d`` over the windows ending at ``as_of``.
        ios: ``tenant_id, io_id, show_id, episode_id, advertiser_id, status, flight_end,
            booked_impressions, cpm, delivered_impressions`` (delivered NULL when not measured yet).
        as_of: the reference day the windows end on (an active sponsor's flight ends on or after it).

    Returns:
        ``(creator, source_split)`` with :data:`CREATOR_COLUMNS` and :data:`SOURCE_SPLIT_COLUMNS`.
        A show's downloads are all its rows (episodes and show-level series); every show gets a
        row; an episode gets a row when it has downloads in the 90 days or an IO booked on it.
        ``episode_rank`` ranks a show's episodes by 30-day downloads (ties: the newer episode first).
    """
    as_of = pd.Timestamp(as_of).date()  # pyright: ignore[reportAssignmentType] - compared with day columns from here on
    win = windows.copy()
    for col in WINDOW_COLUMNS:
        win[col] = win[col].fillna(0).astype("int64")
    money = _io_money(ios)

    # Show rows.
    show_totals = win.groupby(["tenant_id", "show_id"], as_index=False)[list(WINDOW_COLUMNS)].sum()
    show_rows = shows.rename(columns={"title": "show_title"}).merge(
        show_totals, on=["tenant_id", "show_id"], how="left"
    )
    show_money = money.groupby(["tenant_id", "show_id"], as_index=False).agg(
        booked_impressions=("booked_impressions", "sum"),
        delivered_impressions=("billable", "sum"),
        booked_revenue=("booked_revenue", "sum"),
        delivered_revenue=("delivered_revenue", "sum"),
    )
    active = ios[ios["status"].isin(RUNNING_IO_STATUSES) & (pd.to_datetime(ios["flight_end"]).dt.date >= as_of)]
    sponsors = active.groupby(["tenant_id", "show_id"], as_index=False).agg(
        active_sponsors=("advertiser_id", "nunique")
    )
    show_rows = show_rows.merge(show_money, on=["tenant_id", "show_id"], how="left").merge(
        sponsors, on=["tenant_id", "show_id"], how="left"
    )
    show_rows["episode_id"] = None
    show_rows["episode_title"] = None
    show_rows["published_at"] = None
    show_rows["episode_rank"] = None

    # Episode rows.
    ep_totals = (
        win[win["episode_id"].notna()]
        .groupby(["tenant_id", "show_id", "episode_id"], as_index=False)[list(WINDOW_COLUMNS)]
        .sum()
    )
    ep_money = (
        money[money["episode_id"].notna()]
        .groupby(["tenant_id", "show_id", "episode_id"], as_index=False)
        .agg(
            booked_impressions=("booked_impressions", "sum"),
            delivered_impressions=("billable", "sum"),
            booked_revenue=("booked_revenue", "sum"),
            delivered_revenue=("delivered_revenue", "sum"),
        )
    )
    ep_active = (
        active[active["episode_id"].notna()]
        .groupby(["tenant_id", "show_id", "episode_id"], as_index=False)
        .agg(active_sponsors=("advertiser_id", "nunique"))
    )
    keys = pd.concat(
        [ep_totals[["tenant_id", "show_id", "episode_id"]], ep_money[["tenant_id", "show_id", "episode_id"]]]
    ).drop_duplicates()
    ep_rows = (
        keys.merge(
            episodes.rename(columns={"title": "episode_title"}), on=["tenant_id", "show_id", "episode_id"], how="inner"
        )
        .merge(shows.rename(columns={"title": "show_title"}), on=["tenant_id", "show_id"], how="inner")
        .merge(ep_totals, on=["tenant_id", "show_id", "episode_id"], how="left")
        .merge(ep_money, on=["tenant_id", "show_id", "episode_id"], how="left")
        .merge(ep_active, on=["tenant_id", "show_id", "episode_id"], how="left")
    )
    for col in WINDOW_COLUMNS:
        ep_rows[col] = ep_rows[col].fillna(0).astype("int64")
    ep_rows = ep_rows.sort_values(
        ["tenant_id", "show_id", "downloads_30d", "published_at", "episode_id"],
        ascending=[True, True, False, False, True],
    )
    ep_rows["episode_rank"] = ep_rows.groupby(["tenant_id", "show_id"]).cumcount() + 1

    creator = pd.concat([show_rows, ep_rows], ignore_index=True)
    for col in (*WINDOW_COLUMNS, "booked_impressions", "delivered_impressions", "active_sponsors"):
        creator[col] = creator[col].fillna(0).astype("int64")
    for col in ("booked_revenue", "delivered_revenue"):
        creator[col] = creator[col].fillna(0.0).astype(float).round(2)
    creator["as_of"] = as_of
    creator = _with_trends(creator)
    creator["episode_rank"] = creator["episode_rank"].astype("Int64")
    creator = creator.sort_values(["tenant_id", "show_id", "episode_rank"], na_position="first")

    # Source split per show, 30 days.
    split = cast(pd.DataFrame, win.groupby(["tenant_id", "show_id", "source"], as_index=False)["downloads_30d"].sum())
    totals = split.groupby(["tenant_id", "show_id"])["downloads_30d"].transform("sum")
    split["share_pct"] = np.where(
        totals > 0, (split["downloads_30d"] / totals.where(totals > 0, 1) * 100).round(2), 0.0
    )
    split["as_of"] = as_of
    return creator[CREATOR_COLUMNS].reset_index(drop=True), split[SOURCE_SPLIT_COLUMNS].reset_index(drop=True)


ADVERTISER_COLUMNS = [
    "tenant_id",
    "campaign_id",
    "io_id",
    "as_of",
    "advertiser_id",
    "advertiser_name",
    "campaign_name",
    "show_id",
    "status",
    "flight_start",
    "flight_end",
    "booked_impressions",
    "delivered_impressions",
    "percent_delivered",
    "pacing_ratio",
    "booked_cost",
    "spend_to_date",
    "effective_cpm",
    "verification_flags",
]
RECOMMENDATION_COLUMNS = [
    "tenant_id",
    "campaign_id",
    "rank",
    "show_id",
    "show_title",
    "score",
    "rationale",
    "already_booked",
]


def _percent(delivered: float, booked: float) -> float | None:
    return round(float(delivered) / float(booked) * 100.0, 2) if booked else None


def _flag_lists(rows: pd.DataFrame, flags: pd.DataFrame | None) -> list[list[str]]:
    """Per dashboard row, its sorted flags: the IO's own, or on a campaign row (io_id None) the union
    over the campaign's IO rows."""
    per_io: dict[tuple[str, str], set[str]] = {}
    if flags is not None:
        for tenant, io_id, flag in flags[["tenant_id", "io_id", "flag"]].itertuples(index=False, name=None):
            per_io.setdefault((tenant, io_id), set()).add(flag)
    per_campaign: dict[tuple[str, str], set[str]] = {}
    shown = rows[rows["io_id"].notna()]
    for tenant, campaign, io_id in shown[["tenant_id", "campaign_id", "io_id"]].itertuples(index=False, name=None):
        per_campaign.setdefault((tenant, campaign), set()).update(per_io.get((tenant, io_id), set()))
    return [
        sorted(per_campaign.get((t, c), set()) if pd.isna(i) else per_io.get((t, i), set()))
        for t, c, i in rows[["tenant_id", "campaign_id", "io_id"]].itertuples(index=False, name=None)
    ]


def build_advertiser(
    ios: pd.DataFrame, campaigns: pd.DataFrame, as_of: pd.Timestamp, flags: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The advertiser dashboard: one row per booked IO and one roll-up row per campaign (io_id None).

    Args:
        ios: ``tenant_id, io_id, campaign_id, show_id, status, flight_start, flight_end,
            booked_impressions, cpm, delivered_impressions, expected_to_date, pacing_ratio`` (the last
            three from ``io_delivery``; NULL when the IO has not been measured).
        campaigns: ``tenant_id, campaign_id, campaign_name, advertiser_id, advertiser_name``.
        as_of: the reference day stored on every row.
        flags: ``tenant_id, io_id, flag`` — the IO verification flags (``io_verification_flags``);
            None: no flags.

    Returns:
        Rows with :data:`ADVERTISER_COLUMNS`. Only IOs in :data:`COMMITTED_IO_STATUSES` count. Spend to
        date is billable impressions × CPM / 1000; a campaign's pacing is Σ delivered / Σ expected
        over its IOs with expected > 0 (None when no IO has started). ``verification_flags``: the
        sorted flags of the IO; on a campaign row, every flag any of its IOs shown carries.
    """
    money = _io_money(ios)
    money["expected_to_date"] = money["expected_to_date"].astype(float)
    money = money.drop(columns=["advertiser_id"], errors="ignore").merge(
        campaigns, on=["tenant_id", "campaign_id"], how="inner"
    )
    io_rows = money.assign(
        booked_cost=money["booked_revenue"],
        spend_to_date=money["delivered_revenue"],
        percent_delivered=[_percent(d, b) for d, b in zip(money["delivered_impressions"], money["booked_impressions"])],
        effective_cpm=[effective_cpm(s, d) for s, d in zip(money["delivered_revenue"], money["delivered_impressions"])],
    )
    started = money[money["expected_to_date"].fillna(0) > 0]
    pace = started.groupby(["tenant_id", "campaign_id"]).agg(
        delivered=("delivered_impressions", "sum"), expected=("expected_to_date", "sum")
    )
    camp = money.groupby(
        ["tenant_id", "campaign_id", "campaign_name", "advertiser_id", "advertiser_name"], as_index=False
    ).agg(
        flight_start=("flight_start", "min"),
        flight_end=("flight_end", "max"),
        booked_impressions=("booked_impressions", "sum"),
        delivered_impressions=("delivered_impressions", "sum"),
        booked_cost=("booked_revenue", "sum"),
        spend_to_date=("delivered_revenue", "sum"),
    )
    camp["io_id"] = None
    camp["show_id"] = None
    camp["status"] = None
    camp["percent_delivered"] = [
        _percent(d, b) for d, b in zip(camp["delivered_impressions"], camp["booked_impressions"])
    ]
    camp["effective_cpm"] = [effective_cpm(s, d) for s, d in zip(camp["spend_to_date"], camp["delivered_impressions"])]
    camp["pacing_ratio"] = [
        round(pace.loc[(t, c), "delivered"] / pace.loc[(t, c), "expected"], 4) if (t, c) in pace.index else None
        for t, c in zip(camp["tenant_id"], camp["campaign_id"])
    ]
    rows = pd.concat([camp, io_rows], ignore_index=True)
    rows["verification_flags"] = _flag_lists(rows, flags)
    rows["as_of"] = pd.Timestamp(as_of).date()
    for col in ("booked_cost", "spend_to_date"):
        rows[col] = rows[col].astype(float).round(2)
    rows["pacing_ratio"] = [None if pd.isna(v) else round(float(v), 4) for v in rows["pacing_ratio"]]
    rows = rows.sort_values(["tenant_id", "campaign_id", "io_id"], na_position="first")
    return rows[ADVERTISER_COLUMNS].reset_index(drop=True)


def top_recommendations(matches: pd.DataFrame, ios: pd.DataFrame, top_n: int = 3) -> pd.DataFrame:
    """The ``top_n`` shows per campaign by match score (ties: show_id), best first.

    Args:
        matches: ``tenant_id, campaign_id, show_id, show_title, score, rationale``.
        ios: ``tenant_id, campaign_id, show_id, status`` (marks ``already_booked`` when the campaign
            has a booked IO on the show).

    Returns:
        Rows with :data:`RECOMMENDATION_COLUMNS`, ``rank`` from 1.
    """
    if top_n < 1:
        raise ValueError(f"top_n must be at least 1, got {top_n}")
    ranked = matches.sort_values(
        ["tenant_id", "campaign_id", "score", "show_id"], ascending=[True, True, False, True]
    ).copy()
    ranked["rank"] = ranked.groupby(["tenant_id", "campaign_id"]).cumcount() + 1
    ranked = ranked[ranked["rank"] <= top_n]
    booked = ios[ios["status"].isin(COMMITTED_IO_STATUSES)][["tenant_id", "campaign_id", "show_id"]].drop_duplicates()
    booked["already_booked"] = True
    ranked = ranked.merge(booked, on=["tenant_id", "campaign_id", "show_id"], how="left")
    ranked["already_booked"] = ranked["already_booked"].eq(True)
    ranked["score"] = ranked["score"].astype(float)
    ranked["rationale"] = ranked["rationale"].fillna("")
    return ranked[RECOMMENDATION_COLUMNS].reset_index(drop=True)
