"""Scheduled withdrawal shocks: ``DAY:FRACTION``, an extra share of user balances withdrawn
on a given day (added to that day's rate, SPEC §5)."""

from __future__ import annotations

from ..errors import ParameterError

__all__ = ["parse_shock", "parse_shocks"]


def parse_shock(text: str) -> tuple[int, float]:
    """Read one shock.

    Parameters
    ----------
    text
        ``"DAY:FRACTION"``: the day (>= 1) and the share of user balances (in [0, 1]).

    Returns
    -------
    tuple of (int, float)
        ``(day, fraction)``.

    Raises
    ------
    ParameterError
        ``param="shocks"`` when the text is not two numbers or either is out of range.

    Examples
    --------
    >>> parse_shock("5:0.2")
    (5, 0.2)
    """
    bits = str(text).split(":")
    try:
        if len(bits) != 2:
            raise ValueError
        day, frac = int(bits[0]), float(bits[1])
    except ValueError:
        raise ParameterError(f"'{text}' is not DAY:FRACTION (e.g. 1:0.3)",
                             param="shocks") from None
    if day < 1 or not 0 <= frac <= 1:
        raise ParameterError(f"'{text}' needs a day >= 1 and a fraction in [0, 1]",
                             param="shocks")
    return day, frac


def parse_shocks(value: object) -> tuple[tuple[int, float], ...]:
    """Read a list of shocks (the parser of :attr:`StressParams.shocks`).

    Parameters
    ----------
    value
        ``(day, fraction)`` pairs, ``DAY:FRACTION`` texts, or one such text.

    Returns
    -------
    tuple of (int, float) pairs
        ``((day, fraction), ...)`` in the order given.

    Raises
    ------
    ParameterError
        ``param="shocks"`` when an item is neither a pair nor a text, or is out of range.

    Examples
    --------
    >>> parse_shocks(["1:0.3", (5, 0.1)])
    ((1, 0.3), (5, 0.1))
    """
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ParameterError(f"must be (day, fraction) pairs, got {value!r}", param="shocks")
    out = []
    for v in items:
        if isinstance(v, str):
            out.append(parse_shock(v))
            continue
        try:
            d, f = v  # type: ignore[misc]
            out.append((int(d), float(f)))
        except (TypeError, ValueError):
            raise ParameterError(f"must be (day, fraction) pairs, got {value!r}",
                                 param="shocks") from None
    for d, f in out:
        if d < 1 or not 0 <= f <= 1:
            raise ParameterError(f"'{d}:{f}' needs a day >= 1 and a fraction in [0, 1]",
                                 param="shocks")
    return tuple(out)
