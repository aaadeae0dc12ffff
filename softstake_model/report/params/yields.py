"""The yields report's parameters: the holder's question itself.

The page asks what :class:`~softstake_model.yields.HolderQuestion` asks, with the same
names, defaults and bounds as ``softstake yields project`` (one definition, in the core
package); the notebook's parameter cell lists them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...yields import HolderQuestion

__all__ = ["YieldsParams"]

@dataclass(frozen=True)
class YieldsParams(HolderQuestion):
    """The yields notebook's parameters: the fields of :class:`~softstake_model.yields.
    HolderQuestion` (meanings, units, bounds and defaults written there); no report-only fields."""


