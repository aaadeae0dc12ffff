"""The reconcile report's parameters."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from .common import (
    DEFAULT_PRESET,
    EXAMPLES,
    Params,
    Preset,
    check_file,
)

__all__ = ["ReconcileParams"]


class ReconcileParams(Params):
    """A holder's statement checked against the rules.

    Attributes
    ----------
    statement
        Statement CSV; None = the shipped synthetic example (its path after validation).
    rewards_record
        Binance rewardsRecord JSON, or None.
    activated_at
        Activation instant (ISO-8601 with zone), or None to take it from the first reward
        credit; a date or date-time object (as YAML gives) is taken as its ISO text.
    start, end
        First and last accrual day to check (``YYYY-MM-DD``), or None for the statement's
        range; dates given as date objects are taken as their ISO text.
    preset
        Product terms, one of ``softstake_model.terms.PRESETS``.
    apr
        The APR compared with: None = the APR implied by each payout against its
        neighbours' median; ``"catalog"`` = the catalogue's; a fraction in [0, 1].
    apr_history
        CSV ``date,token,apr`` of the rates paid (every day), compared with instead.
    tolerance
        Relative departure still ``ok`` (None = 0.1 with the implied APR, else 0).
    catalog
        File laid over the shipped catalogue, or None.
    """

    statement: str | None = Field(None, validate_default=True)
    rewards_record: str | None = None
    activated_at: str | None = "2025-11-19T11:30:00Z"
    start: str | None = None
    end: str | None = None
    preset: Preset = DEFAULT_PRESET
    apr: Literal["catalog"] | float | None = None
    apr_history: str | None = None
    tolerance: float | None = Field(None, ge=0)
    catalog: str | None = None

    _files = field_validator("rewards_record", "catalog", "apr_history")(check_file)

    @field_validator("statement")
    @classmethod
    def _statement(cls, value: str | None) -> str:
        if value is None:
            return str(EXAMPLES / "binance_statement.csv")
        return check_file(value)

    @field_validator("activated_at", "start", "end", mode="before")
    @classmethod
    def _iso_time(cls, value: Any) -> Any:
        if isinstance(value, dt.date):  # datetime is a date too
            return value.isoformat()
        return value

    @field_validator("apr")
    @classmethod
    def _apr_range(cls, value: Any) -> Any:
        if isinstance(value, float | int) and not 0 <= value <= 1:
            raise ValueError(f"must be 'catalog' or a fraction in [0, 1], got {value}")
        return value

    @model_validator(mode="after")
    def _one_apr(self) -> ReconcileParams:
        if self.apr is not None and self.apr_history is not None:
            raise ValueError("give 'apr' or 'apr_history', not both")
        return self
