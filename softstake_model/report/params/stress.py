"""The stress report's parameters: the stress question and the tokens it ranks."""

from __future__ import annotations

from dataclasses import dataclass

from ... import spec
from ...errors import ParameterError
from ...product import parse_tokens
from ...stress_question import StressQuestion
from .common import ALL_TOKENS, catalog_tokens

__all__ = ["StressReportParams"]


def _tokens(value: object) -> str:
    text = str(value).strip()
    if not parse_tokens(text):
        raise ParameterError("names no token", param="tokens")
    return text


@dataclass(frozen=True)
class StressReportParams(StressQuestion):
    """Liquidity stress across tokens: the :class:`~softstake_model.stress_question.
    StressQuestion` (its fields, meanings and defaults) asked of each of ``tokens``.

    ``token`` is the command's one token: the report ranks ``tokens`` instead and refuses
    it.
    """

    tokens: str = spec.param("all", doc="Catalogue tokens to rank, comma-separated, or all "
                             "(the report's 15).", kind="text", parse=_tokens)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.token is not None:
            raise ParameterError("is one scenario's token: the report ranks 'tokens'",
                                 param="token")
        try:
            known = catalog_tokens(self.catalog)
        except ValueError as e:
            raise ParameterError(str(e).removeprefix("parameter 'catalog' "),
                                 param="catalog") from None
        bad = [t for t in self.token_list if t not in known]
        if bad:
            raise ParameterError(f"names unknown token(s) {bad}", param="tokens")

    @property
    def token_list(self) -> list[str]:
        """The tokens, upper-cased (``all``: every token of the default report)."""
        return parse_tokens(ALL_TOKENS if self.tokens.lower() == "all" else self.tokens)


