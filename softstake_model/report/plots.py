"""Matplotlib figures of the report notebooks, labelled with units.

Each function takes what :mod:`views` computed and returns a Figure; nothing is computed
here beyond arranging the data for the axes.
"""

from __future__ import annotations

import textwrap

import matplotlib
import matplotlib.dates
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

__all__ = ["delegator_history", "reward_bands", "apr_bands", "effective_apr", "fiat_distribution",
           "side_by_side", "cost_vs_cap", "lorenz", "margin", "queues", "delay_distribution",
           "ranking", "expected_vs_paid", "spread_by_token", "buffers", "apr_vs_risk",
           "sweep", "to_data_uri"]

_BANDS = (5, 25, 50, 75, 95)


def _fig(w: float = 8, h: float = 4) -> tuple[Figure, plt.Axes]:
    fig, ax = plt.subplots(figsize=(w, h), layout="constrained")
    ax.grid(alpha=0.3)
    return fig, ax


def _dates(ax: plt.Axes) -> None:
    """Short date labels that do not overlap."""
    loc = matplotlib.dates.AutoDateLocator(minticks=3, maxticks=7)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(matplotlib.dates.ConciseDateFormatter(loc))


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
    _dates(ax)
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
    _dates(ax)
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
    """Daily reward cost (tokens) against the cap, with the eligible share of balances on the
    right-hand axis: the two are proportional (cost = APR / 365 × eligible balances), so one
    line carries both."""
    fig, ax = _fig()
    ax.plot(sweep["cap"], sweep["daily_cost"], color="tab:red",
            label="daily cost (left) = eligible share (right)")
    ax.set_xscale("log")
    ax.set(title=f"{token}: what the cap costs", xlabel=f"cap ({token}, log scale)",
           ylabel=f"daily reward cost ({token} a day)")
    ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.4g}"))
    if np.isfinite(cap):
        ax.axvline(cap, color="grey", ls="--", label=f"current cap {cap:,g}")
    if budget_line is not None:
        ax.axhline(budget_line, color="black", ls=":", label="budget")
    cost, share = sweep["daily_cost"].to_numpy(), sweep["eligible_share"].to_numpy()
    k = float(np.median(share[cost > 0] / cost[cost > 0])) if (cost > 0).any() else 0.0
    if k > 0:
        right = ax.secondary_yaxis("right", functions=(lambda c: c * k, lambda e: e / k))
        right.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        right.set_ylabel("eligible share of balances")
    ax.legend(fontsize=8, loc="lower right")
    return fig


#: Points of a curve drawn at most per axis step: a Lorenz curve of 200,000 holders is drawn
#: through the points where it crosses each 1/2,000 of either axis (within 0.2 px of every
#: holder's point on a 5-inch chart), not through all of them.
CURVE_STEPS = 2_000


def _curve(x: np.ndarray, y: np.ndarray, steps: int = CURVE_STEPS
           ) -> tuple[np.ndarray, np.ndarray]:
    """A rising curve's points to draw: all of them when few; else the ends and the first
    point past each ``1/steps`` of the x range and of the y range, so the line drawn stays
    within ``1/steps`` of the full one on both axes."""
    n = len(x)
    if n <= 4 * steps:
        return x, y
    at_x = np.searchsorted(x, np.linspace(x[0], x[-1], steps + 1))
    at_y = np.searchsorted(y, np.linspace(y[0], y[-1], steps + 1))
    keep = np.unique(np.clip(np.concatenate([[0, n - 1], at_x, at_y]), 0, n - 1))
    return x[keep], y[keep]


