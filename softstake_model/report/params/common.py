"""What every report's parameters share: the strict base model, the example data, the presets."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ... import shipped
from ...catalog import load_catalog, tokens
from ...errors import InputError
from ...terms import PRESETS

__all__ = ["EXAMPLES", "ALL_TOKENS", "Preset", "DEFAULT_PRESET", "Params", "catalog_tokens",
           "check_file", "token_in_catalog"]

#: The shipped example data (found through importlib.resources, so an installed wheel has it).
EXAMPLES = shipped.path("statement").parent
#: The tokens of the default report: the shipped catalogue's, in its order.
ALL_TOKENS = ",".join(tokens())

#: Names of the product-terms presets (``softstake_model.terms.PRESETS``).
Preset = Literal[tuple(PRESETS)]  # type: ignore[valid-type]
DEFAULT_PRESET = "binance_soft_staking"


class Params(BaseModel):
    """Common configuration: frozen, strict, unknown names refused."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")


def catalog_tokens(catalog: str | None) -> list[str]:
    """The tokens of the catalogue (with ``catalog`` laid over it), as a validator needs."""
    try:
        return list(load_catalog(catalog).index)
    except InputError as e:  # pydantic would take it for a value error of another field
        raise ValueError(f"parameter 'catalog' is not a usable catalogue: {e}") from None


def check_file(value: str | None) -> str | None:
    """A path that must name an existing file (None passes)."""
    if value is not None and not Path(value).is_file():
        raise ValueError(f"is not a file: '{value}'")
    return value


def token_in_catalog(token: str, catalog: str | None) -> None:
    """Refuse a token that is not in the catalogue, listing the known ones."""
    known = catalog_tokens(catalog)
    if token not in known:
        raise ValueError(f"parameter 'token' must be a catalogue token ({', '.join(known)}), "
                         f"got '{token}'")


