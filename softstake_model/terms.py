"""Product terms: the frozen description of how a product pays, and the six presets.

A :class:`Terms` object holds everything about a product that is the same for every token:
how the day's balance is measured, tiers, fee, truncation, payout timing. What differs by
token (minimum, cap, APR) lives in the catalogue (:mod:`softstake_model.catalog`).

The presets follow the exchanges' public help pages (see ``SOURCES`` in each preset's
``source``); choices those pages leave open are listed in ``assumptions``. Each preset says
in ``rule_basis`` where the minimum, cap and APR it runs with come from: Bitget's published
bands are in USDT (``tiers_unit = "USD"``) and are converted to tokens at the token's
catalogue price (:meth:`Terms.in_tokens`); no other exchange publishes per-token minimums
and caps in a form modelled here, so those presets run at the catalogue's values (Binance's)
and say so.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from .errors import ParameterError
from .rule_specs import FEE, PRECISION
from .rules import Tiers, parse_tiers
from .spec import check, param

__all__ = ["Terms", "PRESETS", "SNAPSHOT_METHODS", "preset", "parse_hhmm", "CATALOGUE_BASIS",
           "BINANCE_BASIS"]

#: What Binance's terms (and terms of the user's own) run at: the catalogue is Binance's.
BINANCE_BASIS = ("minimum, cap and APR from the catalogue: Binance's own soft-staking values "
                 "for its tokens, a catalogue file's for the tokens the file adds or sets")
#: What a preset without its own per-token values runs at.
CATALOGUE_BASIS = ("minimum, cap and APR from the catalogue (Binance's soft-staking values): "
                   "this exchange's own per-token values are not modelled")

SNAPSHOT_METHODS = ("time_weighted", "hourly", "hourly_random", "fixed", "hourly_min_open")
_SAMPLED = {"hourly", "hourly_random", "fixed", "hourly_min_open"}


def parse_hhmm(text: str, name: str) -> int:
    """``"HH:MM"`` (or ``"HH:MM:SS"``) → seconds after midnight; ``name`` (the parameter)
    is named in errors.

    Examples
    --------
    >>> parse_hhmm("04:30", "payout_time")
    16200
    """
    bits = str(text).split(":")
    try:
        if len(bits) not in (2, 3):
            raise ValueError
        h, m = int(bits[0]), int(bits[1])
        s = int(bits[2]) if len(bits) == 3 else 0
    except ValueError:
        raise ParameterError(f"must be a time of day HH:MM, got '{text}'", param=name) from None
    if not (0 <= h < 24 and 0 <= m < 60 and 0 <= s < 60):
        raise ParameterError(f"must be a time of day between 00:00 and 23:59, got '{text}'",
                             param=name)
    return h * 3600 + m * 60 + s


@dataclass(frozen=True)
class Terms:
    """How a product measures balances and pays rewards (each field documented below).

    ``snapshot`` methods: ``time_weighted`` (integral / 86400 s), ``hourly`` (mean at
    HH:00), ``hourly_random`` (mean at one seeded random instant in each hour, the same
    instants for every account on a given day), ``fixed`` (the balance at
    ``fixed_time_s``), ``hourly_min_open`` (mean over hours of min(balance at HH:00,
    balance at 00:00)). ``accrual``: ``daily`` applies the rule (minimum, cap, tiers) to the
    day's balance measure; ``per_snapshot`` applies it to each snapshot and pays the mean
    (hourly accrual, as OKX's help page describes; needs a sampled snapshot method). Weekly
    payouts (``payout_every_days = 7``) accrue daily and are paid together on the first
    ``payout_weekday`` on or after accrual day + lag.
    """

    name: str = param("binance_soft_staking", doc="Preset name or a label of the user's own "
                      "terms.", kind="text")
    snapshot: str = param("time_weighted", doc="How a day's balance is measured.",
                          kind="text", choices=SNAPSHOT_METHODS)
    fixed_time_s: int = param(8 * 3600, doc="Time of day of the fixed snapshot.",
                              unit="seconds after 00:00 UTC", kind="whole", low=0,
                              high=86399)
    seed: int = param(0, doc="Seed of the hourly_random snapshot instants.", kind="whole",
                      low=0)
    accrual: str = param("daily", doc="Whether the rule applies to the day's balance "
                         "measure or to each snapshot.", kind="text",
                         choices=("daily", "per_snapshot"))
    tiers: Tiers | None = param(None, doc="Marginal APR bands UPPER:APR,... in tokens and "
                                "fractions per year (none: the token's flat APR).",
                                kind="any", optional=True, parse=parse_tiers)
    fee: float = field(default=0.0, metadata={"spec": FEE})
    precision: int = field(default=8, metadata={"spec": PRECISION})
    days_per_year: float = param(365.0, doc="Days in the APR's year.", unit="days", low=0,
                                 low_open=True)
    payout_lag_days: int = param(1, doc="Days from the accrual day to its payout day (a "
                                 "day's reward is known only when the day ends).",
                                 unit="days", kind="whole", low=1, high=366)
    payout_time_s: int = param(4 * 3600, doc="Time of day of the payout.",
                               unit="seconds after 00:00 UTC", kind="whole", low=0,
                               high=86399)
    payout_every_days: int = param(1, doc="Days between payouts: 1 (daily) or 7 (weekly).",
                                   unit="days", kind="whole", low=1, high=7)
    payout_weekday: int = param(0, doc="Weekday of weekly payouts (0 = Monday).",
                                kind="whole", low=0, high=6)
    tiers_unit: str = param("token", doc="Unit of the tiers' band bounds: token, or USD "
                            "(converted to tokens at the token's catalogue price).",
                            kind="text", choices=("token", "USD"))
    rule_basis: str = param(BINANCE_BASIS, doc="Where the minimum, cap, APR and tiers the "
                            "terms run with come from.", kind="text")
    source: str = param("", doc="Where the terms come from.", kind="text")
    assumptions: tuple[str, ...] = param(default_factory=tuple, doc="Choices the source "
                                         "leaves open, stated.", kind="any",
                                         parse=lambda v: tuple(str(x) for x in v))

    def __post_init__(self) -> None:
        check(self)
        if self.accrual == "per_snapshot" and self.snapshot not in _SAMPLED:
            raise ParameterError(f"'per_snapshot' needs a sampled snapshot method, got "
                                 f"'{self.snapshot}'", param="accrual")
        if self.payout_every_days not in (1, 7):
            raise ParameterError(f"must be 1 or 7, got {self.payout_every_days}",
                                 param="payout_every_days")

    def replace(self, **changes: object) -> Terms:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def in_tokens(self, price_usd: float | None, token: str | None = None) -> Terms:
        """The terms with USD band bounds converted to tokens at ``price_usd`` (USD per
        token); terms whose bands are in tokens come back as they are.

        Examples
        --------
        >>> t = PRESETS["bitget_flexible"].in_tokens(2.0, "X")
        >>> [b for b, _ in t.tiers][:2], t.tiers_unit
        ([250.0, 2500.0], 'token')
        """
        if self.tiers is None or self.tiers_unit == "token":
            return self
        if price_usd is None or not price_usd > 0:
            raise ParameterError(f"'{self.name}' sets its bands in USD: {token or 'the token'} "
                                 "needs a price (price_usd in the catalogue)", param="preset")
        bands = tuple((upper / price_usd, r) for upper, r in self.tiers)
        text = "/".join(f"{u:,.6g}" for u, _ in bands if u != float("inf"))
        return self.replace(tiers=bands, tiers_unit="token",
                            rule_basis=f"{self.rule_basis} (for {token or 'the token'} at "
                            f"${price_usd:,.6g}: bands at {text} tokens)")


PRESETS: dict[str, Terms] = {
    t.name: t
    for t in (
        Terms(
            name="binance_soft_staking",
            snapshot="time_weighted",
            payout_time_s=4 * 3600,
            source="Binance announcement 2025-11-19 (seed/); Simple Earn page: 8 decimals",
            assumptions=(
                "payout at 04:00 UTC, the middle of the published 00:00-08:00 window",
                "'daily average balance' read as the time-weighted mean over the UTC day",
            ),
        ),
        Terms(
            name="gate_soft_staking",
            rule_basis=CATALOGUE_BASIS,
            snapshot="fixed",
            fixed_time_s=8 * 3600,
            payout_time_s=8 * 3600,
            source="Gate Soft Staking FAQ (help article 47044); 08:00 UTC snapshot, Gate Learn",
            assumptions=("payout at 08:00 UTC on D+1", "truncation to 8 decimals"),
        ),
        Terms(
            name="kucoin_savings",
            rule_basis=CATALOGUE_BASIS,
            snapshot="hourly_min_open",
            payout_lag_days=2,
            payout_time_s=0,
            source="KuCoin Savings, kucoin.zendesk.com article 4412630349337",
            assumptions=("payout at 00:00 UTC on D+2", "truncation to 8 decimals"),
        ),
        Terms(
            name="bitget_flexible",
            snapshot="time_weighted",
            tiers=((500.0, 0.12), (5000.0, 0.008), (float("inf"), 0.003)),
            tiers_unit="USD",
            rule_basis="Bitget's published bands (500 / 5,000 USDT at 12 %, 0.8 %, 0.3 %), "
            "converted to tokens at the token's catalogue price; minimum and cap from the "
            "catalogue (Binance's: Bitget publishes none per token)",
            payout_time_s=0,
            source="Bitget Flexible Savings, support article 11449577117977 and academy guide",
            assumptions=(
                "the published bands (a USDT example) hold for every token, at 1 USDT = 1 USD",
                "tiers replace the token's flat APR",
            ),
        ),
        Terms(
            name="okx_simple_earn",
            rule_basis=CATALOGUE_BASIS,
            snapshot="hourly",
            accrual="per_snapshot",
            fee=0.15,
            payout_time_s=0,
            source="OKX Simple Earn, okx.com help 4415718212237 (hourly, 15 % held back)",
            assumptions=("hourly accruals summed and paid at 00:00 UTC on D+1",),
        ),
        Terms(
            name="kraken_auto_earn",
            rule_basis=CATALOGUE_BASIS,
            snapshot="time_weighted",
            payout_every_days=7,
            payout_weekday=0,
            payout_time_s=0,
            source="Kraken Staking FAQ, support.kraken.com 360037682011 "
            "(daily accrual, weekly pay)",
            assumptions=("weekly payout on Mondays at 00:00 UTC",),
        ),
    )
}


def preset(name: str) -> Terms:
    """The preset called ``name``; a :class:`ParameterError` lists the valid names."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ParameterError(
            f"must be one of {', '.join(PRESETS)}, got '{name}'", param="preset") from None
