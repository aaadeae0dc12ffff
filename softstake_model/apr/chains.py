"""Network (gross) APR from protocol parameters, one small model per chain (SPEC §4).

:data:`MODELS` maps each chain to one function ``model(p, at, year) -> dict`` that reads its
parameters through :class:`~softstake_model.apr.params.ChainParams` and returns its
``inflation``, ``network_apr`` and ``net_apr`` (and figures of its own); :func:`network_apr`
is the one entry point. The parameters a result lists, and the ``assumed`` ones, are those
the model read. ``network_apr`` is the stakers' gross rate before the validator's
commission, ``net_apr`` after it; the exchange's spread is ``net_apr`` minus the APR it pays
users. The issuance chains' models are in :mod:`.issuance`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import TypedDict

import pandas as pd

from .. import checks
from ..errors import ParameterError
from .asof import as_of, naive_day
from .issuance import ISSUANCE_MODELS
from .params import ChainParams, Param, fraction, net_of, read_params

__all__ = [
    "CHAINS",
    "MODELS",
    "TOKEN_CHAIN",
    "ChainModel",
    "ChainResult",
    "chain_params",
    "generic_apr",
    "sol_inflation",
    "sol_anchored_inflation",
    "sol_adjusted_yield",
    "ada_epoch",
    "ada_max_pool",
    "ada_member_reward",
    "apt_rewards_rate",
    "egld_inflation",
    "near_inflation",
    "network_apr",
]

class ChainResult(TypedDict, total=False):
    """What :func:`network_apr` returns: rates are fractions a year, amounts tokens a year
    (ADA's lovelace an epoch); a chain gives the figures of its own model beside the rates.
    """

    chain: str
    at: str | None  # the as-of date, None when a schedule year was given
    inflation: float | None  # annual issuance / supply, None where there is no supply
    network_apr: float  # the stakers' gross rate
    net_apr: float  # after the validator's commission (TRX: the SR's brokerage)
    parameters: dict[str, dict]  # those the model read, with their provenance
    assumed: list[str]  # the names of those that are ``assumed``
    year: float  # SOL, EGLD, ALGO: the schedule year used
    adjusted_yield: float  # SOL: growth of the staked share of supply, net of dilution
    monetary_expansion: int  # ADA, lovelace an epoch (and treasury, reward_pot)
    treasury: int
    reward_pot: int
    rewards_rate: float  # APT: the maximum rewards rate in force
    epoch: int  # EGLD: epochs since genesis, and whether the tail inflation applies
    tail_inflation: bool
    issuance_per_year: float | None  # TRX and the issuance chains
    fees_per_year: float | None
    stake: float | None
    distributions: int  # SUI: subsidy distributions made, and the next one's amount
    subsidy_per_epoch: float


#: A chain model: ``(parameters, as-of date, schedule year or None) -> figures``.
ChainModel = Callable[[ChainParams, pd.Timestamp, float | None], dict]

#: The parameter the ``commission`` shortcut sets, where a chain calls it otherwise.
_COMMISSION = {"TRX": "brokerage"}


# --- formulas ------------------------------------------------------------------------------

def generic_apr(issuance: float, staked: float, commission: float = 0.0,
                fee_yield: float = 0.0) -> tuple[float, float]:
    """``(network_apr, net_apr)``: ``issuance / staked + fee_yield`` and
    ``issuance / staked * (1 - commission) + fee_yield`` (issuance and stake in tokens a year)."""
    if not staked > 0:
        raise ParameterError(f"staked={staked} must be positive", param="params")
    base = issuance / staked
    return base + fee_yield, base * (1 - commission) + fee_yield


def sol_inflation(year: float, initial: float = 0.08, taper: float = 0.15,
                  terminal: float = 0.015) -> float:
    """``max(terminal, initial * (1 - taper) ** year)``, ``year`` continuous from 0."""
    return max(terminal, initial * (1 - taper) ** year)


def sol_anchored_inflation(at: pd.Timestamp, p: ChainParams) -> float:
    """Inflation at ``at`` from a dated published rate: ``max(terminal, anchor_rate *
    (1 - taper) ** ((at - anchor_date) / 365 days))``; the taper runs in calendar time from
    the anchor, so slow slots before the anchor no longer matter."""
    years = (pd.Timestamp(at) - p.date("anchor_date")).days / 365
    return max(p.num("terminal"), p.num("anchor_rate") * (1 - p.num("taper")) ** years)


def sol_adjusted_yield(inflation: float, staked_fraction: float) -> float:
    """Solana's adjusted staking yield ``(1 + I / Ps) / (1 + I) - 1``: the growth of the
    staked share of supply, net of dilution."""
    return (1 + inflation / staked_fraction) / (1 + inflation) - 1


def _exact(value: Fraction | float) -> Fraction:
    return Fraction(str(value)) if isinstance(value, float) else Fraction(value)


def ada_epoch(reserves: int, fees: int, eta: Fraction | float, rho: Fraction | float = 0.003,
              tau: Fraction | float = 0.2) -> dict[str, int]:
    """One epoch's reward pot, in lovelace (exact integer arithmetic, as the ledger does).

    ``monetary_expansion = floor(min(1, eta) * rho * reserves)``, ``reward_pot = expansion +
    fees``, ``treasury = floor(tau * reward_pot)``, ``pools = reward_pot - treasury``.
    """
    eta_f, rho_f, tau_f = _exact(eta), _exact(rho), _exact(tau)
    if eta_f < 0 or int(reserves) < 0 or int(fees) < 0:
        raise ParameterError("reserves, fees and eta must be >= 0", param="params")
    expansion = math.floor(min(Fraction(1), eta_f) * rho_f * int(reserves))
    pot = expansion + int(fees)
    treasury = math.floor(tau_f * pot)
    return {"monetary_expansion": expansion, "reward_pot": pot, "treasury": treasury,
            "pools": pot - treasury}


def ada_max_pool(rewards: float, sigma: float, pledge: float, a0: float = 0.3,
                 k: int = 500) -> float:
    """Shelley ``maxPool``: the most a pool with stake share ``sigma`` and pledge share
    ``pledge`` can earn from ``rewards`` (cardano-ledger ``maxPool'``)::

        z0 = 1/k; s' = min(sigma, z0); p' = min(pledge, z0)
        R / (1 + a0) * (s' + p' * a0 * (s' - p' * (z0 - s') / z0) / z0)
    """
    z0 = 1.0 / k
    s, p = min(sigma, z0), min(pledge, z0)
    return rewards / (1 + a0) * (s + p * a0 * (s - p * (z0 - s) / z0) / z0)


def ada_member_reward(pool_reward: float, cost: float, margin: float,
                      member_share: float) -> float:
    """A member's reward: ``max(0, pool_reward - cost) * (1 - margin) * member_share``
    (``member_share`` = member stake / pool stake)."""
    return max(0.0, pool_reward - cost) * (1 - margin) * member_share


def _since(at: object, start: pd.Timestamp, what: str) -> pd.Timestamp:
    at = naive_day(at)
    if at < start:
        raise ParameterError(f"{at.date()} is before {what} {start.date()}", param="at")
    return at


def apt_rewards_rate(at: pd.Timestamp, p: ChainParams) -> float:
    """Maximum rewards rate in force at ``at``: AIP-30's 1.5 % relative decrease at every
    genesis anniversary down to 3.25 %, and, if ``aip119`` is on, its 0.25-point cuts on the
    listed 2025 dates (the anniversary decrease then applies to the cut rate)."""
    genesis = p.date("genesis")
    at = _since(at, genesis, "Aptos genesis")
    events = [(genesis + pd.DateOffset(years=n), "year")
              for n in range(1, at.year - genesis.year + 2)]
    step = 0.0
    if p.num("aip119"):
        events += [(pd.Timestamp(d), "cut") for d in p.text("aip119_cuts").split(";")]
        step = p.num("aip119_step")
    rate, floor, decrease = p.num("initial"), p.num("floor"), p.num("decrease")
    for when, kind in sorted(events):
        if when > at:
            break
        rate = max(floor, rate * (1 - decrease) if kind == "year" else rate - step)
    return rate


def egld_inflation(at: pd.Timestamp, p: ChainParams) -> tuple[float, float, int, int]:
    """``(annual_issuance, simple_rate, year, epoch)`` at ``at``.

    Before the tail epoch, the year's maximum inflation from the mainnet table (year 1 = the
    first year after genesis; past the table, 0). From the tail epoch on, mx-chain-go pays
    ``365 * ((1 + start) ** (1 / 365) - 1)`` a year, compounded per epoch, so that supply
    grows by ``start`` a year (its decay is not implemented yet).
    """
    genesis = p.date("genesis")
    days = (_since(at, genesis, "MultiversX genesis") - genesis).days
    epoch, year = days, days // 365 + 1
    if epoch >= p.num("tail_epoch"):
        start = p.num("tail_start_inflation")
        return start, 365 * ((1 + start) ** (1 / 365) - 1), year, epoch
    name = f"max_inflation_y{year}"
    rate = p.num(name) if name in p else 0.0
    return rate, rate, year, epoch


def near_inflation(at: pd.Timestamp, p: ChainParams) -> float:
    """Maximum annual inflation: 5 %, or 2.5 % from protocol 81 (2025-10-28)."""
    return p.num("max_inflation_p81") if naive_day(at) >= p.date("p81_date") \
        else p.num("max_inflation")


# --- one model per chain -------------------------------------------------------------------

def _generic(p: ChainParams, at: pd.Timestamp, year: float | None) -> dict:
    """issuance / staked (+ fee yield); net after commission on the issuance part."""
    for need in ("issuance", "staked"):
        if need not in p:
            raise ParameterError(f"of the generic model need {need}=... (tokens a year / "
                                 "tokens)", param="params")
    fee = p.num("fee_yield") if "fee_yield" in p else 0.0
    network, net = generic_apr(p.num("issuance"), p.num("staked"), p.num("commission"), fee)
    inflation = p.num("issuance") / p.num("supply") if "supply" in p else None
    return {"inflation": inflation, "network_apr": network, "net_apr": net}


def _sol(p: ChainParams, at: pd.Timestamp, year: float | None) -> dict:
    """Inflation (anchored to a dated rate, or the slot-year schedule) x (1 - foundation)
    x uptime / staked fraction."""
    if year is None:
        infl = sol_anchored_inflation(at, p)
        year = (at - p.date("start")).days / 365
    else:
        infl = sol_inflation(year, p.num("initial"), p.num("taper"), p.num("terminal"))
    sf = p.num("staked_fraction")
    gross = infl * (1 - p.num("foundation")) * p.num("uptime") / sf
    return {"inflation": infl, "year": year, "network_apr": gross, "net_apr": net_of(p, gross),
            "adjusted_yield": sol_adjusted_yield(infl, sf)}


def _ada(p: ChainParams, at: pd.Timestamp, year: float | None) -> dict:
    """The epoch pot less the treasury, x distribution efficiency / active stake x epochs
    a year (exact integer arithmetic for the pot)."""
    ep = ada_epoch(int(p.exact("reserves")), int(p.exact("fees")), p.exact("eta"),
                   p.exact("rho"), p.exact("tau"))
    per_year = p.num("epochs_per_year")
    gross = ep["pools"] * p.num("distribution_efficiency") / p.num("active_stake") * per_year
    return {"inflation": ep["monetary_expansion"] * per_year / p.num("total_supply"),
            "network_apr": gross, "net_apr": net_of(p, gross),
            **{k: ep[k] for k in ("monetary_expansion", "treasury", "reward_pot")}}


def _trx(p: ChainParams, at: pd.Timestamp, year: float | None) -> dict:
    """(block + voting reward) x blocks a day x 365 / total votes; net after brokerage."""
    issuance = (p.num("block_reward") + p.num("voting_reward")) * p.num("blocks_per_day") * 365
    gross = issuance / p.num("total_votes")
    return {"inflation": issuance / p.num("total_supply"), "network_apr": gross,
            "net_apr": net_of(p, gross, "brokerage"), "issuance_per_year": issuance}


def _near(p: ChainParams, at: pd.Timestamp, year: float | None) -> dict:
    """Maximum inflation in force x (1 - treasury) x uptime / staked fraction."""
    infl = near_inflation(at, p)
    gross = infl * (1 - p.num("treasury")) * p.num("uptime") / p.num("staked_fraction")
    return {"inflation": infl, "network_apr": gross, "net_apr": net_of(p, gross)}


def _apt(p: ChainParams, at: pd.Timestamp, year: float | None) -> dict:
    """AIP-30's rewards rate (with AIP-119's cuts) x proposal performance."""
    out: dict = {}
    if year is not None:
        at = p.date("genesis") + pd.DateOffset(years=int(year) - 1)
        out["at"] = str(at.date())
    rate = apt_rewards_rate(at, p)
    gross = rate * p.num("performance")
    return {**out, "inflation": None, "rewards_rate": rate, "network_apr": gross,
            "net_apr": net_of(p, gross)}


def _egld(p: ChainParams, at: pd.Timestamp, year: float | None) -> dict:
    """The year's maximum (or tail) inflation x the stakers' share / staked fraction."""
    out: dict = {}
    if year is not None:
        at = p.date("genesis") + pd.Timedelta(days=365 * (int(year) - 1))
        out["at"] = str(at.date())
    annual, simple, yr, epoch = egld_inflation(at, p)
    tail = epoch >= p.num("tail_epoch")
    share = 1 - p.num("protocol_sustainability")
    if tail:
        share -= p.num("ecosystem_growth") + p.num("growth_dividend")
    gross = simple * share / p.num("staked_fraction")
    return {**out, "inflation": annual, "year": yr, "epoch": epoch, "tail_inflation": tail,
            "network_apr": gross, "net_apr": net_of(p, gross)}


#: One model per chain (``generic``: issuance / staked, commission, fee yield).
MODELS: dict[str, ChainModel] = {"generic": _generic, "SOL": _sol, "ADA": _ada, "TRX": _trx,
                                 "NEAR": _near, "APT": _apt, "EGLD": _egld, **ISSUANCE_MODELS}
CHAINS = tuple(MODELS)
#: Catalogue tokens and their protocol model (all fifteen).
TOKEN_CHAIN = {c: c for c in CHAINS if c != "generic"}


def _chain(chain: str) -> str:
    c = chain.strip()
    c = "generic" if c.lower() == "generic" else c.upper()
    if c not in MODELS:
        raise ParameterError(f"'{chain}' has no model; choose one of {', '.join(CHAINS)}",
                             param="chain")
    return c


def chain_params(chain: str, overrides: dict[str, object] | None = None) -> dict[str, Param]:
    """The parameters of ``chain`` (any spelling of one of :data:`CHAINS`), ``generic``
    ones it lacks and ``overrides`` laid over (marked ``user``); an unknown chain or
    parameter name is a :class:`ParameterError` (:func:`.params.read_params`)."""
    return read_params(_chain(chain), overrides)


def network_apr(
    chain: str,
    *,
    at: object = None,
    year: float | None = None,
    staked_fraction: float | None = None,
    commission: float | None = None,
    params: dict[str, object] | None = None,
) -> ChainResult:
    """The chain's inflation, network (gross) and net APR, with every parameter used.

    Parameters
    ----------
    chain
        One of :data:`CHAINS`.
    at
        Date the rates apply to (default today, UTC; the catalogue's figures are dated
        2025-11-19).
    year
        Years since the schedule's start, instead of ``at`` (SOL: slot-years; APT and EGLD:
        genesis years, 1 = the first; ALGO: years of proposer payouts, 1 = the first; SUI:
        years of stake subsidy).
    staked_fraction, commission
        Shortcuts for the parameters of those names (TRX: ``commission`` sets its SR's
        ``brokerage``).
    params
        Other overrides, by name (see ``data/chain_params.csv``).

    Returns
    -------
    ChainResult
        ``chain``, ``at``, ``inflation`` (annual issuance / supply, None where the model has
        no supply), ``network_apr``, ``net_apr``, ``parameters`` (those the model read, with
        their provenance) and ``assumed`` (the names of those that are ``assumed``); ADA
        adds ``monetary_expansion``, ``treasury``, ``reward_pot`` (lovelace); TRX and the
        issuance chains (:mod:`.issuance`) add ``issuance_per_year`` (tokens a year paid to
        stakers), and the latter ``fees_per_year`` and ``stake`` (tokens).
    """
    checks.chain_request(year, params)
    c = _chain(chain)
    over = dict(params or {})
    if staked_fraction is not None:
        over["staked_fraction"] = fraction("staked_fraction", staked_fraction)
    if commission is not None:
        over[_COMMISSION.get(c, "commission")] = fraction("commission", commission)
    if at is not None and year is not None:
        raise ParameterError("cannot be combined with at: give one of them", param="year")
    p = ChainParams(c, read_params(c, over))
    when = as_of(at)
    out = ChainResult(chain=c, at=None if year is not None else str(when.date()))
    out.update(MODELS[c](p, when, year))  # type: ignore[typeddict-item]
    out["parameters"] = p.used()
    out["assumed"] = p.assumed()
    return out
