"""Network (gross) APR from protocol parameters, chain by chain (SPEC §4).

Every parameter comes from ``data/chain_params.csv`` (value, unit, date, source,
confidence) and may be overridden; each model returns the values it used with their
sources, so a figure can be traced. ``network_apr`` is the stakers' gross rate before the
validator's commission, ``net_apr`` after it. The exchange's spread is ``net_apr`` minus the
APR it pays users.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from .. import checks
from ..errors import ParameterError
from ..tables import parse_date
from .issuance import ISSUANCE_CHAINS, issuance_model

__all__ = [
    "CHAINS",
    "TOKEN_CHAIN",
    "Param",
    "chain_params",
    "generic_apr",
    "sol_inflation",
    "sol_anchored_inflation",
    "TEXT_PARAMS",
    "MAX_AGE_DAYS",
    "sol_adjusted_yield",
    "ada_epoch",
    "ada_max_pool",
    "ada_member_reward",
    "apt_rewards_rate",
    "egld_inflation",
    "near_inflation",
    "network_apr",
    "apr_table",
    "FLAG_MEANINGS",
]

CHAINS = ("generic", "SOL", "ADA", "TRX", "NEAR", "APT", "EGLD", *ISSUANCE_CHAINS)
#: Catalogue tokens and their protocol model (all fifteen).
TOKEN_CHAIN = {c: c for c in CHAINS if c != "generic"}
#: Parameters whose values are text (dates, lists, fractions written "a/b").
TEXT_PARAMS = ("start", "genesis", "p81_date", "aip119_cuts", "eta", "anchor_date",
               "subsidy_start", "payouts_start")
#: An APR estimate older than this many days is flagged ``stale`` by :func:`apr_table`.
MAX_AGE_DAYS = 365


@dataclass(frozen=True)
class Param:
    """One protocol parameter with its provenance."""

    name: str
    value: float | str
    unit: str
    date: str
    source: str
    confidence: str

    def as_dict(self) -> dict:
        return {"value": self.value, "unit": self.unit, "date": self.date,
                "source": self.source, "confidence": self.confidence}


@functools.cache
def _table() -> pd.DataFrame:
    path = Path(str(resources.files("softstake_model") / "data" / "chain_params.csv"))
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _number(text: str) -> int | float | str:
    """Integers stay exact (lovelace amounts exceed 2**53); fractions like "21190/21600" and
    dates stay text."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def chain_params(chain: str, overrides: dict[str, object] | None = None) -> dict[str, Param]:
    """The parameters of ``chain`` (plus ``generic`` ones it lacks), overrides laid over.

    Overridden values are marked ``user``; an unknown name is a :class:`ParameterError`.
    """
    chain = _chain(chain)
    t = _table()
    out = {r.name: Param(r.name, _number(r.value), r.unit, r.date, r.source, r.confidence)
           for r in t[t.chain == "generic"].itertuples()}
    out.update({r.name: Param(r.name, _number(r.value), r.unit, r.date, r.source, r.confidence)
                for r in t[t.chain == chain].itertuples()})
    for name, value in (overrides or {}).items():
        known = out.get(name)
        if known is None and chain != "generic":
            raise ParameterError(
                f"'{name}' is not a parameter of {chain}; known: {sorted(out)}", param="params")
        if isinstance(value, str):
            value = _number(value)
        if isinstance(value, float) and not math.isfinite(value) or isinstance(value, str) and \
                name not in TEXT_PARAMS:
            raise ParameterError(f"{name}={value} is not a finite number", param="params")
        out[name] = Param(name, value, known.unit if known else "", "", "given by the user",
                          "user")
    return out


def _chain(chain: str) -> str:
    c = chain.strip()
    c = "generic" if c.lower() == "generic" else c.upper()
    if c not in CHAINS:
        raise ParameterError(f"'{chain}' has no model; choose one of {', '.join(CHAINS)}",
                             param="chain")
    return c


def _v(p: dict[str, Param], name: str) -> float:
    return float(_exact(p, name))


def _exact(p: dict[str, Param], name: str) -> Fraction:
    """A parameter as an exact fraction (integers, decimals as written, or "a/b")."""
    value = p[name].value
    try:
        return Fraction(value) if isinstance(value, int) else Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        raise ParameterError(f"{name}='{value}' is not a number", param="params") from None


