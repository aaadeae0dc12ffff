"""The cost of a cap: what a token's minimum and cap cost the platform, who earns, and
what is left of the on-chain yield.

:class:`CapQuestion` is the question, every field a documented parameter (:mod:`spec`):
the ``softstake caps`` options and the caps report's parameters are derived from it.
:func:`cap_cost` answers it — the one entry point both shells call — through
:func:`~softstake_model.product.token_rule` and :func:`~softstake_model.caps.caps_summary`,
and returns a :class:`CapCost`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from . import spec
from .apr import apr_table
from .apr.intervals import sign_word
from .caps import (
    CapModel,
    CapsSummary,
    caps_summary,
    holder_rewards,
    platform_margin,
    read_balances,
    sample_population,
)
from .errors import ParameterError
from .population import calibrate, cap_difference, population_figures
from .product import (
    RuleQuestion,
    TokenRule,
    product_catalog,
)
from .spec import param
from .staleness import value_source
from .terms import Terms

__all__ = ["CapQuestion", "CapCost", "cap_cost", "DEFAULT_POPULATION_USD", "round_grid"]

#: Holder balances in USD: mostly lognormal (median about 150 USD) with a Pareto tail of
#: large holders from 20,000 USD (assumed: no exchange publishes its balance distribution).
DEFAULT_POPULATION_USD = "0.95*lognormal:5,1.8+0.05*pareto:20000,1.2"
@dataclass(frozen=True)
class CapQuestion(RuleQuestion):
    """What the platform asks of one token's minimum and cap: the rule (the fields of
    :class:`~softstake_model.product.RuleQuestion`), the holders and the platform's side
    (each field below).

    The holders come from one of ``balances`` (a file), ``population`` (in tokens) or
    ``population_usd`` (in USD, at the token's price): a file or a population in tokens
    takes the place of the USD population. With ``book`` a sampled population is scaled so
    that its ``holders`` hold exactly the book (its shape stays; its scale is the book's).
    """

    population_usd: str | None = param(DEFAULT_POPULATION_USD, doc="Holder balances in USD "
                                       "(lognormal:MU,SIGMA, pareto:XM,ALPHA or W*A+W*B "
                                       "mixtures), converted at the token's price.",
                                       kind="text", optional=True, metavar="SPEC",
                                       source="assumed: no exchange publishes its holders")
    population: str | None = param(None, doc="Holder balances in tokens instead, in the "
                                   "same grammar.", kind="text", optional=True, metavar="SPEC")
    balances: str | None = param(None, doc="CSV with a 'balance' column (tokens) instead of "
                                 "a population.", kind="text", optional=True, metavar="FILE")
    holders: int | None = param(200_000, doc="Holders sampled from the population (unused "
                                "with a balances file).", unit="holders", kind="whole",
                                low=10, high=10_000_000, optional=True, metavar="N")
    seed: int = param(0, doc="Seed of the sampled population.", kind="whole", low=0,
                      metavar="S")
    book: float | None = param(None, doc="Tokens in users' accounts: the sampled population "
                               "is scaled so that its holders hold exactly this (the "
                               "population's shape stays; none: its own scale).",
                               unit="tokens", low=0, low_open=True, optional=True,
                               metavar="TOKENS")
    other_cap: float | None = param(None, doc="A cap to compare with: the daily cost at the "
                                    "cap less the cost at this one, with a bootstrap "
                                    "interval over holders.", unit="tokens", low=0,
                                    low_open=True, optional=True, metavar="Y")
    budget: float | None = param(None, doc="Daily reward budget: also find the largest cap "
                                 "whose daily cost fits it.", unit="tokens a day", low=0,
                                 optional=True, metavar="DAILY_COST")
    cap_step: float = param(0.01, doc="Resolution of the cap search.", unit="tokens", low=0,
                            low_open=True, metavar="X")
    network_apr: float | None = param(None, doc="On-chain APR of the staked part (none: the "
                                      "chain model's net APR, where there is one).",
                                      unit="fraction per year", kind="rate", optional=True,
                                      metavar="RATE")
    buffer_ratio: float = param(0.1, doc="Liquid share of balances, not staked.",
                                unit="share of balances", kind="ratio", flag="--buffer",
                                metavar="R", source="assumed")
    sweep_points: int = param(60, doc="Caps and minimums in the sweeps, at round values (at "
                              "least this many up to ten a decade).", unit="points",
                              kind="whole", low=5, high=1000, metavar="N")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.balances is not None and self.population is not None:
            raise ParameterError("give a population or a balances file, one of them",
                                 param="population")
        if self.balances is not None or self.population is not None:
            object.__setattr__(self, "population_usd", None)
        if self.balances is not None:
            object.__setattr__(self, "holders", None)
        elif self.population_usd is None and self.population is None:
            raise ParameterError("give a population (in USD or in tokens) or a balances file",
                                 param="population")
        elif self.holders is None:
            raise ParameterError("is needed with a population", param="holders")
        if self.book is not None and self.balances is not None:
            raise ParameterError("scales a sampled population: a balances file is the book "
                                 "itself", param="book")
        if self.population_usd is not None and self.token is None:
            raise ParameterError("needs a token's price: give a token, a population in "
                                 "tokens or a balances file", param="population_usd")

    def holder_balances(self, rule: TokenRule) -> NDArray[np.float64]:
        """The holders' balances, tokens: read, or sampled (``seed``) and, for a population
        in USD, converted at the token's price; with ``book``, scaled to it."""
        if self.balances is not None:
            return read_balances(self.balances)
        if self.population is not None:
            b = sample_population(self.population, self.holders, self.seed)
        elif self.book is not None:  # only the shape is used: no price needed
            b = sample_population(self.population_usd, self.holders, self.seed)
        elif rule.price_usd is None:
            raise ParameterError(f"needs a price: {rule.token} has none in the catalogue",
                                 param="population_usd")
        else:
            b = sample_population(self.population_usd, self.holders, self.seed) / \
                rule.price_usd
        return calibrate(b, self.book) if self.book is not None else b


@dataclass
class CapCost:
    """The answer to a :class:`CapQuestion` (what :func:`cap_cost` returns).

    Attributes
    ----------
    rule, terms
        The rule and product terms the figures ran with.
    balances, rewards
        Each holder's balance and daily reward (tokens, truncated as paid).
    summary
        The figures as the command prints them: :func:`~softstake_model.caps.caps_summary`
        (``holders``, ``earning_share``, ``eligible_share``, ``daily_cost`` in tokens a
        day, ``gini``, ``cost_by_percentile``, ``effective_apr_by_percentile``, ``terms``,
        the budget's cap, ``assumed``), ``daily_cost_usd`` at the token's price,
        ``network_apr``, ``spread`` (network APR less the APR paid), ``margin`` (at the
        current cap and ``buffer_ratio``: ``onchain_yield``, ``rewards_paid``, ``margin``
        in tokens a day, ``margin_apr``) and ``parameters`` (every value of the question).
    network_apr
        The on-chain APR used (given, or the chain model's net APR), or None.
    margin
        :func:`~softstake_model.caps.platform_margin` over buffer ratios and the swept caps,
        or None without a network APR.
    cap_sweep, min_sweep
        :meth:`~softstake_model.caps.CapModel.metrics` over caps (minimum held) and over
        minimums (cap held).
    as_of, flags, apr_confidence
        The date of the token's APR, the chain model's flags ("" if none) and the
        catalogue's confidence in the APR (``user`` for an APR given).
    apr_source
        Where the APR came from (:func:`~softstake_model.staleness.value_source`:
        ``fetched 2026-11-30 binance``, ``shipped 2025-07-01 (weak)`` or ``user``).
    difference
        With ``other_cap``: the cost at the cap less the cost at ``other_cap``, with its
        bootstrap interval over holders (:func:`~softstake_model.population.cap_difference`).
    """

    rule: TokenRule
    terms: Terms
    balances: NDArray[np.float64]
    rewards: NDArray[np.float64]
    summary: CapsSummary
    cap_sweep: pd.DataFrame
    min_sweep: pd.DataFrame
    network_apr: float | None = None
    margin: pd.DataFrame | None = None
    as_of: str | None = None
    flags: str = ""
    apr_confidence: str = "user"
    apr_source: str = "user"
    difference: Any = None


#: Mantissas of round sweep values, coarsest first: 1-2-5, then finer series.
ROUND_SERIES = ((1, 2, 5), (1, 1.5, 2, 3, 5, 7), (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8))


def round_grid(low: float, high: float, points: int, keep: float | None = None
               ) -> NDArray[np.float64]:
    """Round values from ``low`` to ``high``: the coarsest series of :data:`ROUND_SERIES`
    with at least ``points`` values in the range (the finest when none has), and ``keep``
    (the current value) among them.

    Examples
    --------
    >>> round_grid(0.1, 10, 5).tolist()
    [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0]
    >>> round_grid(1, 100, 3, keep=37.5).tolist()
    [1.0, 2.0, 5.0, 10.0, 20.0, 37.5, 50.0, 100.0]
    """
    decades = np.arange(np.floor(np.log10(low)) - 1, np.ceil(np.log10(high)) + 1)
    for series in ROUND_SERIES:
        values = np.array([float(f"{m * 10.0 ** d:.6g}") for d in decades for m in series])
        values = values[(values >= low * (1 - 1e-9)) & (values <= high * (1 + 1e-9))]
        if len(values) >= points:
            break
    if keep is not None and np.isfinite(keep):
        values = np.append(values, keep)
    return np.unique(values)


def _sweeps(model: CapModel, rule: TokenRule, points: int
            ) -> tuple[NDArray[np.float64], pd.DataFrame, pd.DataFrame]:
    """Caps from below the minimum to ten times the cap (or the largest balances), and
    minimums from a hundredth to a hundred times the current one, at round values
    (:func:`round_grid`; the current cap and minimum among them)."""
    mn, cap = rule.min_holding, rule.cap
    top = float(np.quantile(model.balances, 0.999))
    if np.isfinite(cap):  # the current cap sits inside the sweep, with room on both sides
        top = max(top, cap * 10)
    caps = round_grid(max(min(mn, cap / 10), 1e-3), max(top, mn * 10, 1e-2), points, cap)
    mins = round_grid(max(mn / 100, 1e-4), max(mn * 100, 1e-2), points, mn)
    return caps, model.metrics(caps, mn), model.metrics(np.full_like(mins, cap), mins)


def _network(q: CapQuestion, rule: TokenRule) -> dict[str, Any]:
    """``network_apr`` (given, or the chain model's net APR), ``as_of`` (the APR's date),
    ``flags`` (the chain model's), ``apr_confidence`` (``user`` for an APR given) and
    ``assumed`` (the chain model's assumed inputs, when its APR is used, or "")."""
    out: dict[str, Any] = {"network_apr": q.network_apr, "as_of": None, "flags": "",
                           "apr_confidence": "user", "apr_source": "user", "assumed": "",
                           "net_low": None, "net_high": None, "no_model": ""}
    if rule.token is None:
        return out
    cat = product_catalog(q.catalog, [rule.token])
    row, t = apr_table(cat).set_index("token").loc[rule.token], cat.loc[rule.token]
    date = next((t[c] for c in ("apr_date", "apr_as_of", "as_of") if c in t.index
                 and not pd.isna(t[c])), None)
    out["as_of"] = None if date is None else str(date)
    out["flags"] = "" if pd.isna(row.get("flags", "")) else str(row.get("flags", ""))
    if q.apr is None:
        out["apr_confidence"] = str(t["apr_confidence"])
        out["apr_source"] = value_source(t, "apr")
    if q.network_apr is None and not pd.isna(row["net_apr"]):
        out["network_apr"] = float(row["net_apr"])
        out["net_low"] = float(row["spread_low"] + row["apr"])  # the model's interval
        out["net_high"] = float(row["spread_high"] + row["apr"])
    if q.network_apr is None:
        out["no_model"] = "" if pd.isna(row["no_model"]) else str(row["no_model"])
        out["assumed"] = (f"network APR from the {rule.token} chain model: "
                          f"{row['assumed'] or 'no assumed inputs'}")
    return out


def _spread_interval(known: dict[str, Any], apr: float) -> dict[str, Any]:
    """``spread_low``, ``spread_high`` (the chain model's net APR interval less ``apr``;
    None for a network APR given), ``spread_sign`` (``positive``, ``negative`` or
    ``unknown`` when the interval straddles 0) and ``no_model`` (why the chain has no
    network APR, or "")."""
    low, high = known["net_low"], known["net_high"]
    if low is None or high is None:
        return {"spread_low": None, "spread_high": None, "spread_sign": None,
                "no_model": known["no_model"]}
    return {"spread_low": low - apr, "spread_high": high - apr,
            "spread_sign": sign_word(low - apr, high - apr), "no_model": ""}


def cap_cost(q: CapQuestion) -> CapCost:
    """Answer the platform's question: the one entry point of ``softstake caps`` and of the
    caps report.

    Returns
    -------
    CapCost
        Its ``summary`` carries ``parameters``: every value of ``q``, defaults included.
    """
    terms = q.terms()
    rule = q.rule(terms)
    if q.other_cap is not None and q.other_cap < rule.min_holding:
        of = f" of {rule.token}" if rule.token else ""
        raise ParameterError(f"{q.other_cap:g} is below the minimum {rule.min_holding:g}{of}: "
                             "nothing could earn under it", param="other_cap")
    balances = q.holder_balances(rule)
    out = caps_summary(balances, rule, terms, budget=q.budget, cap_step=q.cap_step)
    model = CapModel(balances, rule.apr, terms)
    caps, cap_sweep, min_sweep = _sweeps(model, rule, q.sweep_points)
    known = _network(q, rule)
    net, line = known["network_apr"], known["assumed"]
    res = CapCost(rule, terms, balances, holder_rewards(balances, rule.apr, rule.min_holding,
                                                        rule.cap, terms),
                  out, cap_sweep, min_sweep, net, None, known["as_of"], known["flags"],
                  known["apr_confidence"], known["apr_source"])
    if rule.price_usd is not None:
        out["daily_cost_usd"] = out["daily_cost"] * rule.price_usd
    out["network_apr"] = net
    out["spread"] = None if net is None else net - rule.apr
    out.update(_spread_interval(known, rule.apr))
    if net is not None:
        res.margin = platform_margin(model, net, sorted({0.0, 0.05, q.buffer_ratio, 0.2}),
                                     caps, rule.min_holding)
        now = platform_margin(model, net, [q.buffer_ratio], [rule.cap], rule.min_holding)
        out["margin"] = {k: float(v) for k, v in now.iloc[0].items()}
        if line:
            out.setdefault("assumed", []).append(line)
    out["population"] = {**population_figures(balances, rule.price_usd), "book": q.book}
    if q.other_cap is not None:
        res.difference = cap_difference(balances, rule.apr, rule.min_holding, rule.cap,
                                        q.other_cap, terms, book=q.book, seed=q.seed)
        d = res.difference
        out["cap_difference"] = {"cap": d.cap, "other_cap": d.other_cap,
                                 "daily_cost_difference": d.difference, "low": d.low,
                                 "high": d.high, "confidence": d.confidence,
                                 "holders_between": d.holders_between}
    out["parameters"] = spec.values(q)
    return res
