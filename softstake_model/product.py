"""The product a user asks about: catalogue, terms, ledger and timeline in one place.

The command line and the report views both turn "these tokens, this preset, these overrides,
these files" into the objects the engine takes. They do it here, and nowhere else:

- :func:`parse_tokens` — ``"BNB,SOL"`` and ``["BNB", "SOL,ADA"]`` alike;
- :func:`build_terms` — a preset with some of its terms changed;
- :func:`product_catalog` — the shipped catalogue, a user's file laid over it, some tokens,
  and values given by hand;
- :func:`token_rule` — the minimum, cap, APR, price and volatility one position earns under,
  with the assumed values behind them;
- :func:`ledger_for` — a ledger file (or converted folder) restricted to the catalogue's
  tokens;
- :func:`timeline` — activation, deactivation, excluded accounts and APR history read from
  their files.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import spec
from .catalog import assumed_lines, load_catalog, override, select_tokens
from .checks import catalog_values, rate
from .errors import InputError, ParameterError
from .rules import eligible
from .spec import param
from .terms import PRESETS, SNAPSHOT_METHODS, Terms, parse_hhmm, preset

__all__ = [
    "parse_tokens",
    "build_terms",
    "product_catalog",
    "TokenRule",
    "token_rule",
    "one_token",
    "catalog_token",
    "RuleQuestion",
    "terms_for_token",
    "ledger_for",
    "timeline",
]


def parse_tokens(tokens: str | Sequence[str] | None) -> list[str]:
    """Token symbols from a comma-separated text or a list of such texts.

    Upper case, in the order given, each once; empty pieces are ignored.

    Examples
    --------
    >>> parse_tokens(["bnb", "SOL,ada", "BNB"])
    ['BNB', 'SOL', 'ADA']
    >>> parse_tokens(None)
    []
    """
    if tokens is None:
        return []
    if isinstance(tokens, str):
        tokens = [tokens]
    out: list[str] = []
    for piece in tokens:
        for t in str(piece).split(","):
            t = t.strip().upper()
            if t and t not in out:
                out.append(t)
    return out


def build_terms(
    preset_name: str = "binance_soft_staking",
    *,
    snapshot: str | None = None,
    fixed_time: str | None = None,
    payout_time: str | None = None,
    fee: float | None = None,
    precision: int | None = None,
    seed: int | None = None,
    tiers: str | Sequence[tuple[float, float]] | None = None,
) -> Terms:
    """The preset ``preset_name`` with the given terms changed (``None`` keeps the preset's).

    Parameters
    ----------
    preset_name
        One of :data:`~softstake_model.terms.PRESETS`.
    snapshot
        Balance measure of a day (one of ``SNAPSHOT_METHODS``). Choosing ``time_weighted``
        for a preset that accrues per snapshot switches it to daily accrual: a continuous
        measure has no snapshots to accrue on.
    fixed_time, payout_time
        Times of day ``"HH:MM"`` (UTC) of the ``fixed`` snapshot and of payouts.
    fee, precision, seed, tiers
        As the fields of :class:`~softstake_model.terms.Terms` (checked there): share of the
        gross reward kept, decimals rewards truncate to, seed of ``hourly_random``
        snapshots, marginal bands ``"500:0.12,5000:0.008,inf:0.003"``.

    Examples
    --------
    >>> build_terms("bitget_flexible", fee=0.1).fee
    0.1
    >>> build_terms(payout_time="06:30").payout_time_s
    23400
    """
    terms = preset(preset_name)
    changes: dict[str, object] = {}
    if snapshot is not None:
        if snapshot not in SNAPSHOT_METHODS:
            raise ParameterError(f"must be one of {', '.join(SNAPSHOT_METHODS)}, got "
                                 f"'{snapshot}'", param="snapshot")
        changes["snapshot"] = snapshot
        if snapshot == "time_weighted" and terms.accrual == "per_snapshot":
            changes["accrual"] = "daily"
    if fixed_time is not None:
        changes["fixed_time_s"] = parse_hhmm(fixed_time, "fixed_time")
    if payout_time is not None:
        changes["payout_time_s"] = parse_hhmm(payout_time, "payout_time")
    for name, value in (("fee", fee), ("precision", precision), ("seed", seed),
                        ("tiers", tiers)):
        if value is not None:  # checked by the field's own spec in Terms
            changes[name] = value
    if tiers is not None:  # the user's bands are in tokens
        changes.update(tiers_unit="token", rule_basis="tiers given by the user (tokens); "
                       "minimum and cap from the catalogue unless given")
    return terms.replace(**changes) if changes else terms


def terms_for_token(terms: Terms, token: str | None,
                    catalog: str | Path | pd.DataFrame | None = None) -> Terms:
    """``terms`` for one token: bands set in USD converted to tokens at the token's
    catalogue price (:meth:`~softstake_model.terms.Terms.in_tokens`)."""
    if terms.tiers is None or terms.tiers_unit == "token":
        return terms
    price = None
    if token:
        cat = catalog if isinstance(catalog, pd.DataFrame) else product_catalog(catalog,
                                                                               [token])
        value = cat.loc[token, "price_usd"] if token in cat.index else np.nan
        price = None if pd.isna(value) else float(value)
    return terms.in_tokens(price, token)


def product_catalog(
    catalog: str | Path | pd.DataFrame | None = None,
    tokens: str | Sequence[str] | None = None,
    *,
    apr: float | None = None,
    min_holding: float | None = None,
    cap: float | None = None,
    at: object = None,
    store: str | None = None,
) -> pd.DataFrame:
    """The catalogue a computation uses: shipped, a file of the user's over it, the history
    store over both, and values given by hand over everything.

    Parameters
    ----------
    catalog
        A catalogue frame (taken as it is), or a file laid over the shipped catalogue
        (:func:`~softstake_model.catalog.load_catalog`), or None for the shipped one.
    tokens
        Keep only these tokens (see :func:`parse_tokens`); None or empty keeps all.
    apr, min_holding, cap
        Values given by hand for every kept token (fraction per year; tokens; tokens),
        marked ``user``.
    at
        The date the catalogue is taken as of (default today, UTC): where a history store
        exists (``store``, else ``$SOFTSTAKE_STORE``, else the user data folder's; never
        created here), each value of the latest snapshot on or before ``at`` is laid over
        the shipped one and its ``*_source`` says ``fetched YYYY-MM-DD SOURCE``
        (:func:`softstake_model.store.catalog_at`); values of the user's file win. Not
        applied to a catalogue frame.
    store
        The history store's location (an SQLite file or an SQLAlchemy URL).
    """
    if isinstance(catalog, pd.DataFrame):  # a file or the shipped one is checked on loading
        cat = catalog
        catalog_values(cat)
    else:
        cat = _with_store(load_catalog(catalog), at, store)
    wanted = parse_tokens(tokens)
    if wanted:
        cat = select_tokens(cat, wanted)
    for name, v in (("min_holding", min_holding), ("cap", cap)):
        if v is not None and not (v >= 0 and not np.isnan(v)):
            raise ParameterError(f"must be an amount >= 0, got {v}", param=name)
        if name == "min_holding" and v is not None and not np.isfinite(v):
            raise ParameterError(f"must be a finite amount, got {v}", param=name)
    out = override(cat, apr=apr, min_holding=min_holding, cap=cap)
    if min_holding is not None or cap is not None:
        lo, hi = out["min_holding"].astype(float), out["cap"].astype(float)
        if (lo > hi).any():
            t = lo.index[(lo > hi).to_numpy()][0]
            raise ParameterError(f"{lo[t]:g} is above the cap {hi[t]:g} of {t}: nothing could "
                                 "earn", param="min_holding" if min_holding is not None
                                 else "cap")
    return out


def _with_store(cat: pd.DataFrame, at: object, store: str | None) -> pd.DataFrame:
    """``cat`` with the history store laid over it when there is one (the store needs the
    ``[fetch]`` extra; without it, or without a store, ``cat`` as it is)."""
    try:
        from .store import catalog_from_store
    except ImportError:
        return cat
    return catalog_from_store(cat, at, store)


@dataclass(frozen=True)
class TokenRule:
    """What one position earns under, and what is known about the token.

    Attributes
    ----------
    token
        Catalogue token, or None for terms given by hand only.
    min_holding
        Minimum balance that earns, tokens.
    cap
        Largest balance that earns, tokens (``inf``: no cap).
    apr
        APR, fraction per year (0 when tiers set the rate).
    volatility
        Annualised price volatility (fraction), if known.
    price_usd
        Price, USD per token, if known.
    assumed
        Lines naming each assumed catalogue value behind these figures.
    """

    token: str | None = None
    min_holding: float = 0.0
    cap: float = np.inf
    apr: float = 0.0
    volatility: float | None = None
    price_usd: float | None = None
    assumed: tuple[str, ...] = field(default_factory=tuple)

    def eligible(self, balance: float) -> float:
        """The part of ``balance`` (tokens) that earns under this rule
        (:func:`~softstake_model.rules.eligible`).

        Examples
        --------
        >>> r = TokenRule(min_holding=1.0, cap=100.0)
        >>> r.eligible(0.5), r.eligible(50.0), r.eligible(500.0)
        (0.0, 50.0, 100.0)
        """
        return float(eligible(balance, self.min_holding, self.cap))


def one_token(value: object) -> str:
    """One token symbol, upper case (``" sol "`` → ``"SOL"``); a list of several is refused.

    Examples
    --------
    >>> one_token("sol")
    'SOL'
    """
    wanted = parse_tokens(str(value))
    if len(wanted) != 1:
        raise ParameterError(f"must name one token, got '{value}'", param="token")
    return wanted[0]


def catalog_token(value: object, catalog: str | Path | None = None) -> str:
    """:func:`one_token`, and one the catalogue holds (``catalog`` laid over the shipped one;
    None: the shipped one); the message lists the known ones.

    Examples
    --------
    >>> catalog_token("bnb", None)
    'BNB'
    """
    token = one_token(value)
    try:
        known = list(load_catalog(catalog).index)
    except InputError as e:
        raise ParameterError(f"is not a usable catalogue: {e}", param="catalog") from None
    if token not in known:
        raise ParameterError(f"must be a catalogue token ({', '.join(known)}), got '{token}'",
                             param="token")
    return token


def token_rule(
    token: str | None = None,
    *,
    catalog: str | Path | pd.DataFrame | None = None,
    apr: float | None = None,
    min_holding: float | None = None,
    cap: float | None = None,
    terms: Terms | None = None,
) -> TokenRule:
    """The rule of one position: the token's catalogue values, overridden where given.

    Without ``token``, ``apr`` is needed (or tiers in ``terms``); minimum 0 and no cap are
    the defaults then. ``assumed`` names the assumed catalogue values that were not
    overridden.

    Examples
    --------
    >>> r = token_rule("BNB", apr=0.02)
    >>> (r.min_holding, r.apr, r.token)
    (0.5, 0.02, 'BNB')
    >>> token_rule(apr=0.05, cap=100.0).cap
    100.0
    """
    tiered = terms is not None and terms.tiers is not None
    if apr is not None and tiered:
        raise ParameterError("cannot be combined with tiers: the tiers set the rate paid",
                             param="apr")
    vals: dict[str, float | None] = {"min_holding": 0.0, "cap": np.inf, "apr": None,
                                     "volatility": None, "price_usd": None}
    assumed: list[str] = []
    name = None
    if token:
        wanted = parse_tokens(token)
        if len(wanted) != 1:
            raise ParameterError(f"must name one token, got {token!r}", param="token")
        cat = product_catalog(catalog, wanted)
        name = wanted[0]
        row = cat.loc[name]
        for f in vals:
            vals[f] = float(row[f])
        given = {"min_holding": min_holding, "cap": cap, "apr": apr}
        fields = tuple(f for f in ("min_holding", "cap", "apr", "volatility", "price_usd")
                       if given.get(f) is None)
        assumed = assumed_lines(cat, [name], fields)
    for f, v in (("min_holding", min_holding), ("cap", cap), ("apr", apr)):
        if v is not None:
            vals[f] = float(v)
    if vals["apr"] is None and not tiered:
        raise ParameterError("give a token or an APR (or tiers)", param="apr")
    if vals["apr"] is None:
        vals["apr"] = 0.0
    vals["apr"] = rate(vals["apr"], "apr")
    if not (np.isfinite(vals["min_holding"]) and vals["min_holding"] >= 0):
        raise ParameterError(f"must be a finite amount >= 0, got {vals['min_holding']}",
                             param="min_holding")
    if not vals["cap"] > 0 or np.isnan(vals["cap"]):
        raise ParameterError(f"must be > 0, got {vals['cap']}", param="cap")
    if vals["min_holding"] > vals["cap"]:
        if cap is not None and min_holding is None:  # the cap given is what is wrong
            raise ParameterError(f"{vals['cap']:g} is below the minimum "
                                 f"{vals['min_holding']:g}: nothing could earn", param="cap")
        raise ParameterError(f"{vals['min_holding']:g} is above the cap {vals['cap']:g}: "
                             "nothing could earn", param="min_holding")
    return TokenRule(name, vals["min_holding"], vals["cap"], vals["apr"], vals["volatility"],
                     vals["price_usd"], tuple(assumed))


@dataclass(frozen=True)
class RuleQuestion:
    """The rule of a question about one token: the token, the values given instead of its
    catalogue values, and the product terms (each field below). The holder's outlook and
    the cost of a cap (:class:`~softstake_model.yields.HolderQuestion`,
    :class:`~softstake_model.cap_question.CapQuestion`) ask it with their own fields."""

    token: str | None = param("BNB", doc="Catalogue token whose minimum, cap, APR, price "
                              "and volatility apply (none: give the APR).", kind="text",
                              optional=True, parse=one_token, metavar="TOKEN")
    apr: float | None = param(None, doc="APR instead of the token's.", unit="fraction per "
                              "year", kind="rate", optional=True, metavar="RATE")
    min_holding: float | None = param(None, doc="Minimum balance that earns, instead of the "
                                      "token's.", unit="tokens", low=0, optional=True,
                                      metavar="X")
    cap: float | None = param(None, doc="Largest balance that earns, instead of the token's.",
                              unit="tokens", low=0, low_open=True, optional=True,
                              metavar="Y")
    tiers: Any = field(default=None, metadata={"spec": spec.specs(Terms)["tiers"]})
    preset: str = param("binance_soft_staking", doc="Product terms (a preset's name).",
                        kind="text", choices=tuple(PRESETS))
    catalog: str | None = param(None, doc="File laid over the shipped token catalogue.",
                                kind="text", optional=True, metavar="FILE")

    def __post_init__(self) -> None:
        spec.check(self)
        if self.token is not None:
            catalog_token(self.token, self.catalog)
        if self.apr is not None and self.tiers is not None:
            raise ParameterError("cannot be combined with tiers: the tiers set the rate paid",
                                 param="apr")

    def terms(self) -> Terms:
        """The product terms: the preset with the tiers given (bands in USD converted to
        the token's units at its catalogue price)."""
        return terms_for_token(build_terms(self.preset, tiers=self.tiers), self.token,
                               self.catalog)

    def rule(self, terms: Terms | None = None) -> TokenRule:
        """The rule: the token's minimum, cap and APR, overridden where given."""
        return token_rule(self.token, catalog=self.catalog, apr=self.apr,
                          min_holding=self.min_holding, cap=self.cap,
                          terms=terms or self.terms())


def ledger_for(
    path: str | Path,
    catalog: pd.DataFrame,
    *,
    format: str = "auto",
    only_catalog_tokens: bool = False,
) -> tuple[pd.DataFrame, list[str]]:
    """Read a ledger file (or a folder made by ``softstake ledger convert``) for ``catalog``.

    A Binance statement lists every coin of the account: coins without soft staking are
    set aside and returned as the second item. A generic ledger must hold catalogue tokens
    only (an unknown token is an :class:`InputError` at its line), unless
    ``only_catalog_tokens``, which keeps the catalogue's tokens of any ledger (a token
    selection).

    Returns
    -------
    ledger, ignored
        The normalised ledger; the tokens set aside, sorted.
    """
    from .ledger import check_tokens, read_ledger
    from .scale import MANIFEST, is_ledger_dir, read_ledger_dir

    if is_ledger_dir(path):
        ledger = read_ledger_dir(path)
        ledger.attrs["format"] = json.loads((Path(path) / MANIFEST).read_text())["format"]
    else:
        ledger = read_ledger(path, format)
    ignored: list[str] = []
    if only_catalog_tokens or ledger.attrs.get("format") == "binance-statement":
        keep = ledger["token"].isin(catalog.index)
        if not only_catalog_tokens:
            ignored = sorted(set(ledger.loc[~keep, "token"]))
        ledger = ledger[keep]
    else:
        check_tokens(ledger, catalog.index, str(path))
    if ledger.empty:
        raise InputError("no balance changes for the selected token(s)", file=str(path))
    return ledger, ignored


def timeline(
    *,
    activated_at: object = None,
    deactivated_at: object = None,
    activations: str | Path | pd.DataFrame | None = None,
    excluded: str | Path | set[str] | None = None,
    apr_history: str | Path | pd.DataFrame | None = None,
    terms: Terms | None = None,
) -> dict[str, object]:
    """Keyword arguments of :func:`~softstake_model.rewards.reward_history` for the timeline.

    Files are read with their checked readers (errors name file, line and column); frames
    and sets are taken as they are. With ``terms``, an APR history beside tiers is refused
    (tiers set the APR).
    """
    from .ledger import read_accounts, read_activations, read_apr_history

    if apr_history is not None and terms is not None and terms.tiers is not None:
        raise ParameterError("cannot be combined with tiers: tiers set the APR",
                             param="apr_history")
    out: dict[str, object] = {"activated_at": activated_at, "deactivated_at": deactivated_at}
    if activated_at is not None and deactivated_at is not None:
        from .tables import parse_time

        a, d = parse_time(activated_at, "activated_at"), parse_time(deactivated_at,
                                                                      "deactivated_at")
        if d <= a:
            raise ParameterError(f"{d.isoformat()} is not after activated_at "
                                 f"{a.isoformat()}", param="deactivated_at")
    if activations is not None:
        if activated_at is not None or deactivated_at is not None:
            raise ParameterError("cannot be combined with activated_at or deactivated_at",
                                 param="activations")
        out["activations"] = activations if isinstance(activations, pd.DataFrame) else \
            read_activations(activations)
    if excluded is not None:
        out["excluded"] = excluded if isinstance(excluded, set) else read_accounts(excluded)
    if apr_history is not None:
        out["apr_history"] = apr_history if isinstance(apr_history, pd.DataFrame) else \
            read_apr_history(apr_history)
    return out
