"""softstake_model — exchange soft staking: rewards, APR, yields, caps and liquidity.

The public API is re-exported here; see each module for details.
"""

from .balances import DayGrid, Snapshot, daily_balances
from .catalog import assumed_values, load_catalog, override, select_tokens
from .errors import InputError, ParameterError, SoftstakeError
from .ledger import (
    read_binance_statement,
    read_generic,
    read_ledger,
    read_product_list,
    read_rewards_record,
)
from .rewards import HISTORY_COLUMNS, reward_history
from .rules import daily_reward, eligible, gross, parse_tiers, truncate
from .terms import PRESETS, Terms, preset

__all__ = [
    "DayGrid",
    "Snapshot",
    "daily_balances",
    "assumed_values",
    "load_catalog",
    "override",
    "select_tokens",
    "InputError",
    "ParameterError",
    "SoftstakeError",
    "read_binance_statement",
    "read_generic",
    "read_ledger",
    "read_product_list",
    "read_rewards_record",
    "HISTORY_COLUMNS",
    "reward_history",
    "daily_reward",
    "eligible",
    "gross",
    "parse_tiers",
    "truncate",
    "PRESETS",
    "Terms",
    "preset",
]

__version__ = "0.1.0"
