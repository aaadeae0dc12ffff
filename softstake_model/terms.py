"""Product terms: the frozen description of how a product pays, and the six presets.

A :class:`Terms` object holds everything about a product that is the same for every token:
how the day's balance is measured, tiers, fee, truncation, payout timing. What differs by
token (minimum, cap, APR) lives in the catalogue (:mod:`softstake_model.catalog`).

The presets follow the exchanges' public help pages (see ``SOURCES`` in each preset's
``source``); choices those pages leave open are listed in ``assumptions``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from .errors import ParameterError
from .rules import Tiers, parse_tiers

__all__ = ["Terms", "PRESETS", "SNAPSHOT_METHODS", "preset", "parse_hhmm"]

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
    """How a product measures balances and pays rewards.

    Attributes
    ----------
    name
        Preset name or a label of the user's own terms.
    snapshot
        Balance measure for a day: ``time_weighted`` (integral / 86400 s), ``hourly`` (mean at
        HH:00), ``hourly_random`` (mean at one seeded random instant in each hour),
        ``fixed`` (the balance at ``fixed_time_s``), ``hourly_min_open`` (mean over hours of
        min(balance at HH:00, balance at 00:00)).
    fixed_time_s
        Time of day of the ``fixed`` snapshot, seconds after 00:00 UTC.
    seed
        Seed of the ``hourly_random`` instants (the same instants for every account on a
        given day, derived from the seed and the calendar day).
    accrual
        ``daily``: the rule (minimum, cap, tiers) applies to the day's balance measure;
        ``per_snapshot``: it applies to each snapshot and the day's gross reward is the mean
        (hourly accrual, as OKX's help page describes). Needs a sampled snapshot method.
    tiers
        Marginal APR bands ``((upper, apr), ...)`` in tokens and fractions per year, or
        ``None`` for the token's flat APR.
    fee
        Fraction of the gross reward the exchange keeps (0.15 = 15 %).
    precision
        Decimals a reward is truncated to (toward zero).
    days_per_year
        Days in the APR's year (365).
    payout_lag_days
        Days from the accrual day to its payout day (1 = next day).
    payout_time_s
        Time of day of the payout, seconds after 00:00 UTC.
    payout_every_days
        1 for daily payouts; 7 for weekly (rewards accrue daily and are paid together on
        the first ``payout_weekday`` on or after accrual day + lag).
    payout_weekday
        Weekday of weekly payouts, 0 = Monday.
    source
        Where the terms come from.
    assumptions
        Choices the source leaves open, stated.
    """

    name: str = "binance_soft_staking"
    snapshot: str = "time_weighted"
    fixed_time_s: int = 8 * 3600
    seed: int = 0
    accrual: str = "daily"
    tiers: Tiers | None = None
    fee: float = 0.0
    precision: int = 8
    days_per_year: float = 365.0
    payout_lag_days: int = 1
    payout_time_s: int = 4 * 3600
    payout_every_days: int = 1
    payout_weekday: int = 0
    source: str = ""
    assumptions: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        checks = (
            ("snapshot", self.snapshot in SNAPSHOT_METHODS,
             f"must be one of {', '.join(SNAPSHOT_METHODS)}"),
            ("accrual", self.accrual in ("daily", "per_snapshot"),
             "must be 'daily' or 'per_snapshot'"),
            ("accrual", self.accrual != "per_snapshot" or self.snapshot in _SAMPLED,
             "'per_snapshot' needs a sampled snapshot method"),
            ("fixed_time_s", 0 <= self.fixed_time_s < 86400, "must be within a day (s)"),
            ("payout_time_s", 0 <= self.payout_time_s < 86400, "must be within a day (s)"),
            ("fee", 0.0 <= self.fee < 1.0, "must be in [0, 1)"),
            ("precision", isinstance(self.precision, int) and 0 <= self.precision <= 12,
             "must be an integer in 0..12"),
            ("days_per_year", self.days_per_year > 0, "must be positive"),
            ("payout_lag_days",
             isinstance(self.payout_lag_days, int) and self.payout_lag_days >= 1,
             "must be an integer >= 1 (a day's reward is known only when the day ends)"),
            ("payout_every_days", self.payout_every_days in (1, 7), "must be 1 or 7"),
            ("payout_weekday", 0 <= self.payout_weekday <= 6, "must be in 0..6"),
        )
        for name, ok, rule in checks:
            if not ok:
                raise ParameterError(f"{rule}, got {getattr(self, name)!r}", param=name)
        if self.tiers is not None:
            object.__setattr__(self, "tiers", parse_tiers(self.tiers))

    def replace(self, **changes: object) -> Terms:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


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
            snapshot="fixed",
            fixed_time_s=8 * 3600,
            payout_time_s=8 * 3600,
            source="Gate Soft Staking FAQ (help article 47044); 08:00 UTC snapshot, Gate Learn",
            assumptions=("payout at 08:00 UTC on D+1", "truncation to 8 decimals"),
        ),
        Terms(
            name="kucoin_savings",
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
            payout_time_s=0,
            source="Bitget Flexible Savings, support article 11449577117977 and academy guide",
            assumptions=(
                "the published bands (USDT example) are applied in token units",
                "tiers replace the token's flat APR",
            ),
        ),
        Terms(
            name="okx_simple_earn",
            snapshot="hourly",
            accrual="per_snapshot",
            fee=0.15,
            payout_time_s=0,
            source="OKX Simple Earn, okx.com help 4415718212237 (hourly, 15 % held back)",
            assumptions=("hourly accruals summed and paid at 00:00 UTC on D+1",),
        ),
        Terms(
            name="kraken_auto_earn",
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