def lorenz(rewards: np.ndarray, balances: np.ndarray, token: str) -> Figure:
    """Lorenz curves of balances and of rewards (who earns)."""
    fig, ax = _fig(5, 5)
    for values, label in ((balances, "balances"), (rewards, "rewards")):
        v = np.sort(values)
        cum = np.concatenate([[0], np.cumsum(v)]) / max(v.sum(), 1e-300)
        ax.plot(*_curve(np.linspace(0, 1, len(cum)), cum), label=label)
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
    """Monte Carlo: distribution of each path's longest delay (days), per token; a token
    with no delay on any path is said so on the chart rather than drawn as an empty box."""
    fig, ax = _fig(10, 4)
    tokens = list(dists)
    data = [dists[t]["max_delay_days"].astype(float).to_numpy() for t in tokens]
    ax.boxplot(data, tick_labels=tokens, whis=(5, 95), showfliers=False)
    top = max((float(np.nanmax(d)) for d in data if d.size), default=0.0)
    ax.set_ylim(-0.5, max(top * 1.15, 2.0))
    for i, d in enumerate(data, start=1):
        if not np.nanmax(d, initial=0.0) > 0:
            ax.text(i, 0.2, "no delay\non any path", ha="center", va="bottom", fontsize=7,
                    color="tab:green")
    ax.set(title="longest withdrawal delay per Monte Carlo path (box 25–75 %, whiskers 5–95 %)",
           xlabel="token", ylabel="days")
    return fig


def ranking(table: pd.DataFrame, alpha: float, buffer_ratio: float | None = None) -> Figure:
    """Tokens ranked by liquidity risk: P(delay) at the current buffer and the buffer that
    meets ``alpha``, each with its 95 % interval."""
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 0.8 + 0.35 * max(len(table), 4)),
                                 layout="constrained")
    t = table.iloc[::-1]
    p = t["p_delay"].to_numpy(float)
    err = np.clip([p - t["p_delay_low"].to_numpy(float), t["p_delay_high"].to_numpy(float) - p],
                  0, None)
    a1.barh(t["token"], p, color="tab:red", alpha=0.8, xerr=err)
    a1.axvline(alpha, color="black", ls=":", label=f"target {alpha:.0%}")
    a1.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    a1.set(title="P(delay) at the current buffer (95 % Wilson interval)",
           xlabel="share of paths", xlim=(0, 1.02))
    a1.legend(fontsize=8)
    b = t["buffer_needed"].astype(float)
    lo = t["buffer_low"].astype(float).fillna(b)
    hi = t["buffer_high"].astype(float).fillna(b)
    a2.barh(t["token"], b.fillna(1.0), color=np.where(b.isna(), "grey", "tab:blue"),
            xerr=[(b - lo).fillna(0).clip(lower=0), (hi - b).fillna(0).clip(lower=0)])
    if buffer_ratio is not None:
        a2.axvline(buffer_ratio, color="black", ls="--", label=f"current {buffer_ratio:.0%}")
        a2.legend(fontsize=8)
    a2.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    a2.set(title=f"buffer needed for P(delay) <= {alpha:.0%} (95 % bootstrap interval)",
           xlabel="share of balances")
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
        _dates(ax)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return fig


def to_data_uri(fig: Figure, dpi: int = 90) -> str:
    """A figure as a PNG ``data:`` URI for a self-contained page (the figure is closed)."""
    import base64
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def spread_by_token(table: pd.DataFrame) -> Figure:
    """Net network APR minus catalogue APR by token (negative spreads in red)."""
    t = table.dropna(subset=["spread"]).sort_values("spread")
    fig, ax = _fig(6, 0.9 + 0.32 * max(len(t), 3))
    colors = np.where(t["spread"] < 0, "tab:red", "tab:green")
    ax.barh(t["token"], t["spread"], color=colors)
    ax.axvline(0, color="black", lw=0.8)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=1))
    ax.set(title="spread: net network APR − catalogue APR", xlabel="per year")
    if t.empty:
        ax.text(0.5, 0.5, "no token with a protocol model in this run", ha="center",
                transform=ax.transAxes)
    return fig


