"""The bounds of the reward rule's own parameters, defined once.

:class:`~softstake_model.terms.Terms` declares its ``fee`` and ``precision`` fields with
these specs and :func:`~softstake_model.rules.daily_reward` checks its arguments against the
same specs, so both accept the same values and refuse the others in the same words.
(Not in :mod:`~softstake_model.terms`: it imports :mod:`~softstake_model.rules`.)
"""

from __future__ import annotations

from .spec import Spec

__all__ = ["FEE", "PRECISION"]

#: The share of the gross reward the exchange keeps, in [0, 1) (1 would pay nothing).
FEE = Spec(doc="Share of the gross reward the exchange keeps.", unit="share", kind="ratio",
           high_open=True)
#: Decimals a reward is truncated to, 0..12 (a float holds about 15 significant digits).
PRECISION = Spec(doc="Decimals a reward is truncated to (toward zero).", unit="decimals",
                 kind="whole", low=0, high=12)
