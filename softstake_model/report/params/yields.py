"""The yields report's parameters."""

from __future__ import annotations

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from .common import (
    DEFAULT_PRESET,
    Params,
    Preset,
    check_file,
    token_in_catalog,
)

__all__ = ["YieldsParams"]


class YieldsParams(Params):
    """A holder's view of one token.

    Attributes
    ----------
    token
        Catalogue token (upper-cased).
    budget_usd
        Position size in USD, converted at the catalogue's (assumed) price (> 0).
    balance
        Position in tokens instead of ``budget_usd`` (None = use the budget).
    price
        Token price now, USD (None = the catalogue's assumed price).
    days
        Horizon, days (1–3650).
    apr_paths
        Simulated APR paths (0 = constant APR; at most 100,000).
    price_paths
        GBM price paths for the fiat view (10–100,000).
    seed
        Random seed.
    preset
        Product terms, one of ``softstake_model.terms.PRESETS``.
    catalog
        File laid over the shipped catalogue, or None.
    """

    token: str = "BNB"
    budget_usd: float = Field(1000.0, gt=0)
    balance: float | None = Field(None, gt=0)
    price: float | None = Field(None, gt=0)
    days: int = Field(365, ge=1, le=3650)
    apr_paths: int = Field(300, ge=0, le=100_000)
    price_paths: int = Field(1000, ge=10, le=100_000)
    seed: int = 0
    preset: Preset = DEFAULT_PRESET
    catalog: str | None = None

    _upper = field_validator("token")(lambda v: v.strip().upper())
    _catalog_file = field_validator("catalog")(check_file)

    @model_validator(mode="after")
    def _known_token(self) -> YieldsParams:
        token_in_catalog(self.token, self.catalog)
        return self
