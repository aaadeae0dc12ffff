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

from collections.abc import Callable
from typing import TypedDict

import pandas as pd

from .. import checks
from ..errors import ParameterError
from .ada import ada_epoch, ada_max_pool, ada_member_reward, ada_model
from .asof import as_of, naive_day
from .intervals import propagate
from .issuance import ISSUANCE_MODELS
from .params import USER_PARAMS, ChainParams, Param, fraction, net_of, read_params

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
    "egld_supply",
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
    network_apr: float | None  # the stakers' gross rate (None: no model on the date)
    net_apr: float | None  # after the validator's commission (TRX: the SR's brokerage)
    no_model: str  # "no model since DATE: why", where the chain has none on the date
    network_apr_low: float  # the interval the parameters' ranges give (.intervals)
    network_apr_high: float
    net_apr_low: float
    net_apr_high: float
    interval_level: float  # 0.9: the 5th to 95th percentile of the draws
    interval_params: list[str]  # the parameters varied
    schedule_ends: str | None  # where the known schedule ends (None: it does not)
    beyond_schedule: bool  # the date is past it
    schedule_note: str
    parameters: dict[str, dict]  # those the model read, with their provenance
    assumed: list[str]  # the names of those that are ``assumed``
    year: float  # SOL, EGLD, ALGO: the schedule year used
    adjusted_yield: float  # SOL: growth of the staked share of supply, net of dilution
    monetary_expansion: int  # ADA, lovelace an epoch (and treasury, reward_pot, reserves)
    treasury: int
    reward_pot: int
    reserves: int
    state: str  # ADA: the shipped epoch read, or how many epochs were projected
    max_inflation: float  # EGLD: the schedule's rate, and the total supply modelled
    supply: float
    rewards_rate: float  # APT: the maximum rewards rate in force
    epoch: int  # EGLD: epochs since genesis (ADA: the epoch); whether the tail applies
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


def _since(at: object, start: pd.Timestamp, what: str) -> pd.Timestamp:
    at = naive_day(at)
    if at < start:
        raise ParameterError(f"{at.date()} is before {what} {start.date()}", param="at")
    return at


def apt_rewards_rate(at: pd.Timestamp, p: ChainParams) -> float:
    """Maximum rewards rate in force at ``at``.

    AIP-30's 1.5 % relative decrease at every genesis anniversary down to 3.25 %; with
    ``aip119`` on, AIP-119's cuts as executed on chain (``aip119_cuts``: ``date:cut`` pairs,
    the anniversary decrease then applies to the cut rate), and from 2026-03-10 AIP-140's
    ``fixed_rate`` (2.6 %, frozen: its minimum equals it). ``aip119`` off gives AIP-30 alone.
    """
    genesis = p.date("genesis")
    at = _since(at, genesis, "Aptos genesis")
    if p.num("aip119") and "fixed_rate" in p:
        return p.num("fixed_rate")
    events = [(genesis + pd.DateOffset(years=n), 0.0)
              for n in range(1, at.year - genesis.year + 2)]
    if p.num("aip119"):
        for item in p.text("aip119_cuts").split(";"):
            day, _, cut = item.partition(":")
            events.append((pd.Timestamp(day), float(cut)))
    rate, floor, decrease = p.num("initial"), p.num("floor"), p.num("decrease")
    for when, cut in sorted(events):
        if when > at:
            break
        rate = max(floor, rate - cut if cut else rate * (1 - decrease))
    return rate


def egld_inflation(at: pd.Timestamp, p: ChainParams) -> tuple[float, float, int, int]:
    """``(annual_rate, simple_rate, year, epoch)`` at ``at``.

    Before the tail epoch, the year's maximum inflation from the mainnet table (year 1 = the
    first year after genesis; past the table, 0), paid on the *genesis* supply. From the
    tail epoch on, ``365 * ((1 + start) ** (1 / 365) - 1)`` a year on the previous epoch's
    supply, compounded per epoch, so that supply grows by ``start`` a year (its decay is not
    modelled: ``schedule_ends``).
    """
    genesis = p.date("genesis")
    days = (_since(at, genesis, "MultiversX genesis") - genesis).days
    epoch, year = days, days // 365 + 1
    if epoch >= p.num("tail_epoch"):
        start = p.num("tail_start_inflation")
        return start, 365 * ((1 + start) ** (1 / 365) - 1), year, epoch
    return _egld_rate(p, year), _egld_rate(p, year), year, epoch


