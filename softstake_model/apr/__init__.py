"""The APR layer (SPEC §4): conversions, realized APR, chain models, uncertainty."""

from .chains import CHAINS, apr_table, chain_params, network_apr
from .convert import SECONDS_PER_YEAR, apr_from_index, apr_to_apy, apy_to_apr
from .realized import read_reward_history, realized_apr
from .uncertainty import OUFit, eth_store_shape, fit_ou, simulate_ou, token_apr_paths

__all__ = [
    "CHAINS",
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
    "simulate_ou",
    "eth_store_shape",
    "token_apr_paths",
]
