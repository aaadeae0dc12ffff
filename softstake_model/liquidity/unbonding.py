"""Unbonding rules (SPEC §5): when an amount unbonded on day ``t`` becomes liquid.

The grammar, written once: ``fixed:N`` (``N`` days later; ``fixed:0`` is ``none``),
``boundary:P[@PHASE]`` (the first day ``d > t`` with ``(d - PHASE) % P == 0``: epoch ends,
unlock cycles) or ``none`` (the same day). :data:`UNBONDING_RULE` is the pattern (for the
catalogue's check of its ``unbonding`` column too); :meth:`Unbonding.parse` reads a rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import ParameterError

__all__ = ["UNBONDING_RULE", "Unbonding"]

#: ``fixed:N`` | ``boundary:P[@PHASE]`` | ``none`` (groups: none, N, P, PHASE).
UNBONDING_RULE = re.compile(r"^(?:(none)|fixed:(\d+)|boundary:([1-9]\d*)(?:@(\d+))?)$")


@dataclass(frozen=True)
class Unbonding:
    """When an amount unbonded at the end of day ``t`` becomes liquid.

    Attributes
    ----------
    kind
        ``fixed`` (``days`` later), ``boundary`` (the first day ``d > t`` with
        ``(d - phase) % period == 0``: epoch ends, unlock cycles), or ``none`` (same day).
    days
        Wait of a ``fixed`` rule, days.
    period, phase
        Cycle length and offset of a ``boundary`` rule, days.
    """

    kind: str = "fixed"
    days: int = 14
    period: int = 1
    phase: int = 0

    @classmethod
    def parse(cls, text: str | Unbonding) -> Unbonding:
        """Read a rule.

        Parameters
        ----------
        text
            ``fixed:N`` | ``boundary:P[@PHASE]`` | ``none`` (surrounding spaces ignored), or
            an :class:`Unbonding`, returned as it is.

        Returns
        -------
        Unbonding
            The rule; ``fixed:0`` reads as ``none``.

        Raises
        ------
        ParameterError
            ``param="unbonding"`` when the text follows none of the three forms.

        Examples
        --------
        >>> Unbonding.parse("boundary:14@3")
        Unbonding(kind='boundary', days=0, period=14, phase=3)
        >>> str(Unbonding.parse("fixed:0"))
        'none'
        """
        if isinstance(text, Unbonding):
            return text
        m = UNBONDING_RULE.match(str(text).strip())
        if not m:
            raise ParameterError(f"'{text}' is not fixed:N, boundary:P[@PHASE] or none",
                                 param="unbonding")
        if m.group(1):
            return cls("none", 0)
        if m.group(2) is not None:
            n = int(m.group(2))
            return cls("none", 0) if n == 0 else cls("fixed", n)
        return cls("boundary", 0, int(m.group(3)), int(m.group(4) or 0))

    def __str__(self) -> str:
        if self.kind == "fixed":
            return f"fixed:{self.days}"
        if self.kind == "boundary":
            return f"boundary:{self.period}" + (f"@{self.phase}" if self.phase else "")
        return "none"

    def arrival(self, t: int) -> int:
        """Day on which an amount unbonded on day ``t`` arrives.

        Examples
        --------
        >>> [Unbonding.parse("boundary:3@1").arrival(t) for t in (1, 2, 3, 4)]
        [4, 4, 4, 7]
        """
        if self.kind == "fixed":
            return t + self.days
        if self.kind == "boundary":
            return t + 1 + (self.phase - (t + 1)) % self.period
        return t

    @property
    def longest(self) -> int:
        """Longest possible wait, days."""
        return {"fixed": self.days, "boundary": self.period, "none": 0}[self.kind]