def buffers(table: pd.DataFrame) -> Figure:
    """Buffer needed for the delay target (with its interval) against the current buffer."""
    t = table.dropna(subset=["buffer_ratio"]).iloc[::-1]
    fig, ax = _fig(6, 0.9 + 0.32 * max(len(t), 3))
    b = t["buffer_needed"].astype(float)
    lo = t["buffer_low"].astype(float).fillna(b)
    hi = t["buffer_high"].astype(float).fillna(b)
    ax.barh(t["token"], b.fillna(1.0), color=np.where(b > t["buffer_ratio"], "tab:red",
                                                       "tab:blue"),
            xerr=[(b - lo).fillna(0).clip(lower=0), (hi - b).fillna(0).clip(lower=0)])
    ax.scatter(t["buffer_ratio"], t["token"], marker="|", s=300, color="black", zorder=3,
               label="current buffer")
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set(title="buffer needed (red: above the current one)", xlabel="share of balances")
    ax.legend(fontsize=8)
    return fig


def apr_vs_risk(table: pd.DataFrame) -> Figure:
    """Catalogue APR against the buffer needed: what each token pays against its liquidity
    risk."""
    t = table.dropna(subset=["apr", "buffer_needed"])
    fig, ax = _fig(5.5, 3.4)
    ax.scatter(t["buffer_needed"], t["apr"], color="tab:purple")
    for _, r in t.iterrows():
        ax.annotate(r["token"], (r["buffer_needed"], r["apr"]), fontsize=8,
                    xytext=(3, 3), textcoords="offset points")
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=1))
    ax.set(title="APR paid against liquidity risk", xlabel="buffer needed (share of balances)",
           ylabel="catalogue APR (per year)")
    return fig


def sweep(frame: pd.DataFrame, x: str, figures: list[str], labels: dict[str, str],
          percent: set[str]) -> Figure:
    """Headline figures against one swept numeric parameter, one small panel each."""
    n = max(len(figures), 1)
    fig, axes = plt.subplots(1, n, figsize=(3.6 * n, 3), layout="constrained", squeeze=False)
    t = frame.sort_values(x)
    xs = t[x].astype(float)
    for ax, f in zip(axes[0], figures, strict=False):
        ax.plot(xs, t[f].astype(float), "o-", color="tab:blue")
        ax.set(title=labels.get(f, f), xlabel=x)
        if xs.min() > 0 and xs.max() / xs.min() > 20:
            ax.set_xscale("log")
        if f in percent:
            ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.grid(alpha=0.3)
    return fig


def heatmap(matrix: pd.DataFrame, title: str, texts: list[list[str]], percent: bool) -> Figure:
    """A two-parameter sweep's figure as a heat map: rows and columns the swept values (the
    frame's index and columns, named by the parameters), each cell written with its text."""
    values = matrix.to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(1.3 + 1.25 * values.shape[1], 1.1 + 0.6 * values.shape[0]),
                           layout="constrained")
    im = ax.imshow(values, cmap="Reds", aspect="auto")
    ax.set_xticks(range(values.shape[1]), [f"{c:g}" for c in matrix.columns])
    ax.set_yticks(range(values.shape[0]), [f"{i:g}" for i in matrix.index])
    ax.set(xlabel=str(matrix.columns.name), ylabel=str(matrix.index.name))
    ax.set_title("\n".join(textwrap.wrap(title, 38)), fontsize=9)
    top = np.nanmax(values) if np.isfinite(values).any() else 0.0
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            dark = np.isfinite(values[i, j]) and top > 0 and values[i, j] > 0.6 * top
            ax.text(j, i, texts[i][j], ha="center", va="center", fontsize=8,
                    color="white" if dark else "black")
    bar = fig.colorbar(im, ax=ax, shrink=0.8)
    if percent:
        bar.formatter = matplotlib.ticker.PercentFormatter(1.0)
        bar.update_ticks()
    return fig


def delegator_history(history: pd.DataFrame) -> Figure:
    """What a Cardano delegator earned each epoch (annualised) against the chain model."""
    fig, ax = _fig(8, 3.5)
    ax.plot(history["date"], history["earned_apr"], color="tab:blue", label="earned")
    ax.plot(history["date"], history["model_apr"], color="black", ls="--", lw=1,
            label="chain model")
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=1))
    ax.set(title="ADA: what a delegator earned, epoch by epoch (annualised)",
           xlabel="epoch end (UTC)", ylabel="yield (per year)")
    ax.legend(fontsize=8)
    return fig
