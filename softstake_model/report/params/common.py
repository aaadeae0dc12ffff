"""What every report's parameters share: the example data and the catalogue's tokens."""

from __future__ import annotations

from ... import shipped
from ...catalog import load_catalog, tokens
from ...errors import InputError

__all__ = ["EXAMPLES", "ALL_TOKENS", "catalog_tokens"]

#: The shipped example data (found through importlib.resources, so an installed wheel has it).
EXAMPLES = shipped.path("statement").parent
#: The catalogue tokens of the default report, in the shipped catalogue's order.
ALL_TOKENS = ",".join(tokens())


def catalog_tokens(catalog: str | None) -> list[str]:
    """The tokens of the catalogue (with ``catalog`` laid over it).

    Raises
    ------
    ValueError
        When ``catalog`` is not a usable catalogue (the message names it).
    """
    try:
        return list(load_catalog(catalog).index)
    except InputError as e:
        raise ValueError(f"parameter 'catalog' is not a usable catalogue: {e}") from None
