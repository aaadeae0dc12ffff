"""Matplotlib figures of the report notebooks, labelled with units.

Each function takes what :mod:`views` computed and returns a Figure; nothing is computed
here beyond arranging the data for the axes.
"""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

__all__ = ["reward_bands", "apr_bands", "effective_apr", "fiat_distribution",
           "side_by_side", "cost_vs_cap", "lorenz", "margin", "queues", "delay_distribution",
           "ranking", "expected_vs_paid"]

_BANDS = (5, 25, 50, 75, 95)


def _fig(w: float = 8, h: float = 4) -> tuple[Figure, plt.Axes]:
    fig, ax = plt.subplots(figsize=(w, h), layout="constrained")
    ax.grid(alpha=0.3)
    return fig, ax


def _band(ax: plt.Axes, x: np.ndarray, paths: np.ndarray, label: str, color: str) -> None:
    q = np.percentile(paths, _BANDS, axis=1)
    ax.fill_between(x, q[0], q[4], alpha=0.15, color=color, label=f"{label} 5–95 %")
    ax.fill_between(x, q[1], q[3], alpha=0.3, color=color, label=f"{label} 25–75 %")
    ax.plot(x, q[2], color=color, label=f"{label} median")


def reward_bands(view: dict) -> Figure:
    """Cumulative rewards (tokens) over the horizon: constant APR and APR-path bands."""
    fig, ax = _fig()
    proj = view["projection"]
    dates = proj.dates.tz_localize(None)
    ax.plot(dates, np.cumsum(proj.reward[:, 0]), color="black", lw=2,
            label=f"constant APR {view['apr']:.2%}")
    if "projection_paths" in view:
        _band(ax, dates, np.cumsum(view["projection_paths"].reward, axis=0), "APR paths",
              "tab:blue")
    ax.set(title=f"{view['token']}: cumulative rewards of {view['amount']:,.4g} "
                 f"{view['token']} (daily compounding)",
           xlabel="accrual day (UTC)", ylabel=f"rewards ({view['token']})")
    ax.legend(fontsize=8)
    return fig


def apr_bands(view: dict) -> Figure:
    """Simulated APR paths (fraction per year) as quantile bands."""
    fig, ax = _fig(8, 3.2)
    dates = view["projection"].dates.tz_localize(None)
    _band(ax, dates, view["apr_paths"][: len(dates)], "APR", "tab:green")
    ax.axhline(view["apr"], color="black", ls="--", lw=1, label="catalogue APR")
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set(title=f"{view['token']}: APR uncertainty (OU on log APR)", xlabel="day (UTC)",
           ylabel="APR (per year)")
    ax.legend(fontsize=8)
    return fig


def effective_apr(curve: pd.DataFrame, token: str, min_holding: float, cap: float) -> Figure:
    """Effective APR against balance (log scale), with the minimum and cap marked."""
    fig, ax = _fig(8, 3.5)
    ax.plot(curve["balance"], curve["effective_apr"], color="tab:purple")
    ax.set_xscale("log")
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    if min_holding > 0:
        ax.axvline(min_holding, color="grey", ls=":", label=f"minimum {min_holding:g}")
    if np.isfinite(cap):
        ax.axvline(cap, color="grey", ls="--", label=f"cap {cap:g}")
    ax.set(title=f"{token}: effective APR against balance", xlabel=f"balance ({token})",
           ylabel="effective APR (per year)")
    ax.legend(fontsize=8)
    return fig


def fiat_distribution(view: dict) -> Figure:
    """Position value at the horizon (USD) across price paths, against the start value."""
    fig, ax = _fig(8, 3.5)
    proj, final, start = view["projection"], view["final_values"], view["start_value"]
    ax.hist(final, bins=60, color="tab:orange", alpha=0.8)
    ax.axvline(start, color="black", ls="--", label=f"value at start ${start:,.0f}")
    ax.set(title=f"{view['token']}: value after {proj.reward.shape[0]} days (GBM, volatility "
                 f"{view['volatility']:.0%}); rewards are paid in tokens, not dollars",
           xlabel="position value (USD)", ylabel="price paths")
    ax.legend(fontsize=8)
    return fig


def side_by_side(table: pd.DataFrame) -> Figure:
    """The same budget in every token: token-denominated reward rate and USD outcome range."""
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
    t = table.sort_values("effective_apr")
    a1.barh(t["token"], t["effective_apr"], color="tab:blue")
    a1.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    a1.set(title="effective APR (in tokens)", xlabel="per year")
    a2.hlines(t["token"], t["final_value_p5"], t["final_value_p95"], color="tab:orange", lw=3,
              label="5–95 %")
    a2.plot(t["final_value_p50"], t["token"], "k|", ms=12, label="median")
    a2.set(title="value at the horizon (USD)", xlabel="USD")
    a2.legend(fontsize=8)
    for a in (a1, a2):
        a.grid(alpha=0.3)
    return fig


