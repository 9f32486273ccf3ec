"""Owns the historical-lift evidence: past IOs' performance per (advertiser or category, show).

Pure numpy/pandas (no Dagster, no database). :func:`history_tables` turns one tenant's past IOs into
per-level tables (the advertiser's IAB category, then the advertiser itself);
:func:`history_block` picks each (show, campaign) pair's lift ratio, IO count and evidence weight
from them for a block of campaigns. The signal itself is
:func:`sponsor_pipeline.matchmaking.signals.historical_lift`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sponsor_pipeline.vocabulary import HISTORY_IO_STATUSES

# One level: (groups × shows) lift ratio, (groups × shows) IO count, each campaign's group row (-1
# none) and the level's evidence weight.
HistoryLevel = tuple[np.ndarray, np.ndarray, np.ndarray, float]


def history_tables(
    ios: pd.DataFrame, advertisers: pd.DataFrame, show_index: pd.Index, advertiser_of_campaign: np.ndarray
) -> list[HistoryLevel]:
    """History tables per level (category, then advertiser): lift ratio and IO count per (group, show),
    each campaign's group row and the evidence weight; :func:`history_block` turns them into pairs.

    Per past IO: performance = responses per 1,000 delivered impressions when the advertiser's IOs
    report responses on both sides of the comparison, else delivered ÷ booked impressions. The
    comparison is the advertiser's mean on the show ÷ its mean on its other shows; without IOs of the
    advertiser on the show, the same for its IAB category (evidence weight ½). With no IOs elsewhere
    the baseline is the tenant's mean over all other shows.
    """
    n_s, n_c = len(show_index), len(advertiser_of_campaign)
    levels: list[HistoryLevel] = []
    if ios.empty or n_c == 0:
        return levels
    past = ios[ios["status"].isin(HISTORY_IO_STATUSES) & ios["delivered_impressions"].notna()]
    past = past[past["booked_impressions"] > 0]
    if past.empty:
        return levels
    category = advertisers.set_index("advertiser_id")["category"]
    past = past.assign(
        category=past["advertiser_id"].map(category),
        delivery=(past["delivered_impressions"] / past["booked_impressions"]).clip(upper=2.0),
        response=np.where(
            past["delivered_impressions"] > 0,
            past["responses"] / past["delivered_impressions"].where(past["delivered_impressions"] > 0) * 1000.0,
            np.nan,
        ),
    )

    def lift_table(group_col: str) -> pd.DataFrame:
        g = past.dropna(subset=[group_col])
        if g.empty:
            return pd.DataFrame(columns=["group", "show_id", "ratio", "n"])
        rows = []
        # Aggregates by (group, show) and by group, then "elsewhere" = group total minus this show.
        for metric in ("response", "delivery"):
            m = g.dropna(subset=[metric])
            agg = m.groupby([group_col, "show_id"])[metric].agg(["sum", "count"])
            tot = m.groupby(group_col)[metric].agg(["sum", "count"])
            t = tot.reindex(agg.index.get_level_values(0))
            other_n = t["count"].to_numpy() - agg["count"].to_numpy()
            other_sum = t["sum"].to_numpy() - agg["sum"].to_numpy()
            # Baseline without the group's IOs elsewhere: every IO of the tenant on other shows.
            net_sum = m.groupby("show_id")[metric].agg(["sum", "count"])
            all_sum, all_n = m[metric].sum(), len(m)
            shows_here = agg.index.get_level_values(1)
            net = net_sum.reindex(shows_here)
            fallback_n = all_n - net["count"].to_numpy()
            fallback_sum = all_sum - net["sum"].to_numpy()
            base = np.where(
                other_n > 0,
                other_sum / np.maximum(other_n, 1),
                np.where(fallback_n > 0, fallback_sum / np.maximum(fallback_n, 1), np.nan),
            )
            here = agg["sum"].to_numpy() / agg["count"].to_numpy()
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.where(base > 0, here / base, np.where(here > 0, np.inf, 1.0))
            rows.append(
                pd.DataFrame(
                    {
                        "group": agg.index.get_level_values(0),
                        "show_id": shows_here,
                        "ratio": r,
                        "n": agg["count"].to_numpy(),
                        "metric": metric,
                        "valid": ~np.isnan(base),
                    }
                )
            )
        both = pd.concat(rows, ignore_index=True)
        both = both[both["valid"]]
        # Responses where reported, else delivery.
        both["rank"] = (both["metric"] == "delivery").astype(int)
        return both.sort_values(["group", "show_id", "rank"]).drop_duplicates(["group", "show_id"])

    campaigns_adv = pd.Series(advertiser_of_campaign)
    campaigns_cat = campaigns_adv.map(category)
    for _level, group_col, keys, evidence in (
        (1, "category", campaigns_cat, 0.5),
        (0, "advertiser_id", campaigns_adv, 1.0),
    ):
        table = lift_table(group_col)
        if table.empty:
            continue
        # Pivot to (groups × shows), then pick each campaign's group row: vectorised lookup.
        groups = pd.Index(sorted(table["group"].astype(str).unique()))
        gi = groups.get_indexer(pd.Index(table["group"].astype(str)))
        si = show_index.get_indexer(pd.Index(table["show_id"]))
        ok = si >= 0
        g_ratio = np.ones((len(groups), n_s))
        g_n = np.zeros((len(groups), n_s))
        g_ratio[gi[ok], si[ok]] = table["ratio"].to_numpy()[ok]
        g_n[gi[ok], si[ok]] = table["n"].to_numpy()[ok]
        ci = groups.get_indexer(pd.Index(keys.astype(str)))
        levels.append((g_ratio, g_n, ci, evidence))
    return levels


def history_block(
    levels: list[HistoryLevel], n_shows: int, campaigns: slice
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lift ratio, IOs, evidence weight), each (shows × campaigns in the slice), from the level tables.

    The advertiser's own history (last level) overrides its category's wherever it has IOs.
    """
    n_c = campaigns.stop - campaigns.start
    ratio = np.ones((n_shows, n_c))
    count = np.zeros((n_shows, n_c))
    weight = np.ones((n_shows, n_c))
    for g_ratio, g_n, ci_all, evidence in levels:
        ci = ci_all[campaigns]
        has = ci >= 0
        rows = np.where(has, ci, 0)
        sel_n = np.where(has[None, :], g_n[rows].T, 0.0)
        take = sel_n > 0
        ratio = np.where(take, g_ratio[rows].T, ratio)
        count = np.where(take, sel_n, count)
        weight = np.where(take, evidence, weight)
    return ratio, count, weight
