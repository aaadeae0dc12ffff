"""The stress report's parameters."""

from __future__ import annotations

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from ...errors import ParameterError
from .common import (
    ALL_TOKENS,
    Params,
    catalog_tokens,
    check_file,
)

__all__ = ["StressReportParams"]


class StressReportParams(Params):
    """Liquidity stress across tokens.

    Attributes
    ----------
    tokens
        Comma-separated catalogue tokens, or ``all`` (see :attr:`token_list`).
    total
        User balances per token, tokens (> 0; metrics are shares and days).
    buffer_ratio
        Liquid share, in [0, 1].
    days
        Horizon, days (1–3650).
    base_rate
        Daily withdrawal share, in [0, 1].
    shock_day, shock_fraction
        The deterministic scenario's run: day (>= 1) and share withdrawn (in [0, 1]).
    paths
        Monte Carlo paths (1–1,000,000).
    alpha
        Target probability for buffer sizing, in (0, 1): P(any delay) <= alpha, or with
        ``max_delay_days`` P(longest delay > max_delay_days) <= alpha.
    max_delay_days
        Delay target, days (>= 0), or None for any delay.
    unbonding
        Unbonding rule for every token (``fixed:N``, ``boundary:P[@PHASE]``, ``none``), e.g.
        for a new token; None = each token's catalogue rule.
    price_link
        Extra withdrawal share per unit of new (log) drawdown in the Monte Carlo runs
        (>= 0; 0.1: a 5 % fall to a new low adds about 0.5 % of balances).
    seed
        Random seed.
    catalog
        File laid over the shipped catalogue, or None.
    """

    tokens: str = "all"
    total: float = Field(1_000_000.0, gt=0)
    buffer_ratio: float = Field(0.05, ge=0, le=1)
    days: int = Field(180, ge=1, le=3650)
    base_rate: float = Field(0.001, ge=0, le=1)
    shock_day: int = Field(10, ge=1)
    shock_fraction: float = Field(0.2, ge=0, le=1)
    paths: int = Field(2000, ge=1, le=1_000_000)
    alpha: float = Field(0.05, gt=0, lt=1)
    max_delay_days: int | None = Field(None, ge=0)
    unbonding: str | None = None
    price_link: float = Field(0.1, ge=0)
    seed: int = 0
    catalog: str | None = None

    _catalog_file = field_validator("catalog")(check_file)

    @field_validator("unbonding")
    @classmethod
    def _rule(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from ...liquidity import Unbonding

        try:
            return str(Unbonding.parse(value.strip()))
        except ParameterError:
            raise ValueError(f"must be fixed:N, boundary:P[@PHASE] or none, got {value!r}"
                             ) from None

    @property
    def token_list(self) -> list[str]:
        """The tokens, upper-cased (``all``: every token of the default report)."""
        from ...product import parse_tokens

        return parse_tokens(ALL_TOKENS if self.tokens.strip().lower() == "all" else self.tokens)

    @model_validator(mode="after")
    def _known_tokens(self) -> StressReportParams:
        listed = self.token_list
        if not listed:
            raise ValueError("parameter 'tokens' names no token")
        known = catalog_tokens(self.catalog)
        bad = [t for t in listed if t not in known]
        if bad:
            raise ValueError(f"parameter 'tokens' names unknown token(s) {bad}")
        return self
