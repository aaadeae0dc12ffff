"""The caps report's parameters: the platform's question itself.

The page asks what :class:`~softstake_model.cap_question.CapQuestion` asks, with the same
names, defaults and bounds as ``softstake caps`` (one definition, in the core package); the
notebook's parameter cell lists them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...cap_question import CapQuestion

__all__ = ["CapsParams"]

@dataclass(frozen=True)
class CapsParams(CapQuestion):
    """The caps notebook's parameters: the fields of :class:`~softstake_model.cap_question.
    CapQuestion` (meanings, units, bounds and defaults written there); no report-only fields."""


