"""The interactive explorer (``notebooks/explore.ipynb``: ``make lab`` opens it in
JupyterLab, ``softstake explore`` serves it as a Voilà dashboard).

:func:`explore` computes, for one set of choices, the four views the explorer draws — the
effective-APR curve, a year's projection, the cost of the cap over a holder population and
the stress queue in a shock — through the package's own functions; :func:`figure` draws
them and :func:`png` turns the drawing into PNG bytes. :class:`Explorer` wires ipywidgets
controls to both: each change recomputes and redraws the chart, an ``Image`` widget (no
matplotlib backend: the same bytes in JupyterLab, Voilà and a headless run). A choice the
package refuses is said in one line under the controls, naming the control. Headless
(tests, papermill) the controls are built the same way and :meth:`Explorer.update` or
:meth:`Explorer.drive` is called directly.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, fields, replace
from typing import Any, TypedDict

import numpy as np
import pandas as pd

from ..cap_question import CapQuestion, cap_cost
from ..catalog import load_catalog
from ..errors import ParameterError, SoftstakeError
from ..liquidity import StressParams, simulate, withdrawal_rates
from ..product import TokenRule
from ..projection import Projection, curve_balances, effective_apr_curve
from ..terms import PRESETS
from ..yields import HolderQuestion, outlook
from .format import amount, days, pct, usd
from .params import ALL_TOKENS

__all__ = ["Choices", "Explored", "explore", "figure", "png", "Explorer", "LABELS"]


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
    if c.balance < 0:
        raise ParameterError(f"must be >= 0 (0 = use the budget), got {c.balance:g}",
                             param="balance")
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
    """The four panels of the explorer for one :func:`explore` result.

    A :class:`matplotlib.figure.Figure` not registered with pyplot: nothing is shown or kept
    by a backend (:func:`png` draws it).
    """
    import matplotlib.ticker
    from matplotlib.figure import Figure

    rule, t = v["rule"], v["rule"].token
    fig = Figure(figsize=(11, 6.5), layout="constrained")
    ax = fig.subplots(2, 2)
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
    names = [k.replace("_", " ").replace("pct", " %") for k in shares]  # "top 10 %"
    a.bar(names, list(shares.values()), color="tab:red")
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


def png(fig: object, dpi: int = 100) -> bytes:
    """``fig`` (a matplotlib ``Figure``) drawn as PNG bytes on a white background."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


#: Each control's label: the field of :class:`Choices` it sets, said for a reader (a
#: refused value is named by this label).
LABELS = {
    "token": "token", "preset": "product terms", "budget_usd": "budget (USD)",
    "balance": "balance (tokens)", "apr": "APR", "min_holding": "minimum (tokens)",
    "cap": "cap (tokens)", "buffer_ratio": "liquid buffer", "shock_day": "shock day",
    "shock_fraction": "shock share", "unbonding": "unbonding rule",
}
#: Parameters of the package functions that are a control under another name.
_PARAM_CONTROL = {"shocks": "shock_day", "budget_usd": "budget_usd"}
#: The controls in their three columns (the budget slider spans the width above them).
_COLUMNS = (("token", "preset", "balance"), ("apr", "min_holding", "cap"),
            ("buffer_ratio", "shock_day", "shock_fraction", "unbonding"))
_NOTE = ("A balance, APR, minimum or cap of 0 takes the budget or the catalogue's value; an "
         "empty unbonding rule takes the token's (fixed:N, boundary:P[@PHASE] or none). "
         "Type a value and press Enter.")


def _controls(c: Choices) -> dict[str, Any]:
    """The widgets, one per control, set to ``c``; every recompute waits for the slider's
    release or the box's Enter (``continuous_update=False``: each one takes a second)."""
    import ipywidgets as w

    lay = {"layout": w.Layout(width="auto"), "style": {"description_width": "10em"},
           "continuous_update": False}
    pick = {"layout": w.Layout(width="auto"), "style": {"description_width": "10em"}}
    return {
        "token": w.Dropdown(options=ALL_TOKENS.split(","), value=c.token, **pick),
        "preset": w.Dropdown(options=list(PRESETS), value=c.preset, **pick),
        # ten dollars to ten million over the page's width: a decade every ~130 px
        "budget_usd": w.FloatLogSlider(value=c.budget_usd, base=10, min=1, max=7, step=0.01,
                                       readout_format=",.0f", **lay),
        "balance": w.FloatText(value=c.balance, **lay),
        "apr": w.FloatSlider(value=c.apr, min=0, max=0.25, step=0.0025, readout_format=".2%",
                             **lay),
        "min_holding": w.FloatText(value=c.min_holding, **lay),
        "cap": w.FloatText(value=c.cap, **lay),
        "buffer_ratio": w.FloatSlider(value=c.buffer_ratio, min=0, max=1, step=0.01,
                                      readout_format=".0%", **lay),
        "shock_day": w.IntSlider(value=c.shock_day, min=1, max=c.days, **lay),
        "shock_fraction": w.FloatSlider(value=c.shock_fraction, min=0, max=1, step=0.01,
                                        readout_format=".0%", **lay),
        "unbonding": w.Text(value=c.unbonding, placeholder="the token's rule", **lay),
    }


