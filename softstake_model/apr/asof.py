"""The as-of date of the APR layer: the day rates apply to, passed in or today.

Every function that depends on the date takes ``at`` (text ``YYYY-MM-DD``, a ``date`` or a
``Timestamp`` at midnight); without one it is today's date in UTC. No date is written into
the models: the catalogue's figures are dated in ``data/catalog.csv`` and a caller who
wants them as of that date passes it.
"""

from __future__ import annotations

import pandas as pd

from ..tables import parse_date

__all__ = ["today", "as_of", "naive_day"]


def today() -> pd.Timestamp:
    """Today's date in UTC, as a naive midnight."""
    return pd.Timestamp.now(tz="UTC").normalize().tz_localize(None)


def as_of(at: object = None, param: str = "at") -> pd.Timestamp:
    """``at`` as a naive midnight (:func:`~softstake_model.tables.parse_date`), or
    :func:`today` when it is None.

    Parameters
    ----------
    at
        The date, or None for today (UTC).
    param
        The parameter named when ``at`` is not a date.
    """
    if at is None:
        return today()
    if isinstance(at, pd.Timestamp) and at.tzinfo is None and at == at.normalize():
        return at  # already a naive midnight (the models pass dates on)
    return parse_date(at, param)


def naive_day(at: object) -> pd.Timestamp:
    """``at`` as a Timestamp without a zone (a zone-aware one keeps its wall time)."""
    t = pd.Timestamp(at)
    return t.tz_localize(None) if t.tzinfo else t
