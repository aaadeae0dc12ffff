"""Issuance models: chains whose stakers share an amount paid a year (SPEC §4).

Each of SUI, IOTA, ALGO, TON, POL, BNB, S, APE and AXS reduces to::

    network_apr = (issuance_per_year + fees_per_year) / stake
    net_apr     = network_apr * (1 - commission)

with ``issuance_per_year`` (tokens a year paid to stakers) from the chain's own schedule:

- SUI: the stake subsidy, ``subsidy_per_epoch * (1 - subsidy_decrease) ** k`` per daily
  distribution after ``k`` whole periods of ``subsidy_period`` distributions
  (``sui_system::stake_subsidy::advance_epoch``), plus a fee yield.
- IOTA: a fixed ``target_reward`` minted every epoch.
- ALGO: proposer payouts, ``bonus_base`` microALGO a round, kept at 99 % (integer division)
  every ``decay_interval`` rounds (go-algorand ``computeBonus``); a year is
  ``int(31,536,000 / round_seconds)`` rounds; plus the proposers' share of fees.
- TON: minting per masterchain and basechain block, plus fees, over the elector's stake.
- POL: a fraction of supply a year to validators (the emission manager: 3/5 of a 2.5 %
  mint), plus a fee yield.
- BNB: no issuance; gas fees only.
- S: Sonic's target rate, inversely proportional to the staked share:
  ``target_rate * target_staked / staked_fraction`` (3.5 % at 50 %, 7 % at 25 %).
- APE: the APE-only pool's 30 % of the programme year's allocation, until the pool was
  removed (a ``no_model`` row from then on).
- AXS: the staking revamp's rule, ``base_emission * (1 - cut) ** (whole 9-day periods
  since base_date)``, over ``staked``; no emission is sourced, so only with the user's
  ``--param base_emission=… base_date=… staked=…`` (otherwise the ``no_model`` row).

Every parameter is a row of ``data/chain_params.csv``.
"""

from __future__ import annotations

import math
from functools import cache

import pandas as pd

from ..errors import ParameterError
from .params import ChainParams, net_of

__all__ = ["ISSUANCE_CHAINS", "ISSUANCE_MODELS", "algo_bonus_paid", "algo_year_issuance",
           "axs_emission", "sui_subsidy"]