class DriveError(ParameterError):
    """A ``drive`` the explorer cannot follow; shown in a notebook as its one line."""

    def _render_traceback_(self) -> list[str]:
        return [f"{type(self).__name__}: {self}"]


class Explorer:
    """ipywidgets controls for the fields of :class:`Choices`, redrawing on each change.

    Attributes
    ----------
    controls
        The widgets by :class:`Choices` field (labelled by :data:`LABELS`).
    message
        The line under the controls naming a refused value (empty when all is computed).
    sentences, chart
        What the last computed choices mean, in sentences, and their four panels (an
        ``Image`` widget of PNG bytes).
    widget
        The dashboard to display: the budget slider across the width, three columns of
        controls, the message, the sentences and the chart.
    last
        The last :func:`explore` result drawn (None before the first).
    """

    def __init__(self, choices: Choices | None = None) -> None:
        import ipywidgets as w

        c = choices or Choices()
        if c.token not in ALL_TOKENS.split(","):
            raise DriveError(f"must be a catalogue token ({ALL_TOKENS.replace(',', ', ')}), "
                             f"got {c.token!r}", param="token")
        self.choices = c
        self.controls = _controls(c)
        for k, ctl in self.controls.items():
            ctl.description = LABELS[k]
            ctl.add_class(f"softstake-{k}")
            ctl.observe(self._changed, names="value")
        self.message = w.HTML(layout=w.Layout(width="100%", min_height="1.5em"))
        self.message.add_class("softstake-message")
        self.sentences = w.HTML(layout=w.Layout(width="100%"))
        self.sentences.add_class("softstake-sentences")
        self.chart = w.Image(format="png", layout=w.Layout(width="100%", max_width="1100px",
                                                            height="auto"))
        self.chart.add_class("softstake-chart")
        column = {"width": "32%", "min_width": "330px", "margin": "0 1% 0 0"}
        columns = w.HBox([w.VBox([self.controls[k] for k in col], layout=w.Layout(**column))
                          for col in _COLUMNS], layout=w.Layout(width="100%",
                                                                flex_flow="row wrap"))
        note = w.HTML(f"<small>{_NOTE}</small>", layout=w.Layout(width="100%"))
        self.widget = w.VBox([self.controls["budget_usd"], columns, note, self.message,
                              self.sentences, self.chart],
                             layout=w.Layout(width="100%", max_width="1150px"))
        self.widget.add_class("softstake-explorer")
        self.last: Explored | None = None

    def _changed(self, _change: dict) -> None:
        self.update()

    def values(self) -> Choices:
        """The controls' current values as :class:`Choices`."""
        given = {k: ctl.value for k, ctl in self.controls.items()}
        keep = {f.name for f in fields(Choices)}
        return replace(self.choices, **{k: v for k, v in given.items() if k in keep})

    def _set(self, values: dict[str, object]) -> None:
        for k, v in values.items():
            ctl = self.controls[k]
            ctl.unobserve(self._changed, names="value")
            try:
                ctl.value = v
            finally:
                ctl.observe(self._changed, names="value")

    def drive(self, values: object) -> Explored | None:
        """Set controls as a person would (``{"token": "SOL", "cap": 50}``), then redraw once.

        Raises
        ------
        DriveError
            ``values`` is not a mapping, names no control, gives a control a value it
            cannot take, or one the package refuses (one line naming it).
        """
        from collections.abc import Mapping

        from traitlets import TraitError

        if not isinstance(values, Mapping):
            raise DriveError("must be a mapping of control names to values, e.g. "
                             f"{{'token': 'SOL'}}; got {type(values).__name__} {values!r}",
                             param="drive")
        unknown = sorted(str(k) for k in values if k not in self.controls)
        if unknown:
            raise DriveError(f"names no control {unknown}; the controls are "
                             f"{', '.join(self.controls)}", param="drive")
        try:
            self._set(dict(values))
        except TraitError as e:
            raise DriveError(f"gives a control a value it cannot take: {e}".splitlines()[0],
                             param="drive") from None
        result = self.update()
        if result is None:
            said = self.message.value.replace("<b>Not computed:</b> ", "")
            raise DriveError(f"is refused: {html.unescape(said)}", param="drive")
        return result

    def update(self, **values: object) -> Explored | None:
        """Set any controls from ``values`` (without redrawing for each), then recompute and
        redraw once. A choice the package refuses is said under the controls instead, and
        the chart keeps the last choices computed.

        Returns
        -------
        Explored or None
            The :func:`explore` result drawn, or None when the choices were refused.
        """
        self._set(values)
        try:
            result = explore(self.values())
        except SoftstakeError as e:
            param = getattr(e, "param", None)
            name = _PARAM_CONTROL.get(param, param)
            said = f"{LABELS[name]} {e.reason}" if name in LABELS else str(e)
            kept = " (the charts show the last choices computed)" if self.last else ""
            self.message.value = f"<b>Not computed:</b> {_escape(said)}{kept}"
            return None
        self.chart.value = png(figure(result))
        self.sentences.value = "<ul>" + "".join(f"<li>{_escape(x)}</li>"
                                                for x in result["lines"]) + "</ul>"
        self.message.value = ""
        self.last = result
        return result


def _escape(text: str) -> str:
    return html.escape(text, quote=False)
