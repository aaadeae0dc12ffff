"""What each report notebook shows, computed by the package's tested functions.

One module per notebook turns its validated parameters into plain data (frames, dicts,
arrays); the notebook only displays it and calls :mod:`..plots`. Nothing here recomputes a
rule: projections go through the engine, costs through :mod:`caps`, stress through
:mod:`liquidity`.
"""

from __future__ import annotations

from .caps import caps_view
from .reconcile import reconcile_view
from .stress import stress_view
from .yields import yields_view

__all__ = ["yields_view", "caps_view", "stress_view", "reconcile_view"]