def _fraction(name: str, value: float) -> float:
    if not 0 <= value <= 1:
        raise ParameterError(f"must be a fraction in [0, 1], got {value}", param=name)
    if name == "staked_fraction" and value == 0:
        raise ParameterError("must be above 0: nothing staked earns no rate", param=name)
    return value


# --- generic -------------------------------------------------------------------------------

def generic_apr(issuance: float, staked: float, commission: float = 0.0,
                fee_yield: float = 0.0) -> tuple[float, float]:
    """``(network_apr, net_apr)``: ``issuance / staked + fee_yield`` and
    ``issuance / staked * (1 - commission) + fee_yield`` (issuance and stake in tokens a year)."""
    if not staked > 0:
        raise ParameterError(f"staked={staked} must be positive", param="params")
    base = issuance / staked
    return base + fee_yield, base * (1 - commission) + fee_yield


# --- Solana --------------------------------------------------------------------------------

def sol_inflation(year: float, initial: float = 0.08, taper: float = 0.15,
                  terminal: float = 0.015) -> float:
    """``max(terminal, initial * (1 - taper) ** year)``, ``year`` continuous from 0."""
    return max(terminal, initial * (1 - taper) ** year)


def sol_anchored_inflation(at: pd.Timestamp, p: dict[str, Param]) -> float:
    """Inflation at ``at`` from a dated published rate: ``max(terminal, anchor_rate *
    (1 - taper) ** ((at - anchor_date) / 365 days))``; the taper runs in calendar time from
    the anchor, so slow slots before the anchor no longer matter."""
    anchor = pd.Timestamp(str(p["anchor_date"].value))
    years = (pd.Timestamp(at) - anchor).days / 365
    return max(_v(p, "terminal"), _v(p, "anchor_rate") * (1 - _v(p, "taper")) ** years)


def sol_adjusted_yield(inflation: float, staked_fraction: float) -> float:
    """Solana's adjusted staking yield ``(1 + I / Ps) / (1 + I) - 1``: the growth of the
    staked share of supply, net of dilution."""
    return (1 + inflation / staked_fraction) / (1 + inflation) - 1


# --- Cardano -------------------------------------------------------------------------------

def ada_epoch(reserves: int, fees: int, eta: Fraction | float, rho: Fraction | float = 0.003,
              tau: Fraction | float = 0.2) -> dict[str, int]:
    """One epoch's reward pot, in lovelace (exact integer arithmetic, as the ledger does).

    ``monetary_expansion = floor(min(1, eta) * rho * reserves)``, ``reward_pot = expansion +
    fees``, ``treasury = floor(tau * reward_pot)``, ``pools = reward_pot - treasury``.
    """
    eta_f = Fraction(str(eta)) if isinstance(eta, float) else Fraction(eta)
    rho_f = Fraction(str(rho)) if isinstance(rho, float) else Fraction(rho)
    tau_f = Fraction(str(tau)) if isinstance(tau, float) else Fraction(tau)
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


# --- Aptos ---------------------------------------------------------------------------------

def apt_rewards_rate(at: pd.Timestamp, p: dict[str, Param]) -> float:
    """Maximum rewards rate in force at ``at``: AIP-30's 1.5 % relative decrease at every
    genesis anniversary down to 3.25 %, and, if ``aip119`` is on, its 0.25-point cuts on the
    listed 2025 dates (the anniversary decrease then applies to the cut rate)."""
    genesis = pd.Timestamp(str(p["genesis"].value))
    at = pd.Timestamp(at).tz_localize(None) if pd.Timestamp(at).tzinfo else pd.Timestamp(at)
    if at < genesis:
        raise ParameterError(f"{at.date()} is before Aptos genesis {genesis.date()}",
                             param="at")
    events = [(genesis + pd.DateOffset(years=n), "year") for n in range(1, at.year - genesis.year
                                                                        + 2)]
    if _v(p, "aip119"):
        events += [(pd.Timestamp(d), "cut") for d in str(p["aip119_cuts"].value).split(";")]
    rate, floor = _v(p, "initial"), _v(p, "floor")
    for when, kind in sorted(events):
        if when > at:
            break
        rate = max(floor, rate * (1 - _v(p, "decrease")) if kind == "year"
                   else rate - _v(p, "aip119_step"))
    return rate


