"""The interactive explorer (``notebooks/explore.ipynb``, opened by ``make lab``).

:func:`explore` computes, for one set of choices, the four views the explorer draws — the
effective-APR curve, a year's projection, the cost of the cap over a holder population and
the stress queue in a shock — through the package's own functions; :func:`figure` draws
them. :class:`Explorer` wires ipywidgets controls to both: each change recomputes and
redraws. Headless (tests, papermill) the controls are built the same way and
:meth:`Explorer.update` is called directly.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, TypedDict

import numpy as np
import pandas as pd

from ..cap_question import CapQuestion, cap_cost
from ..catalog import load_catalog
from ..liquidity import StressParams, simulate, withdrawal_rates
from ..product import TokenRule
from ..projection import Projection, curve_balances, effective_apr_curve
from ..terms import PRESETS
from ..yields import HolderQuestion, outlook
from .format import amount, days, pct, usd
from .params import ALL_TOKENS

__all__ = ["Choices", "Explored", "explore", "figure", "Explorer"]


@dataclass(frozen=True)
class Choices:
    """What the explorer's controls set.

    Attributes
    ----------
    token
        Catalogue token.
    budget_usd
        Position in USD (converted at the catalogue price) when ``balance`` is 0.
    balance
        Position in tokens (0 = use ``budget_usd``).
    apr
        APR override, fraction per year (0 = the catalogue's).
    min_holding, cap
        Minimum and cap overrides, tokens (0 = the catalogue's; a cap of 0 keeps it).
    preset
        Product terms (``softstake_model.terms.PRESETS``).
    buffer_ratio
        Liquid share of balances, in [0, 1].
    shock_day, shock_fraction
        Day (>= 1) and share of balances withdrawn in the stress run.
    unbonding
        Unbonding rule (``fixed:N``, ``boundary:P[@PHASE]``, ``none``); empty = the token's.
    holders
        Holders sampled for the cost of the cap.
    days
        Horizon of the projection and the stress run, days.
    """

    token: str = "BNB"
    budget_usd: float = 1000.0
    balance: float = 0.0
    apr: float = 0.0
    min_holding: float = 0.0
    cap: float = 0.0
    preset: str = "binance_soft_staking"
    buffer_ratio: float = 0.05
    shock_day: int = 10
    shock_fraction: float = 0.2
    unbonding: str = ""
    holders: int = 20_000
    days: int = 365


class Explored(TypedDict):
    """What :func:`explore` returns (see there)."""

    rule: TokenRule
    amount: float
    curve: pd.DataFrame
    projection: Projection
    metrics: dict[str, Any]
    stress: dict[str, Any]
    lines: list[str]


def explore(c: Choices) -> Explored:
    """The explorer's figures for ``c``, each from the package function that computes it.

    Returns
    -------
    Explored
        ``rule`` (the :class:`~softstake_model.product.TokenRule`), ``amount`` (tokens),
        ``curve`` (effective APR against balance), ``projection`` (the holder's outlook at
        the constant APR, :func:`~softstake_model.yields.outlook`), ``metrics`` (the cost of
        the cap over the report's sampled population, :func:`~softstake_model.cap_question.
        cap_cost`),
        ``stress`` (the shock run's daily state and ``max_delay_days``), ``lines``
        (sentences saying what the numbers mean).
    """
    rule_given = {"token": c.token, "apr": c.apr or None, "min_holding": c.min_holding or None,
                  "cap": c.cap or None, "preset": c.preset}
    held_given = {"balance": c.balance} if c.balance > 0 else {"budget_usd": c.budget_usd}
    answer = outlook(HolderQuestion(**rule_given, **held_given, days=c.days, price_paths=1))
    rule, terms, held, proj = answer.rule, answer.terms, answer.tokens, answer.constant
    curve = effective_apr_curve(curve_balances(rule, held, 150), rule.apr, rule.min_holding,
                                rule.cap, terms)
    metrics = cap_cost(CapQuestion(**rule_given, holders=c.holders, sweep_points=5)).summary
    rule_text = c.unbonding.strip() or str(load_catalog().loc[rule.token, "unbonding"])
    params = StressParams(total=1_000_000.0, buffer_ratio=c.buffer_ratio, unbonding=rule_text,
                          days=c.days, shocks=((c.shock_day, c.shock_fraction),))
    res = simulate(params, withdrawal_rates(params))
    m = res.metrics.iloc[0]
    s = proj.summary()
    t = rule.token
    lines = [
        f"{amount(held, t)} earns {amount(s['total_rewards'], t)} in {days(c.days)} "
        f"(effective APR {pct(s['effective_apr'])}; catalogue or given APR {pct(rule.apr)}).",
        f"Over {c.holders:,} sampled holders, rewards cost {amount(metrics['daily_cost'], t)} "
        f"a day ({usd(metrics['daily_cost'] * rule.price_usd)}); "
        f"{pct(metrics['earning_share'])} of holders earn.",
        f"A {pct(c.shock_fraction)} withdrawal on day {c.shock_day} against a "
        f"{pct(c.buffer_ratio)} buffer with unbonding {params.unbonding}: longest wait "
        f"{days(float(m['max_delay_days']))}, {pct(float(m['delayed_share']))} of requests "
        "delayed.",
    ]
    return Explored(rule=rule, amount=held, curve=curve, projection=proj, metrics=metrics,
                    stress={"daily": res.daily(), "max_delay_days": float(m["max_delay_days"]),
                            "delayed_share": float(m["delayed_share"])}, lines=lines)


def figure(v: Explored) -> object:
    """The four panels of the explorer for one :func:`explore` result."""
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    rule, t = v["rule"], v["rule"].token
    fig, ax = plt.subplots(2, 2, figsize=(11, 6.5), layout="constrained")
    a = ax[0, 0]
    a.plot(v["curve"]["balance"], v["curve"]["effective_apr"], color="tab:purple")
    a.axvline(v["amount"], color="black", ls=":", label="this position")
    a.set_xscale("log")
    a.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    a.set(title="effective APR against balance", xlabel=f"balance ({t})", ylabel="per year")
    a.legend(fontsize=8)
    a = ax[0, 1]
    proj = v["projection"]
    a.plot(np.arange(1, proj.reward.shape[0] + 1), np.cumsum(proj.reward[:, 0]),
           color="tab:blue")
    a.set(title="cumulative rewards (daily compounding)", xlabel="day",
          ylabel=f"rewards ({t})")
    a = ax[1, 0]
    m = v["metrics"]
    shares = m["cost_by_percentile"]
    a.bar(list(shares), list(shares.values()), color="tab:red")
    a.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    a.set(title=f"who gets the {amount(m['daily_cost'], t)} a day (cap {amount(rule.cap)})",
          ylabel="share of the reward cost")
    a.tick_params(axis="x", labelsize=8)
    a = ax[1, 1]
    d = v["stress"]["daily"]
    total = float(d["user_balance"].iloc[0]) or 1.0
    a.fill_between(d["day"], d["queued"] / total, color="tab:red", alpha=0.6, label="queued")
    a.plot(d["day"], d["liquid"] / total, color="tab:blue", label="liquid buffer")
    a.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    a.set(title="stress: queue and buffer (share of balances)", xlabel="day")
    a.legend(fontsize=8)
    for a in ax.flat:
        a.grid(alpha=0.3)
    return fig


class Explorer:
    """ipywidgets controls for every field of :class:`Choices`, redrawing on each change.

    Attributes
    ----------
    controls
        The widgets by :class:`Choices` field.
    output
        The ``ipywidgets.Output`` the figure and sentences are drawn into.
    widget
        Controls and output in one box, to display.
    last
        The last :func:`explore` result drawn (None before the first).
    """

    def __init__(self, choices: Choices | None = None) -> None:
        import ipywidgets as w

        c = choices or Choices()
        style = {"description_width": "9em"}
        self.controls = {
            "token": w.Dropdown(options=ALL_TOKENS.split(","), value=c.token,
                                description="token"),
            "budget_usd": w.FloatLogSlider(value=c.budget_usd, base=10, min=1, max=7,
                                           description="budget (USD)"),
            "balance": w.FloatText(value=c.balance, description="balance (tokens, 0 = budget)"),
            "apr": w.FloatSlider(value=c.apr, min=0, max=0.3, step=0.001, readout_format=".1%",
                                 description="APR (0 = catalogue)"),
            "min_holding": w.FloatText(value=c.min_holding, description="minimum (0 = catalogue)"),
            "cap": w.FloatText(value=c.cap, description="cap (0 = catalogue)"),
            "preset": w.Dropdown(options=list(PRESETS), value=c.preset, description="preset"),
            "buffer_ratio": w.FloatSlider(value=c.buffer_ratio, min=0, max=1, step=0.01,
                                          readout_format=".0%", description="buffer"),
            "shock_day": w.IntSlider(value=c.shock_day, min=1, max=c.days,
                                     description="shock day"),
            "shock_fraction": w.FloatSlider(value=c.shock_fraction, min=0, max=1, step=0.01,
                                            readout_format=".0%", description="shock share"),
            "unbonding": w.Text(value=c.unbonding, placeholder="token's rule",
                                description="unbonding rule"),
        }
        for ctl in self.controls.values():
            ctl.style = style
        self.choices = c
        self.output = w.Output()
        self.last: dict | None = None
        for ctl in self.controls.values():
            ctl.observe(self._changed, names="value")
        self.widget = w.HBox([w.VBox(list(self.controls.values())), self.output])

    def _changed(self, _change: dict) -> None:
        self.update()

    def values(self) -> Choices:
        """The controls' current values as :class:`Choices`."""
        given = {k: ctl.value for k, ctl in self.controls.items()}
        keep = {f.name for f in fields(Choices)}
        return replace(self.choices, **{k: v for k, v in given.items() if k in keep})

    def update(self, **values: object) -> dict | None:
        """Set any controls from ``values`` (without redrawing for each), then recompute and
        redraw once. A choice the package refuses is said in the output instead.

        Returns
        -------
        dict or None
            The :func:`explore` result drawn, or None when the choices were refused.
        """
        from IPython.display import Markdown, display

        from ..errors import ParameterError

        for k, v in values.items():
            ctl = self.controls[k]
            ctl.unobserve(self._changed, names="value")
            try:
                ctl.value = v
            finally:
                ctl.observe(self._changed, names="value")
        self.output.clear_output(wait=True)
        try:
            result = explore(self.values())
        except ParameterError as e:
            with self.output:
                display(Markdown(f"**Not computed:** {e}"))
            return None
        import matplotlib.pyplot as plt

        fig = figure(result)
        with self.output:
            display(Markdown("\n".join(f"- {x}" for x in result["lines"])))
            display(fig)
        plt.close(fig)
        self.last = result
        return result