def cost_vs_cap(sweep: pd.DataFrame, token: str, cap: float, budget_line: float | None = None
                ) -> Figure:
    """Daily reward cost (tokens) and eligible share against the cap."""
    fig, ax = _fig()
    ax.plot(sweep["cap"], sweep["daily_cost"], color="tab:red", label="daily cost")
    ax.set_xscale("log")
    ax.set(title=f"{token}: what the cap costs", xlabel=f"cap ({token})",
           ylabel=f"daily reward cost ({token} a day)")
    if np.isfinite(cap):
        ax.axvline(cap, color="grey", ls="--", label=f"current cap {cap:g}")
    if budget_line is not None:
        ax.axhline(budget_line, color="black", ls=":", label="budget")
    ax2 = ax.twinx()
    ax2.plot(sweep["cap"], sweep["eligible_share"], color="tab:blue", alpha=0.7,
             label="eligible share of balances")
    ax2.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax2.set_ylabel("eligible share of balances")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=8, loc="center right")
    return fig


def lorenz(rewards: np.ndarray, balances: np.ndarray, token: str) -> Figure:
    """Lorenz curves of balances and of rewards (who earns)."""
    fig, ax = _fig(5, 5)
    for values, label in ((balances, "balances"), (rewards, "rewards")):
        v = np.sort(values)
        cum = np.concatenate([[0], np.cumsum(v)]) / max(v.sum(), 1e-300)
        ax.plot(np.linspace(0, 1, len(cum)), cum, label=label)
    ax.plot([0, 1], [0, 1], color="grey", ls=":", label="equal")
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set(title=f"{token}: who earns", xlabel="share of holders (poorest first)",
           ylabel="cumulative share")
    ax.legend(fontsize=8)
    return fig


def margin(table: pd.DataFrame, token: str) -> Figure:
    """Platform margin (tokens a day) against the cap, one line per buffer ratio."""
    fig, ax = _fig()
    for r, g in table.groupby("buffer_ratio"):
        ax.plot(g["cap"], g["margin"], label=f"buffer {r:.0%}")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xscale("log")
    ax.set(title=f"{token}: on-chain yield of the staked part minus rewards paid",
           xlabel=f"cap ({token})", ylabel=f"margin ({token} a day)")
    ax.legend(fontsize=8)
    return fig


def queues(daily: dict[str, pd.DataFrame], total: float) -> Figure:
    """Queued withdrawals (share of balances) over time in the shock scenario, per token."""
    tokens = list(daily)
    cols = 3
    rows = int(np.ceil(len(tokens) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(11, 2.3 * rows), sharex=True,
                             layout="constrained", squeeze=False)
    for ax, t in zip(axes.flat, tokens, strict=False):
        d = daily[t]
        ax.fill_between(d["day"], d["queued"] / total, color="tab:red", alpha=0.6)
        ax.plot(d["day"], d["liquid"] / total, color="tab:blue", lw=1)
        ax.set_title(t, fontsize=9)
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(tokens):]:
        ax.set_visible(False)
    fig.suptitle("shock scenario: queued withdrawals (red) and liquid buffer (blue), "
                 "share of initial balances, by day")
    fig.supxlabel("day")
    return fig


def delay_distribution(dists: dict[str, pd.DataFrame]) -> Figure:
    """Monte Carlo: distribution of each path's longest delay (days), per token."""
    fig, ax = _fig(10, 4)
    tokens = list(dists)
    ax.boxplot([dists[t]["max_delay_days"].to_numpy() for t in tokens], tick_labels=tokens,
               whis=(5, 95), showfliers=False)
    ax.set(title="longest withdrawal delay per Monte Carlo path (box 25–75 %, whiskers 5–95 %)",
           xlabel="token", ylabel="days")
    return fig


def ranking(table: pd.DataFrame, alpha: float) -> Figure:
    """Tokens ranked by P(any delay), with the buffer needed for ``alpha``."""
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
    t = table.iloc[::-1]
    a1.barh(t["token"], t["p_any_delay"], color="tab:red")
    a1.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    a1.set(title="P(any delay) at the current buffer", xlabel="share of paths")
    a2.barh(t["token"], t["buffer_needed"].fillna(1.0), color="tab:blue")
    a2.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    a2.set(title=f"buffer needed for P(delay) <= {alpha:.0%}", xlabel="share of balances")
    for a in (a1, a2):
        a.grid(alpha=0.3)
    return fig


def expected_vs_paid(table: pd.DataFrame) -> Figure:
    """Expected against paid reward per payout (tokens), flagged days marked."""
    tokens = sorted(set(table["token"]))
    fig, axes = plt.subplots(len(tokens), 1, figsize=(9, 3 * len(tokens)), squeeze=False,
                             layout="constrained")
    for ax, t in zip(axes[:, 0], tokens, strict=True):
        d = table[table["token"] == t]
        dates = pd.to_datetime(d["date"])
        ax.plot(dates, d["expected"], "o-", ms=3, label="expected")
        ax.plot(dates, d["paid"], "x", label="paid")
        bad = d["flag"] != "ok"
        ax.scatter(dates[bad], d["paid"].fillna(0)[bad], s=120, facecolors="none",
                   edgecolors="red", label="flagged")
        ax.set(title=t, xlabel="accrual day (UTC)", ylabel=f"reward ({t})")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return fig