# --- MultiversX ----------------------------------------------------------------------------

def egld_inflation(at: pd.Timestamp, p: dict[str, Param]) -> tuple[float, float, int, int]:
    """``(annual_issuance, simple_rate, year, epoch)`` at ``at``.

    Before the tail epoch, the year's maximum inflation from the mainnet table (year 1 = the
    first year after genesis; past the table, 0). From the tail epoch on, mx-chain-go pays
    ``365 * ((1 + start) ** (1 / 365) - 1)`` a year, compounded per epoch, so that supply
    grows by ``start`` a year (its decay is not implemented yet).
    """
    genesis = pd.Timestamp(str(p["genesis"].value))
    at = pd.Timestamp(at).tz_localize(None) if pd.Timestamp(at).tzinfo else pd.Timestamp(at)
    days = (at - genesis).days
    if days < 0:
        raise ParameterError(f"{at.date()} is before MultiversX genesis {genesis.date()}",
                             param="at")
    epoch, year = days, days // 365 + 1
    if epoch >= _v(p, "tail_epoch"):
        start = _v(p, "tail_start_inflation")
        return start, 365 * ((1 + start) ** (1 / 365) - 1), year, epoch
    name = f"max_inflation_y{year}"
    rate = _v(p, name) if name in p else 0.0
    return rate, rate, year, epoch


def near_inflation(at: pd.Timestamp, p: dict[str, Param]) -> float:
    """Maximum annual inflation: 5 %, or 2.5 % from protocol 81 (2025-10-28)."""
    at = pd.Timestamp(at).tz_localize(None) if pd.Timestamp(at).tzinfo else pd.Timestamp(at)
    switch = pd.Timestamp(str(p["p81_date"].value))
    return _v(p, "max_inflation_p81") if at >= switch else _v(p, "max_inflation")


# --- one entry point -----------------------------------------------------------------------

