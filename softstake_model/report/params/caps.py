"""The caps report's parameters."""

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

__all__ = ["CapsParams"]


class CapsParams(Params):
    """The platform's view of one token's minimum and cap.

    Attributes
    ----------
    token
        Catalogue token (its minimum, cap, APR and price; upper-cased).
    population_usd
        Holder balances in USD (``lognormal:MU,SIGMA``, ``pareto:XM,ALPHA`` or a mixture),
        converted to tokens at the catalogue price.
    holders
        Holders sampled (10–10,000,000).
    min_holding, cap
        Override the token's minimum (>= 0) and cap (> 0), tokens, or None.
    network_apr
        On-chain APR of the staked part, in [0, 1]; None = the chain model's net APR where
        there is one.
    buffer_ratio
        Liquid share not staked, in [0, 1].
    sweep_points
        Caps in the cost sweep (5–1000).
    seed
        Random seed.
    preset
        Product terms, one of ``softstake_model.terms.PRESETS``.
    catalog
        File laid over the shipped catalogue, or None.
    """

    token: str = "BNB"
    population_usd: str = "0.95*lognormal:5,1.8+0.05*pareto:20000,1.2"
    holders: int = Field(200_000, ge=10, le=10_000_000)
    min_holding: float | None = Field(None, ge=0)
    cap: float | None = Field(None, gt=0)
    network_apr: float | None = Field(None, ge=0, le=1)
    buffer_ratio: float = Field(0.1, ge=0, le=1)
    sweep_points: int = Field(60, ge=5, le=1000)
    seed: int = 0
    preset: Preset = DEFAULT_PRESET
    catalog: str | None = None

    _upper = field_validator("token")(lambda v: v.strip().upper())
    _catalog_file = field_validator("catalog")(check_file)

    @model_validator(mode="after")
    def _known_token(self) -> CapsParams:
        token_in_catalog(self.token, self.catalog)
        return self
