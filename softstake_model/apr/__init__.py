"""The APR layer (SPEC §4): conversions, realized APR, chain models, uncertainty, histories.

- :mod:`.convert`, :mod:`.realized`: rate conversions and what reward records paid;
- :mod:`.params`, :mod:`.chains`, :mod:`.issuance`: protocol parameters and one model per
  chain (:data:`MODELS`), :func:`network_apr` the entry point; :mod:`.table` the dated,
  flagged catalogue;
- :mod:`.ou`: the OU process on log APR (fit, simulate, centre, intervals);
  :mod:`.uncertainty`: which process each token follows; :mod:`.history`: fitted histories;
- :mod:`.asof`: the as-of date (passed in as ``at``, default today);
- :mod:`.ada`: Cardano's pot and projected reserve; :mod:`.intervals`: network APR
  intervals from the parameters' ranges; :mod:`.steps`: the dates a model may jump at;
  :mod:`.onchain`: staking state read from public chain interfaces.
"""

from .asof import as_of, today
from .chains import CHAINS, MODELS, chain_params, network_apr
from .convert import SECONDS_PER_YEAR, apr_from_index, apr_to_apy, apy_to_apr
from .history import cardano_delegator_history, cardano_process, fit_apr_history
from .ou import (
    PROCESS_KINDS,
    TOKEN_PATHS_ASSUMPTION,
    OUFit,
    centred_paths,
    fit_history,
    fit_ou,
    simulate_ou,
)
from .realized import read_reward_history, realized_apr
from .table import FLAG_MEANINGS, MAX_AGE_DAYS, apr_table
from .uncertainty import eth_store_shape, process_sentence, token_apr_paths, token_process

__all__ = [
    "CHAINS",
    "MODELS",
    "FLAG_MEANINGS",
    "MAX_AGE_DAYS",
    "apr_table",
    "chain_params",
    "network_apr",
    "as_of",
    "today",
    "SECONDS_PER_YEAR",
    "apr_from_index",
    "apr_to_apy",
    "apy_to_apr",
    "read_reward_history",
    "realized_apr",
    "OUFit",
    "fit_ou",
    "fit_history",
    "fit_apr_history",
    "simulate_ou",
    "centred_paths",
    "eth_store_shape",
    "token_apr_paths",
    "token_process",
    "process_sentence",
    "PROCESS_KINDS",
    "TOKEN_PATHS_ASSUMPTION",
    "cardano_delegator_history",
    "cardano_process",
]
