"""The APR layer (SPEC §4): conversions, realized APR, chain models, uncertainty, histories."""

from .chains import CHAINS, FLAG_MEANINGS, MAX_AGE_DAYS, apr_table, chain_params, network_apr
from .convert import SECONDS_PER_YEAR, apr_from_index, apr_to_apy, apy_to_apr
from .history import (
    cardano_delegator_history,
    cardano_process,
    fit_apr_history,
    fit_history,
)
from .realized import read_reward_history, realized_apr
from .uncertainty import (
    PROCESS_KINDS,
    TOKEN_PATHS_ASSUMPTION,
    OUFit,
    centred_paths,
    eth_store_shape,
    fit_ou,
    process_sentence,
    simulate_ou,
    token_apr_paths,
    token_process,
)

__all__ = [
    "CHAINS",
    "FLAG_MEANINGS",
    "MAX_AGE_DAYS",
    "apr_table",
    "chain_params",
    "network_apr",
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