@cache
def _bonus_steps(base: int, steps: int, keep: int = 99) -> tuple[int, ...]:
    """The bonus after 0, 1, … decays, in microALGO (``floor(b * keep / 100)`` each time)."""
    out = [int(base)]
    while len(out) <= steps:
        out.append(out[-1] * keep // 100)
    return tuple(out)


def algo_bonus_paid(rounds: int, base: int = 10_000_000, interval: int = 1_000_000,
                    keep: int = 99) -> int:
    """microALGO paid as proposer bonus over rounds ``1..rounds`` of a plan starting at round 1.

    Round ``r`` pays the bonus decayed ``(r - 1) // interval`` times (the decay happens at
    the end of a round that is a multiple of ``interval``), exactly as go-algorand's
    ``TestFirstYearsBonus`` counts.
    """
    if rounds < 0 or interval < 1:
        raise ParameterError(f"rounds={rounds} and interval={interval} must be >= 0 and >= 1",
                             param="params")
    full, rem = divmod(int(rounds), int(interval))
    steps = _bonus_steps(int(base), full, int(keep))
    return sum(steps[:full]) * int(interval) + steps[full] * rem


def algo_year_issuance(year: int, round_seconds: float = 2.9, base: int = 10_000_000,
                       interval: int = 1_000_000, keep: int = 99) -> float:
    """ALGO paid as proposer bonus in year ``year`` (1 = the first) of the payouts."""
    if year < 1 or not round_seconds > 0:
        raise ParameterError(f"must be >= 1 (years from the start of payouts), got {year}",
                             param="year")
    per_year = int(31_536_000 / round_seconds)
    y = int(year)
    paid = algo_bonus_paid(y * per_year, base, interval, keep) - \
        algo_bonus_paid((y - 1) * per_year, base, interval, keep)
    return paid / 1e6


def sui_subsidy(distributions: int, initial: float, period: int, decrease: float) -> float:
    """The stake subsidy of the next distribution after ``distributions`` have been made."""
    if period < 1 or not 0 <= decrease <= 1:
        raise ParameterError("subsidy_period must be >= 1 and subsidy_decrease in [0, 1]",
                             param="params")
    return initial * (1 - decrease) ** (max(int(distributions), 0) // int(period))


def _shared(p: ChainParams, chain: str, issuance: float, fees: float, stake: float,
            **extra: object) -> dict:
    """``(issuance + fees) / stake`` and its net, with the amounts (tokens a year)."""
    if not stake > 0:
        raise ParameterError(f"the stake of {chain} must be positive, got {stake}",
                             param="params")
    supply = p.num("supply") if "supply" in p else None
    gross = (issuance + fees) / stake
    return {"inflation": issuance / supply if supply else None, "network_apr": gross,
            "net_apr": net_of(p, gross), "issuance_per_year": issuance,
            "fees_per_year": fees, "stake": stake, **extra}


def _sui(p: ChainParams, at: pd.Timestamp, year: float | None) -> dict:
    """The stake subsidy of the distribution in force x 365, plus a fee yield."""
    n = (at - p.date("subsidy_start")).days if year is None else int(round((year - 1) * 365))
    per_epoch = sui_subsidy(n, p.num("subsidy_per_epoch"), int(p.num("subsidy_period")),
                            p.num("subsidy_decrease"))
    stake = p.num("staked")
    return _shared(p, "SUI", per_epoch * 365, p.num("fee_yield") * stake, stake,
                   distributions=max(n, 0), subsidy_per_epoch=per_epoch)


def _iota(p: ChainParams, at: pd.Timestamp, year: float | None) -> dict:
    """A fixed reward minted every epoch."""
    return _shared(p, "IOTA", p.num("target_reward") * p.num("epochs_per_year"), 0.0,
                   p.num("staked"))


def _algo(p: ChainParams, at: pd.Timestamp, year: float | None) -> dict:
    """Proposer payouts in the payout year (go-algorand computeBonus), plus fees."""
    if year is None:
        start = p.date("payouts_start")
        days = (at - start).days
        if days < 0:
            raise ParameterError(f"{at.date()} is before Algorand's proposer payouts "
                                 f"({start.date()})", param="at")
        year = days // 365 + 1
    y = int(math.floor(year))
    issuance = algo_year_issuance(y, p.num("round_seconds"), int(p.num("bonus_base")),
                                  int(p.num("decay_interval")),
                                  int(round(100 * (1 - p.num("decay")))))
    return _shared(p, "ALGO", issuance, p.num("fees_per_year"), p.num("online_stake"), year=y)


def _ton(p: ChainParams, at: pd.Timestamp, year: float | None) -> dict:
    """Minting per masterchain and basechain block, plus fees, over the elector stake."""
    blocks = 31_536_000 / p.num("block_seconds")
    issuance = blocks * (p.num("masterchain_block_reward") + p.num("shards")
                         * p.num("basechain_block_reward"))
    return _shared(p, "TON", issuance, p.num("fees_per_year"), p.num("elector_stake"))


def _pol(p: ChainParams, at: pd.Timestamp, year: float | None) -> dict:
    """A fraction of supply a year to validators, plus a fee yield."""
    stake = p.num("staked")
    return _shared(p, "POL", p.num("validator_emission") * p.num("supply"),
                   p.num("fee_yield") * stake, stake)


def _fees_only(p: ChainParams, at: pd.Timestamp, year: float | None) -> dict:
    """BNB: gas fees (and any issuance given) over the stake."""
    return _shared(p, "BNB", p.num("issuance_per_year"), p.num("fees_per_year"),
                   p.num("staked"))


def _sonic(p: ChainParams, at: pd.Timestamp, year: float | None) -> dict:
    """S: the target rate scaled inversely with the staked share of supply; minted."""
    sf = p.num("staked_fraction")
    gross = p.num("target_rate") * p.num("target_staked") / sf
    return {"inflation": gross * sf, "network_apr": gross, "net_apr": net_of(p, gross),
            "issuance_per_year": None, "fees_per_year": None, "stake": None}


def _ape(p: ChainParams, at: pd.Timestamp, year: float | None) -> dict:
    """APE: the APE-only pool's share of the programme year's allocation over its stake."""
    return _shared(p, "APE", p.num("year_allocation") * p.num("ape_pool_share"), 0.0,
                   p.num("staked"))


def axs_emission(at: pd.Timestamp, base: float, base_date: pd.Timestamp, cut: float,
                 days: int) -> float:
    """The revamp's emission a year at ``at``: ``base * (1 - cut) ** k``, ``k`` the whole
    ``days``-day periods since ``base_date`` (0 before it)."""
    k = max((pd.Timestamp(at) - base_date).days, 0) // int(days)
    return base * (1 - cut) ** k


def _axs(p: ChainParams, at: pd.Timestamp, year: float | None) -> dict:
    """AXS: the revamp's 5 % cut every 9 days from a given emission, over a given stake."""
    issuance = axs_emission(at, p.num("base_emission"), p.date("base_date"), p.num("cut"),
                            int(p.num("cut_days")))
    return _shared(p, "AXS", issuance, 0.0, p.num("staked"))


#: The issuance chains' models, ``model(p, at, year) -> figures`` as in
#: :data:`~softstake_model.apr.chains.MODELS`.
ISSUANCE_MODELS = {"SUI": _sui, "IOTA": _iota, "ALGO": _algo, "TON": _ton, "POL": _pol,
                   "BNB": _fees_only, "S": _sonic, "APE": _ape, "AXS": _axs}
#: Chains modelled as issuance (and fees) shared by the stake.
ISSUANCE_CHAINS = tuple(ISSUANCE_MODELS)
