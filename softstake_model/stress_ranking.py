"""Tokens ranked by liquidity risk on one stress question (the ``liquidity_stress`` report).

:func:`stress_ranking` answers the same :class:`~softstake_model.stress_question.
StressQuestion` for several tokens through :func:`~softstake_model.stress.run_stress` (the
i-th token with seed ``seed + i``), ranks them (:func:`rank_tokens`), repeats the ranking
at other price links (:func:`price_link_sensitivity`, with several tokens; there each
token asks only what ranks, :func:`rank_figures`), each token keeping its paths, and tries
the riskiest token's buffer under other run models
(:func:`~softstake_model.stress_parts.run_model_sensitivity`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from .liquidity import simulate, withdrawal_rates
from .liquidity.search import MissedPaths, bisect_buffers
from .liquidity.state import check_memory
from .product import product_catalog
from .stress import StressReport, question_scenario, run_stress, token_volatility
from .stress_parts import run_model_sensitivity
from .stress_question import StressQuestion

__all__ = ["StressRanking", "stress_ranking", "rank_tokens", "rank_figures",
           "price_link_sensitivity", "sensitivity_links"]


@dataclass(frozen=True)
class StressRanking:
    """Result of :func:`stress_ranking`.

    Attributes
    ----------
    question
        The question every token was asked (token left out; the i-th token's seed is
        ``seed + i``).
    tokens
        The tokens, in the order given.
    answers
        Each token's :class:`~softstake_model.stress.StressReport`, by token.
    ranking
        One row per token (:meth:`~softstake_model.stress.StressReport.row`), riskiest
        first.
    sensitivity
        Each token's rank and buffer at the links of :func:`sensitivity_links` (None with
        one path or one token).
    run_model
        The riskiest token's buffer needed under other run models and price links
        (:func:`~softstake_model.stress_parts.run_model_sensitivity`; None with one path).
    catalog
        The catalogue the tokens' rules and volatilities came from.
    """

    question: StressQuestion
    tokens: list[str]
    answers: dict[str, StressReport]
    ranking: pd.DataFrame
    sensitivity: pd.DataFrame | None
    catalog: pd.DataFrame
    run_model: pd.DataFrame | None = None

    @property
    def riskiest(self) -> StressReport:
        """The first-ranked token's answer."""
        return self.answers[self.ranking.iloc[0]["token"]]


def rank_tokens(rows: list[dict] | pd.DataFrame) -> pd.DataFrame:
    """Tokens from riskiest: by the buffer needed (none enough counts as more than 100 %),
    then P(delay), then the shock run's longest delay."""
    t = pd.DataFrame(rows)
    key = t["buffer_needed"].astype(float).fillna(np.inf)
    order = pd.DataFrame({"b": key, "p": t["p_delay"], "d": t["shock_max_delay_days"]})
    idx = order.sort_values(["b", "p", "d"], ascending=False, kind="stable").index
    return t.loc[idx].reset_index(drop=True)


def sensitivity_links(price_link: float) -> list[float]:
    """The price links the ranking is repeated at: 0, the question's and twice it (0.2 when
    it is 0)."""
    return sorted({0.0, price_link, 2 * price_link if price_link else 0.2})


def _base(question: StressQuestion) -> StressQuestion:
    """The question itself (a report's parameters add fields of their own)."""
    if type(question) is StressQuestion:
        return question
    return StressQuestion(**{f.name: getattr(question, f.name)
                             for f in dataclasses.fields(StressQuestion)})


def _answers(question: StressQuestion, tokens: list[str], catalog: pd.DataFrame,
             interval: bool) -> dict[str, StressReport]:
    question = _base(question)
    return {t: run_stress(replace(question, token=t, seed=question.seed + i),
                          catalogue=catalog, interval=interval)
            for i, t in enumerate(tokens)}