def _egld_rate(p: ChainParams, year: int) -> float:
    name = f"max_inflation_y{year}"
    return p.num(name) if name in p else 0.0


def egld_supply(at: pd.Timestamp, p: ChainParams) -> float:
    """Total supply at ``at`` (EGLD): the genesis supply times ``1 +`` the yearly rates run
    to the date (or to the tail epoch), less the fees that replaced minting
    (``fee_shortfall``, accrued evenly to the tail epoch); from the tail epoch on, compounded
    at the tail rate."""
    genesis = p.date("genesis")
    days = (_since(at, genesis, "MultiversX genesis") - genesis).days
    tail = int(p.num("tail_epoch"))
    until = min(days, tail)
    full, part = divmod(until, 365)
    run = sum(_egld_rate(p, y) for y in range(1, full + 1)) + \
        _egld_rate(p, full + 1) * part / 365
    supply = p.num("genesis_supply") * (1 + run) - p.num("fee_shortfall") * until / tail
    if days > tail:
        supply *= (1 + p.num("tail_start_inflation")) ** ((days - tail) / 365)
    return supply


def near_inflation(at: pd.Timestamp, p: ChainParams) -> float:
    """Maximum annual inflation in force: the dated ``max_inflation`` row (5 %, 2.5 % from
    protocol 81 on 2025-10-28)."""
    return p.num("max_inflation")


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
    x uptime / staked fraction, plus the MEV tips and priority fees passed on."""
    if year is None:
        infl = sol_anchored_inflation(at, p)
        year = (at - p.date("start")).days / 365
    else:
        infl = sol_inflation(year, p.num("initial"), p.num("taper"), p.num("terminal"))
    sf = p.num("staked_fraction")
    gross = infl * (1 - p.num("foundation")) * p.num("uptime") / sf + p.num("mev_fee_yield")
    return {"inflation": infl, "year": year, "network_apr": gross, "net_apr": net_of(p, gross),
            "adjusted_yield": sol_adjusted_yield(infl, sf)}


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
    """The rewards rate in force (AIP-30, AIP-119's executed cuts, AIP-140) x proposal
    performance."""
    rate = apt_rewards_rate(at, p)
    gross = rate * p.num("performance")
    return {"inflation": None, "rewards_rate": rate, "network_apr": gross,
            "net_apr": net_of(p, gross)}


def _egld(p: ChainParams, at: pd.Timestamp, year: float | None) -> dict:
    """Issuance (the year's rate on the genesis supply; from the tail epoch the tail rate
    on the supply) x the stakers' share / (staked fraction x supply)."""
    rate, simple, yr, epoch = egld_inflation(at, p)
    tail = epoch >= p.num("tail_epoch")
    supply = egld_supply(at, p)
    share = 1 - p.num("protocol_sustainability")
    if tail:
        share -= p.num("ecosystem_growth") + p.num("growth_dividend")
        issuance = simple * supply
    else:
        issuance = rate * p.num("genesis_supply")
    gross = issuance * share / (p.num("staked_fraction") * supply)
    return {"inflation": issuance / supply, "max_inflation": rate, "year": yr,
            "epoch": epoch, "tail_inflation": tail, "supply": supply,
            "issuance_per_year": issuance, "network_apr": gross, "net_apr": net_of(p, gross)}


#: One model per chain (``generic``: issuance / staked, commission, fee yield).
MODELS: dict[str, ChainModel] = {"generic": _generic, "SOL": _sol, "ADA": ada_model, "TRX": _trx,
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


def chain_params(chain: str, overrides: dict[str, object] | None = None,
                 at: object = None) -> dict[str, Param]:
    """The parameters of ``chain`` (any spelling of one of :data:`CHAINS`) in force at ``at``
    (default today), ``generic`` ones it lacks and ``overrides`` laid over (marked
    ``user``); an unknown chain or parameter name is a :class:`ParameterError`
    (:func:`.params.read_params`)."""
    return read_params(_chain(chain), overrides, at)


#: Chains whose ``year`` is a date: genesis years (1 = the first) from ``genesis``.
_YEAR_AT = {
    "APT": lambda genesis, y: genesis + pd.DateOffset(years=int(y) - 1),
    "EGLD": lambda genesis, y: genesis + pd.Timedelta(days=365 * (int(y) - 1)),
}


def _no_model(p: ChainParams) -> str:
    """``no model since DATE: why`` (or ``before DATE``) from the chain's ``no_model`` row."""
    row = p.param("no_model")
    if row.valid_from:
        return f"no model since {row.valid_from}: {row.value}"
    if row.valid_to:
        return f"no model before {row.valid_to}: {row.value}"
    return f"no model: {row.value}"


def _user_model(chain: str, over: dict) -> bool:
    """The user gave every parameter the chain's model needs that no source states
    (:data:`.params.USER_PARAMS`): the model runs despite the ``no_model`` row."""
    need = USER_PARAMS.get(chain, ())
    return bool(need) and all(n in over for n in need)


def _schedule(p: ChainParams, when: pd.Timestamp) -> dict:
    """Where the known schedule ends, when the chain states it (``schedule_ends``)."""
    if "schedule_ends" not in p:
        return {"schedule_ends": None, "beyond_schedule": False}
    end = p.date("schedule_ends")
    out = {"schedule_ends": str(end.date()), "beyond_schedule": bool(when >= end)}
    if out["beyond_schedule"]:
        out["schedule_note"] = (f"past {end.date()} the published schedule is not modelled: "
                                f"{p.param('schedule_ends').source}")
    return out


def network_apr(
    chain: str,
    *,
    at: object = None,
    year: float | None = None,
    staked_fraction: float | None = None,
    commission: float | None = None,
    params: dict[str, object] | None = None,
    interval: bool = True,
) -> ChainResult:
    """The chain's inflation, network (gross) and net APR with their interval, and every
    parameter used.

    Parameters
    ----------
    chain
        One of :data:`CHAINS`.
    at
        Date the rates apply to (default today, UTC; the catalogue's figures are dated
        2025-11-19); it also picks each parameter's row in force (``valid_from``,
        ``valid_to``).
    year
        Years since the schedule's start, instead of ``at`` (SOL: slot-years; APT and EGLD:
        genesis years, 1 = the first, taken as that year's first day; ALGO: years of
        proposer payouts, 1 = the first; SUI: years of stake subsidy).
    staked_fraction, commission
        Shortcuts for the parameters of those names (TRX: ``commission`` sets its SR's
        ``brokerage``).
    params
        Other overrides, by name (see ``data/chain_params.csv``).
    interval
        Propagate the parameters' ranges (:func:`.intervals.propagate`); False skips it.

    Returns
    -------
    ChainResult
        ``chain``, ``at``, ``inflation`` (annual issuance / supply, None where the model has
        no supply), ``network_apr``, ``net_apr`` (both None, with ``no_model`` saying why,
        where the chain has no model on the date), ``network_apr_low/high`` and
        ``net_apr_low/high`` (the interval, with ``interval_level`` and
        ``interval_params``), ``schedule_ends`` and ``beyond_schedule``, ``parameters``
        (those the model read, with their provenance) and ``assumed`` (the names of those
        that are ``assumed``); ADA adds ``monetary_expansion``, ``treasury``, ``reward_pot``
        (lovelace) and ``state``; TRX, EGLD and the issuance chains (:mod:`.issuance`) add
        ``issuance_per_year`` (tokens a year paid to stakers), and the latter
        ``fees_per_year`` and ``stake`` (tokens).
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
    when = as_of(at)
    if year is not None and c in _YEAR_AT:
        when = _YEAR_AT[c](pd.Timestamp(str(read_params(c)["genesis"].value)), year)
        year = None
    p = ChainParams(c, read_params(c, over, when))
    out = ChainResult(chain=c, at=None if year is not None else str(when.date()))
    if "no_model" in p and not _user_model(c, over):
        out.update({"inflation": None, "network_apr": None, "net_apr": None,
                    "no_model": _no_model(p)})  # type: ignore[typeddict-item]
    else:
        out.update(MODELS[c](p, when, year))  # type: ignore[typeddict-item]
        if interval:
            out.update(propagate(MODELS[c], p, when, year, out))  # type: ignore
    out.update(_schedule(p, when))  # type: ignore[typeddict-item]
    out["parameters"] = p.used()
    out["assumed"] = p.assumed()
    return out
