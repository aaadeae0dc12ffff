"""Protocol parameters of the chain models, and an accessor that records what a model read.

Every parameter is a row of ``data/chain_params.csv`` (value, unit, date, source,
confidence, the interval ``[valid_from, valid_to)`` it holds for, and for ``assumed`` and
``weak`` values a plausible range ``low``..``high``). A name may have several rows, one per
interval: :func:`read_params` picks the row in force on the as-of date. A chain model reads
its parameters through :class:`ChainParams`, which keeps the names read; the parameters a
result lists as used, and which of them are ``assumed``, are those names — derived from the
model as it ran, never listed by hand.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace
from fractions import Fraction

import pandas as pd

from .. import shipped
from ..errors import ParameterError
from .asof import as_of

__all__ = ["Param", "ChainParams", "TEXT_PARAMS", "USER_PARAMS", "read_params", "chain_table",
           "fraction", "net_of"]

#: Parameters whose values are text (dates, lists, fractions written "a/b").
TEXT_PARAMS = ("start", "genesis", "aip119_cuts", "eta", "anchor_date",
               "subsidy_start", "payouts_start", "no_model", "schedule_ends", "programme_start",
               "base_date")

#: Names a chain's model reads that have no shipped row: only the user gives them
#: (AXS: the revamp's rule runs from an emission no source states).
USER_PARAMS = {"AXS": ("base_emission", "base_date", "staked")}


@dataclass(frozen=True)
class Param:
    """One protocol parameter with its provenance.

    Attributes
    ----------
    name, value, unit
        The parameter, its value (integers exact, text for dates and lists) and unit.
    date, source
        When the value holds from and where it comes from.
    confidence
        ``published``, ``derived``, ``weak``, ``assumed`` or ``user`` (an override).
    valid_from, valid_to
        The interval ``[valid_from, valid_to)`` the row holds for (``""``: open).
    low, high
        The plausible range of an ``assumed`` or ``weak`` value (None: no range, the value
        is taken as exact); :mod:`.intervals` propagates it.
    """

    name: str
    value: float | str
    unit: str
    date: str
    source: str
    confidence: str
    valid_from: str = ""
    valid_to: str = ""
    low: float | None = None
    high: float | None = None

    def as_dict(self) -> dict:
        """Value, unit, date, source, confidence, interval and range, as results list them."""
        out = {"value": self.value, "unit": self.unit, "date": self.date,
               "source": self.source, "confidence": self.confidence}
        if self.valid_from or self.valid_to:
            out["valid"] = [self.valid_from or None, self.valid_to or None]
        if self.low is not None:
            out["range"] = [self.low, self.high]
        return out


@functools.cache
def chain_table() -> pd.DataFrame:
    """The shipped ``data/chain_params.csv``, every column as text, read through the checked
    reader (:func:`softstake_model.shipped.chain_params`)."""
    return shipped.chain_params()


def _number(text: str) -> int | float | str:
    """Integers stay exact (lovelace amounts exceed 2**53); fractions like "21190/21600" and
    dates stay text."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _bound(text: str) -> float | None:
    return None if text == "" else float(text)


@functools.cache
def _chain_rows(chain: str) -> tuple[Param, ...]:
    """Every row of ``chain`` as a :class:`Param` (read once)."""
    t = chain_table()
    return tuple(Param(r.name, _number(r.value), r.unit, r.date, r.source, r.confidence,
                       r.valid_from, r.valid_to, _bound(r.low), _bound(r.high))
                 for r in t[t.chain == chain].itertuples())


def _rows(chain: str, at: pd.Timestamp) -> dict[str, Param]:
    """The rows of ``chain`` in force at ``at``, by name."""
    day = str(at.date())
    return {r.name: r for r in _chain_rows(chain)
            if (not r.valid_from or r.valid_from <= day) and (not r.valid_to or r.valid_to > day)}


