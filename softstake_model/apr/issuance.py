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
- POL: a fraction of supply a year to validators (the emission manager), plus a fee yield.
- BNB: no issuance; gas fees only.
- S: Sonic's reward rate on stake.
- APE, AXS: their staking programmes' emissions.

Every parameter is a row of ``data/chain_params.csv``.
"""

from __future__ import annotations

import math
from functools import cache

import pandas as pd

from ..errors import ParameterError

__all__ = ["ISSUANCE_CHAINS", "algo_bonus_paid", "algo_year_issuance", "sui_subsidy",
           "issuance_model"]

#: Chains modelled as issuance (and fees) shared by the stake.
ISSUANCE_CHAINS = ("SUI", "IOTA", "ALGO", "TON", "POL", "BNB", "S", "APE", "AXS")


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


def issuance_model(chain: str, when: pd.Timestamp, year: float | None, v, p: dict) -> dict:
    """``issuance_per_year``, ``fees_per_year``, ``stake`` and the names used, for ``chain``
    at ``when`` (or in schedule year ``year`` where the chain has one).

    ``v(name)`` returns a parameter as a float; ``p`` is the parameter dict.
    """
    fees, used = 0.0, set()
    if chain == "SUI":
        start = pd.Timestamp(str(p["subsidy_start"].value))
        n = (when - start).days if year is None else int(round((year - 1) * 365))
        per_epoch = sui_subsidy(n, v("subsidy_per_epoch"), int(v("subsidy_period")),
                                v("subsidy_decrease"))
        issuance, stake = per_epoch * 365, v("staked")
        fees = v("fee_yield") * stake
        used = {"subsidy_per_epoch", "subsidy_period", "subsidy_decrease", "subsidy_start",
                "fee_yield", "staked"}
        extra = {"distributions": max(n, 0), "subsidy_per_epoch": per_epoch}
    elif chain == "IOTA":
        issuance, stake = v("target_reward") * v("epochs_per_year"), v("staked")
        used, extra = {"target_reward", "epochs_per_year", "staked"}, {}
    elif chain == "ALGO":
        if year is None:
            start = pd.Timestamp(str(p["payouts_start"].value))
            days = (when - start).days
            if days < 0:
                raise ParameterError(f"{when.date()} is before Algorand's proposer payouts "
                                     f"({start.date()})", param="at")
            year = days // 365 + 1
            used.add("payouts_start")
        issuance = algo_year_issuance(int(math.floor(year)), v("round_seconds"),
                                      int(v("bonus_base")), int(v("decay_interval")),
                                      int(round(100 * (1 - v("decay")))))
        fees, stake = v("fees_per_year"), v("online_stake")
        used |= {"bonus_base", "decay_interval", "decay", "round_seconds", "fees_per_year",
                 "online_stake", "fee_percent"}
        extra = {"year": int(math.floor(year))}
    elif chain == "TON":
        blocks = 31_536_000 / v("block_seconds")
        issuance = blocks * (v("masterchain_block_reward") + v("shards")
                             * v("basechain_block_reward"))
        fees, stake = v("fees_per_year"), v("elector_stake")
        used = {"masterchain_block_reward", "basechain_block_reward", "block_seconds",
                "shards", "fees_per_year", "elector_stake"}
        extra = {}
    elif chain == "POL":
        issuance, stake = v("validator_emission") * v("supply"), v("staked")
        fees = v("fee_yield") * stake
        used, extra = {"validator_emission", "supply", "staked", "fee_yield"}, {}
    elif chain == "BNB":
        issuance, fees, stake = v("issuance_per_year"), v("fees_per_year"), v("staked")
        used, extra = {"issuance_per_year", "fees_per_year", "staked"}, {}
    elif chain == "S":
        stake = 1.0  # a rate on stake: tokens a year per token staked
        issuance = v("reward_rate")
        used, extra = {"reward_rate"}, {}
    else:  # APE, AXS
        issuance, stake = v("issuance_per_year"), v("staked")
        used, extra = {"issuance_per_year", "staked"}, {}
    if not stake > 0:
        raise ParameterError(f"the stake of {chain} must be positive, got {stake}",
                             param="params")
    return {"issuance_per_year": None if chain == "S" else issuance,
            "fees_per_year": None if chain == "S" else fees,
            "stake": None if chain == "S" else stake,
            "network_apr": (issuance + fees) / stake, "used": used, **extra}