def network_apr(
    chain: str,
    *,
    at: object = None,
    year: float | None = None,
    staked_fraction: float | None = None,
    commission: float | None = None,
    params: dict[str, object] | None = None,
) -> dict:
    """The chain's inflation, network (gross) and net APR, with every parameter used.

    Parameters
    ----------
    chain
        One of :data:`CHAINS`.
    at
        Date the rates apply to (default 2025-11-19, the catalogue's date).
    year
        Years since the schedule's start, instead of ``at`` (SOL: slot-years; APT and EGLD:
        genesis years, 1 = the first; ALGO: years of proposer payouts, 1 = the first; SUI:
        years of stake subsidy).
    staked_fraction, commission
        Shortcuts for the parameters of those names.
    params
        Other overrides, by name (see ``data/chain_params.csv``).

    Returns
    -------
    dict
        ``chain``, ``inflation`` (annual issuance / supply, None where the model has no
        supply), ``network_apr``, ``net_apr`` and ``parameters``; ADA adds
        ``monetary_expansion``, ``treasury``, ``reward_pot`` (lovelace); TRX and the
        issuance chains (:mod:`.issuance`) add ``issuance_per_year`` (tokens a year paid to
        stakers), and the latter ``fees_per_year`` and ``stake`` (tokens).
    """
    checks.chain_request(year, params)
    c = _chain(chain)
    over = dict(params or {})
    if staked_fraction is not None:
        over["staked_fraction"] = _fraction("staked_fraction", staked_fraction)
    if commission is not None:
        over["brokerage" if c == "TRX" else "commission"] = _fraction("commission", commission)
    if at is not None and year is not None:
        raise ParameterError("cannot be combined with at: give one of them", param="year")
    p = chain_params(c, over)
    when = pd.Timestamp("2025-11-19") if at is None else _date(at)
    used = {"commission"}
    out: dict = {"chain": c, "at": None if year is not None else str(when.date())}

    if c == "generic":
        for need in ("issuance", "staked"):
            if need not in p:
                raise ParameterError(f"of the generic model need {need}=... (tokens a year / "
                                     "tokens)", param="params")
        fee = _v(p, "fee_yield") if "fee_yield" in p else 0.0
        net_gross = generic_apr(_v(p, "issuance"), _v(p, "staked"), _v(p, "commission"), fee)
        out["inflation"] = _v(p, "issuance") / _v(p, "supply") if "supply" in p else None
        out["network_apr"], out["net_apr"] = net_gross
        used |= {"issuance", "staked", "fee_yield", "supply"} & set(p)
    elif c == "SOL":
        if year is None:
            infl = sol_anchored_inflation(when, p)
            year = (when - pd.Timestamp(str(p["start"].value))).days / 365
            used |= {"anchor_rate", "anchor_date"}
        else:
            infl = sol_inflation(year, _v(p, "initial"), _v(p, "taper"), _v(p, "terminal"))
            used |= {"start", "initial"}
        sf = _v(p, "staked_fraction")
        gross = infl * (1 - _v(p, "foundation")) * _v(p, "uptime") / sf
        out.update(inflation=infl, year=year, network_apr=gross,
                   net_apr=gross * (1 - _v(p, "commission")),
                   adjusted_yield=sol_adjusted_yield(infl, sf))
        used |= {"taper", "terminal", "foundation", "uptime", "staked_fraction"}
    elif c in ISSUANCE_CHAINS:
        res = issuance_model(c, when, year, lambda n: _v(p, n), p)
        used |= res.pop("used")
        gross = res.pop("network_apr")
        supply = _v(p, "supply") if "supply" in p else None
        out.update(inflation=res["issuance_per_year"] / supply if supply else None,
                   network_apr=gross, net_apr=gross * (1 - _v(p, "commission")), **res)
    elif c == "ADA":
        ep = ada_epoch(int(_exact(p, "reserves")), int(_exact(p, "fees")), _exact(p, "eta"),
                       _exact(p, "rho"), _exact(p, "tau"))
        per_year = _v(p, "epochs_per_year")
        gross = ep["pools"] * _v(p, "distribution_efficiency") / _v(p, "active_stake") * per_year
        out.update(inflation=ep["monetary_expansion"] * per_year / _v(p, "total_supply"),
                   network_apr=gross, net_apr=gross * (1 - _v(p, "commission")),
                   **{k: ep[k] for k in ("monetary_expansion", "treasury", "reward_pot")})
        used |= {"reserves", "fees", "eta", "rho", "tau", "epochs_per_year",
                 "distribution_efficiency", "active_stake", "total_supply"}
    elif c == "TRX":
        issuance = (_v(p, "block_reward") + _v(p, "voting_reward")) * _v(p, "blocks_per_day") * 365
        gross = issuance / _v(p, "total_votes")
        out.update(inflation=issuance / _v(p, "total_supply"), network_apr=gross,
                   net_apr=gross * (1 - _v(p, "brokerage")), issuance_per_year=issuance)
        used = {"block_reward", "voting_reward", "blocks_per_day", "total_votes",
                "total_supply", "brokerage"}
    elif c == "NEAR":
        infl = near_inflation(when, p)
        gross = infl * (1 - _v(p, "treasury")) * _v(p, "uptime") / _v(p, "staked_fraction")
        out.update(inflation=infl, network_apr=gross, net_apr=gross * (1 - _v(p, "commission")))
        used |= {"max_inflation", "max_inflation_p81", "p81_date", "treasury", "uptime",
                 "staked_fraction"}
    elif c == "APT":
        if year is not None:
            when = pd.Timestamp(str(p["genesis"].value)) + pd.DateOffset(years=int(year) - 1)
            out["at"] = str(when.date())
        rate = apt_rewards_rate(when, p)
        gross = rate * _v(p, "performance")
        out.update(inflation=None, rewards_rate=rate, network_apr=gross,
                   net_apr=gross * (1 - _v(p, "commission")))
        used |= {"initial", "decrease", "floor", "genesis", "aip119", "aip119_cuts",
                 "aip119_step", "performance"}
    else:  # EGLD
        if year is not None:
            when = pd.Timestamp(str(p["genesis"].value)) + pd.Timedelta(days=365 * (int(year) - 1))
            out["at"] = str(when.date())
        annual, simple, yr, epoch = egld_inflation(when, p)
        tail = epoch >= _v(p, "tail_epoch")
        share = 1 - _v(p, "protocol_sustainability")
        if tail:
            share -= _v(p, "ecosystem_growth") + _v(p, "growth_dividend")
        gross = simple * share / _v(p, "staked_fraction")
        out.update(inflation=annual, year=yr, epoch=epoch, tail_inflation=tail,
                   network_apr=gross, net_apr=gross * (1 - _v(p, "commission")))
        used |= {"genesis", "tail_epoch", "protocol_sustainability", "staked_fraction",
                 f"max_inflation_y{yr}" if not tail else "tail_start_inflation"}
        if tail:
            used |= {"ecosystem_growth", "growth_dividend"}
    out["parameters"] = {k: p[k].as_dict() for k in sorted(used) if k in p}
    out["assumed"] = sorted(k for k, v in out["parameters"].items()
                            if v["confidence"] == "assumed")
    return out