def rank_figures(question: StressQuestion, *, catalogue: pd.DataFrame | None = None
                 ) -> dict[str, Any]:
    """The figures tokens are ranked by, alone: what the ranking at another price link needs.

    The same numbers as ``run_stress(question, catalogue=catalogue, interval=False).row()``
    has under these keys, without the rest of that answer (the delay percentiles and their
    bootstrap, the buffer the scenario alone needs, the summary): P(delay) is read from one
    run of the paths at the question's buffer (the buffer search's run, the same test as
    :func:`~softstake_model.stress.delayed`), the buffer needed is the search's.

    Parameters
    ----------
    question
        The question (with a token, or an unbonding rule).
    catalogue
        As for :func:`~softstake_model.stress.run_stress`.

    Returns
    -------
    dict
        ``token``, ``buffer_needed`` (share of balances; None when even a full buffer
        misses the target), ``p_delay`` (share of paths) and ``shock_max_delay_days``
        (days, the scenario alone).
    """
    q = question
    _, row, params = question_scenario(q, catalogue)
    model = q.runs(token_volatility(q, row)) if q.paths > 1 else None
    scenario = withdrawal_rates(params)  # the scheduled withdrawals alone: one path
    shock = simulate(params, scenario)
    if model is None and q.paths == 1:
        rates = scenario
    else:
        check_memory(q.days, q.paths)
        rates = withdrawal_rates(params, q.paths, q.seed, model)
    missed = MissedPaths(params, rates, q.max_delay_days)
    bad = int(missed.missed([params.buffer_ratio])[0].sum())
    found = bisect_buffers(missed, [q.alpha], [q.tolerance])[0]
    return {"token": q.token, "buffer_needed": found, "p_delay": bad / missed.paths,
            "shock_max_delay_days": float(shock.metrics.iloc[0]["max_delay_days"])}


def price_link_sensitivity(question: StressQuestion, tokens: list[str], links: list[float],
                           known: dict[float, list[dict]] | None = None,
                           catalog: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each token's rank (1 = riskiest) and buffer needed under several price links.

    Parameters
    ----------
    question
        The question (its ``price_link`` is replaced by each link).
    tokens
        Catalogue tokens; the i-th is run with seed ``seed + i``, so each token sees the
        same random paths at every link.
    links
        Price-link values (extra withdrawal share per unit of new log drawdown).
    known
        Ranking rows already computed, by link (not run again).
    catalog
        The catalogue (default: the shipped one with the question's ``catalog`` over it).

    Returns
    -------
    DataFrame
        ``token``, then for each link ``rank@L`` and ``buffer@L``.
    """
    cat = catalog if catalog is not None else product_catalog(question.catalog)
    out = pd.DataFrame({"token": tokens})
    base = _base(question)
    for link in links:
        rows = (known or {}).get(link) or [  # the ranking's figures only (rank_figures)
            rank_figures(replace(base, token=t, seed=base.seed + i, price_link=link),
                         catalogue=cat) for i, t in enumerate(tokens)]
        ranked = rank_tokens(rows)
        ranks = dict(zip(ranked["token"], range(1, len(ranked) + 1), strict=True))
        buffers = dict(zip(ranked["token"], ranked["buffer_needed"], strict=True))
        out[f"rank@{link:g}"] = out["token"].map(ranks)
        out[f"buffer@{link:g}"] = out["token"].map(buffers)
    return out


def stress_ranking(question: StressQuestion, tokens: list[str]) -> StressRanking:
    """The question answered for each of ``tokens``, ranked, with the ranking's sensitivity
    to the price link (with more than one path and token) and the riskiest token's buffer
    under other run models (with more than one path)."""
    cat = product_catalog(question.catalog)  # the history store laid over, if there is one
    answers = _answers(question, tokens, cat, interval=True)
    rows = [a.row() for a in answers.values()]
    sensitivity = None
    if question.paths > 1 and len(tokens) > 1:
        sensitivity = price_link_sensitivity(question, tokens,
                                             sensitivity_links(question.price_link),
                                             {question.price_link: rows}, cat)
        sensitivity = sensitivity.sort_values(f"rank@{question.price_link:g}",
                                              ignore_index=True)
    ranking = rank_tokens(rows)
    run_model = None
    if question.paths > 1:
        top = answers[ranking.iloc[0]["token"]]
        run_model = run_model_sensitivity(top.question, top.unbonding, top.volatility)
    return StressRanking(question=_base(question), tokens=list(tokens),
                         answers=answers, ranking=ranking, sensitivity=sensitivity,
                         catalog=cat, run_model=run_model)
