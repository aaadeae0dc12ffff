"""The caps report's parameters: the platform's question itself.

The page asks what :class:`~softstake_model.cap_question.CapQuestion` asks, with the same
names, defaults and bounds as ``softstake caps`` (one definition, in the core package); the
notebook's parameter cell lists them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ...cap_question import CapQuestion

__all__ = ["CapsParams"]

@dataclass(frozen=True)
class CapsParams(CapQuestion):
    """The caps notebook's parameters: the fields of :class:`~softstake_model.cap_question.
    CapQuestion` (meanings, units, bounds and defaults written there); no report-only fields."""


#: The fields by name, each with its ``default``: what the runner and the index read of a
#: schema under pydantic's name, until they read a dataclass schema's fields themselves.
CapsParams.model_fields = {  # type: ignore[attr-defined]
    f.name: f for f in dataclasses.fields(CapsParams)}