def read_params(chain: str, overrides: dict[str, object] | None = None,
                at: object = None) -> dict[str, Param]:
    """The parameters of ``chain`` (plus ``generic`` ones it lacks) in force at ``at``,
    overrides laid over.

    Parameters
    ----------
    chain
        A chain of ``data/chain_params.csv`` (or ``generic``), as spelled there
        (:func:`~softstake_model.apr.chains.chain_params` takes any spelling).
    overrides
        Values by name; each is marked ``user``.
    at
        The as-of date that picks each name's row (default today, UTC); a name with no row
        in force on the date is absent.

    Raises
    ------
    ParameterError
        For a name the chain does not have (``generic`` takes any) or a value that is not
        a finite number (dates and lists of :data:`TEXT_PARAMS` excepted).
    """
    when = as_of(at)
    out = _rows("generic", when)
    out.update(_rows(chain, when))
    names = {r.name for r in _chain_rows("generic") + _chain_rows(chain)} | \
        set(USER_PARAMS.get(chain, ()))
    for name, value in (overrides or {}).items():
        known = out.get(name)
        if name not in names and chain != "generic":
            raise ParameterError(
                f"'{name}' is not a parameter of {chain}; known: {sorted(names)}",
                param="params")
        if isinstance(value, str):
            value = _number(value)
        if isinstance(value, float) and not math.isfinite(value) or isinstance(value, str) and \
                name not in TEXT_PARAMS:
            raise ParameterError(f"{name}={value} is not a finite number", param="params")
        out[name] = Param(name, value, known.unit if known else "", "", "given by the user",
                          "user")
    return out


def fraction(name: str, value: float) -> float:
    """``value`` if it is a fraction in [0, 1] (``staked_fraction`` also above 0)."""
    if not 0 <= value <= 1:
        raise ParameterError(f"must be a fraction in [0, 1], got {value}", param=name)
    if name == "staked_fraction" and value == 0:
        raise ParameterError("must be above 0: nothing staked earns no rate", param=name)
    return value


class ChainParams:
    """The parameters of one chain for one evaluation, read through recording accessors.

    ``name in p`` asks without reading; :meth:`num`, :meth:`exact`, :meth:`text` and
    :meth:`date` read and record. :meth:`used` and :meth:`assumed` are what the model read.
    One instance serves one evaluation (it accumulates the names read).

    Parameters
    ----------
    chain
        The chain's name, for messages.
    params
        :func:`read_params`.
    """

    def __init__(self, chain: str, params: dict[str, Param]):
        self.chain = chain
        self._params = dict(params)
        self._read: set[str] = set()

    def __contains__(self, name: object) -> bool:
        return name in self._params

    def param(self, name: str) -> Param:
        """The parameter ``name``, recorded as read."""
        if name not in self._params:
            raise ParameterError(f"the {self.chain} model needs {name}=...", param="params")
        self._read.add(name)
        return self._params[name]

    def exact(self, name: str) -> Fraction:
        """A parameter as an exact fraction (integers, decimals as written, or "a/b")."""
        value = self.param(name).value
        try:
            return Fraction(value) if isinstance(value, int) else Fraction(str(value))
        except (ValueError, ZeroDivisionError):
            raise ParameterError(f"{name}='{value}' is not a number", param="params") from None

    def num(self, name: str) -> float:
        """A parameter as a float (through :meth:`exact`, so "a/b" is read too)."""
        return float(self.exact(name))

    def text(self, name: str) -> str:
        """A parameter as text (dates, lists)."""
        return str(self.param(name).value)

    def date(self, name: str) -> pd.Timestamp:
        """A parameter that is a date ``YYYY-MM-DD``."""
        return pd.Timestamp(self.text(name))

    def get(self, name: str) -> float | None:
        """:meth:`num` of ``name``, or None (not recorded) when it has no row on the date."""
        return self.num(name) if name in self else None

    def with_values(self, values: dict[str, float]) -> ChainParams:
        """A fresh accessor with the values of some parameters replaced (same provenance):
        what :mod:`.intervals` evaluates the model with at points of the ranges."""
        params = dict(self._params)
        for name, value in values.items():
            params[name] = replace(params[name], value=value)
        return ChainParams(self.chain, params)

    def ranged(self) -> dict[str, tuple[float, float]]:
        """The parameters read that have a plausible range, ``{name: (low, high)}``."""
        return {k: (self._params[k].low, self._params[k].high) for k in sorted(self._read)
                if self._params[k].low is not None and self._params[k].confidence != "user"}

    def used(self) -> dict[str, dict]:
        """The parameters read, by name (sorted), each as :meth:`Param.as_dict`."""
        return {k: self._params[k].as_dict() for k in sorted(self._read)}

    def assumed(self) -> list[str]:
        """The names read whose confidence is ``assumed``."""
        return sorted(k for k in self._read if self._params[k].confidence == "assumed")


def net_of(p: ChainParams, gross: float, name: str = "commission") -> float:
    """``gross * (1 - p.num(name))``: the stakers' rate after the validator's commission
    (``name`` is ``brokerage`` for TRX)."""
    return gross * (1 - p.num(name))
