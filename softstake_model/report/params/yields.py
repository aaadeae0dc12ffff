"""The yields report's parameters: the holder's question itself.

The page asks what :class:`~softstake_model.yields.HolderQuestion` asks, with the same
names, defaults and bounds as ``softstake yields project`` (one definition, in the core
package); the notebook's parameter cell lists them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ...yields import HolderQuestion

__all__ = ["YieldsParams"]

@dataclass(frozen=True)
class YieldsParams(HolderQuestion):
    """The yields notebook's parameters: the fields of :class:`~softstake_model.yields.
    HolderQuestion` (meanings, units, bounds and defaults written there); no report-only fields."""


#: The fields by name, each with its ``default``: what the runner and the index read of a
#: schema under pydantic's name, until they read a dataclass schema's fields themselves.
YieldsParams.model_fields = {  # type: ignore[attr-defined]
    f.name: f for f in dataclasses.fields(YieldsParams)}
