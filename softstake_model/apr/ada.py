"""Cardano's reward pot and its reserve projected by the ledger's own rule (SPEC §4).

The epoch pot is exact integer arithmetic (:func:`ada_epoch`); the reserve after an epoch
is ``reserves - expansion + floor(pools * (1 - efficiency))`` (what the pools' share does
not pay out returns to the reserve), so the state of any later epoch follows from the
newest shipped one; an earlier date reads the shipped epoch in force
(``data/cardano_epoch_statistics.csv``). Members' net rate takes the pool's margin and its
fixed cost (170 ADA an epoch) off a pool of a given stake (:func:`ada_member_reward`).
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction
from importlib import resources

import pandas as pd

from ..errors import ParameterError
from .params import ChainParams

__all__ = ["ada_epoch", "ada_max_pool", "ada_member_reward", "ada_state", "ada_model",
           "EPOCH_DAYS"]

#: Days a Cardano epoch lasts (432,000 one-second slots).
EPOCH_DAYS = 5


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


@functools.cache
def _shipped_epochs() -> pd.DataFrame:
    path = resources.files("softstake_model") / "data" / "cardano_epoch_statistics.csv"
    return pd.read_csv(str(path), dtype=str).set_index("epoch")


def _shipped(epoch: int) -> dict:
    t = _shipped_epochs()
    if str(epoch) not in t.index:
        raise ParameterError(f"Cardano epoch {epoch} is not in the shipped statistics",
                             param="at")
    r = t.loc[str(epoch)]
    return {"reserves": int(r["reserves"]), "fees": int(r["epoch_fees"]),
            "eta": Fraction(int(r["block_count"]), 21600),
            "active_stake": int(r["active_epoch_stake"]), "epoch": epoch,
            "state": f"shipped epoch {epoch}"}


def ada_state(at: pd.Timestamp, p: ChainParams) -> dict:
    """Reserves, fees, eta and active stake of the epoch in force at ``at``.

    From the base epoch on, the reserve is projected epoch by epoch with the base's fees,
    eta and stake held; before it, the shipped epoch's own figures are read.
    """
    base, e0 = p.date("base_date"), int(p.num("base_epoch"))
    n = (pd.Timestamp(at) - base).days // EPOCH_DAYS
    if n < 0:
        return _shipped(e0 + n)
    reserves, fees, eta = int(p.exact("reserves")), int(p.exact("fees")), p.exact("eta")
    rho, tau, keep = p.exact("rho"), p.exact("tau"), 1 - p.exact("distribution_efficiency")
    grow = min(Fraction(1), eta) * rho  # ada_epoch's arithmetic, in integers for speed
    for _ in range(n):
        expansion = reserves * grow.numerator // grow.denominator
        pot = expansion + fees
        pools = pot - pot * tau.numerator // tau.denominator
        reserves += -expansion + pools * keep.numerator // keep.denominator
    return {"reserves": reserves, "fees": fees, "eta": eta, "epoch": e0 + n,
            "active_stake": int(p.exact("active_stake")),
            "state": f"projected {n} epochs from shipped epoch {e0}"}


def ada_model(p: ChainParams, at: pd.Timestamp, year: float | None) -> dict:
    """The epoch pot less the treasury, x distribution efficiency / active stake x epochs a
    year; net: a member of a pool of ``pool_stake`` after ``pool_fixed_cost`` and
    ``pool_margin``."""
    s = ada_state(at, p)
    ep = ada_epoch(s["reserves"], s["fees"], s["eta"], p.exact("rho"), p.exact("tau"))
    per_year = p.num("epochs_per_year")
    gross = ep["pools"] * p.num("distribution_efficiency") / s["active_stake"] * per_year
    pool = p.num("pool_stake")
    net = ada_member_reward(gross / per_year * pool, p.num("pool_fixed_cost"),
                            p.num("pool_margin"), 1.0) / pool * per_year
    supply = p.num("max_supply") - s["reserves"]
    return {"inflation": ep["monetary_expansion"] * per_year / supply, "network_apr": gross,
            "net_apr": net, "epoch": s["epoch"], "state": s["state"],
            "reserves": s["reserves"],
            **{k: ep[k] for k in ("monetary_expansion", "treasury", "reward_pot")}}