def _date(value: object) -> pd.Timestamp:
    """The ``at`` argument as a naive day (:func:`softstake_model.tables.parse_date`)."""
    return parse_date(value, "at")


def apr_table(catalog: pd.DataFrame, at: object = None,
              max_age_days: int = MAX_AGE_DAYS) -> pd.DataFrame:
    """All catalogue tokens: catalogue (user) APR with its as-of date, network and net APR,
    the spread, and the contradictions flagged.

    Parameters
    ----------
    catalog
        :func:`~softstake_model.catalog.load_catalog` (indexed by token).
    at
        Date the network rates apply to and ages are counted at (default 2025-11-19).
    max_age_days
        An APR estimate older than this is flagged ``stale``.

    Returns
    -------
    pandas.DataFrame
        One row per token: ``apr`` (the catalogue's user APR, fraction a year),
        ``apr_date`` and ``apr_age_days``, ``apr_confidence``, ``apr_source``, ``model``,
        ``inflation``, ``network_apr`` (stakers' gross), ``net_apr`` (after the validator's
        commission), ``spread = net_apr - apr`` (the spread: what the exchange keeps per unit
        of eligible balance before costs, see ``docs/apr.md``), ``flags`` (text, empty when
        none: ``above network`` when the catalogue APR exceeds the net network APR, ``stale``
        when the estimate is older than ``max_age_days``, ``undated`` when it has no date)
        and ``assumed`` (the assumed values behind the row).
    """
    if not (isinstance(max_age_days, int | float) and max_age_days > 0):
        raise ParameterError(f"must be a positive number of days, got {max_age_days}",
                             param="max_age_days")
    when = pd.Timestamp("2025-11-19") if at is None else _date(at)
    rows = []
    for token, r in catalog.iterrows():
        chain = TOKEN_CHAIN.get(str(token))
        res = network_apr(chain, at=when) if chain else None
        assumed = [f"apr ({r['apr_source']})"] if r["apr_confidence"] == "assumed" else []
        if res:
            assumed += [f"{chain}.{k}" for k in res["assumed"]]
        dated = r.get("apr_date")
        dated = pd.Timestamp(str(dated)) if isinstance(dated, str) and dated else None
        age = (when - dated).days if dated is not None else np.nan
        net = res["net_apr"] if res else np.nan
        flags = []
        if res and r["apr"] > net:
            flags.append("above network")
        if dated is None:
            flags.append("undated")
        elif age > max_age_days:
            flags.append("stale")
        rows.append({
            "token": token,
            "apr": r["apr"],
            "apr_date": None if dated is None else str(dated.date()),
            "apr_age_days": age,
            "apr_confidence": r["apr_confidence"],
            "apr_source": r["apr_source"],
            "model": chain,
            "inflation": res["inflation"] if res and res["inflation"] is not None else np.nan,
            "network_apr": res["network_apr"] if res else np.nan,
            "net_apr": net,
            "spread": net - r["apr"],
            "flags": ", ".join(flags),
            "assumed": "; ".join(assumed),
        })
    return pd.DataFrame(rows)


#: What each flag of :func:`apr_table` means, in the words reports print.
FLAG_MEANINGS = {
    "above network": "the catalogue APR is above the chain's net network APR: the exchange "
                     "would pay more than staking earns (check the estimate or the model)",
    "stale": f"the catalogue APR is older than {MAX_AGE_DAYS} days",
    "undated": "the catalogue APR has no as-of date",
}
