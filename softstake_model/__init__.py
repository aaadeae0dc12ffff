"""softstake_model — exchange soft staking: rewards, APR, yields, caps and liquidity.

The public API is re-exported here and imported on first use, so that ``import
softstake_model`` (and the ``softstake`` command's start) stays light; see each module for
details.
No module is named like a function it exports (reconciliation lives in ``reconciliation``,
its function is ``reconcile``), so importing a submodule never replaces a function here.
"""

from __future__ import annotations

import importlib

#: Public name -> module that defines it.
_EXPORTS = {
    "DayGrid": "balances",
    "Snapshot": "balances",
    "daily_balances": "balances",
    "assumed_values": "catalog",
    "assumed_lines": "catalog",
    "load_catalog": "catalog",
    "override": "catalog",
    "select_tokens": "catalog",
    "InputError": "errors",
    "ParameterError": "errors",
    "SoftstakeError": "errors",
    "read_binance_statement": "ledger",
    "read_generic": "ledger",
    "read_ledger": "ledger",
    "read_product_list": "ledger",
    "read_rewards_record": "ledger",
    "HISTORY_COLUMNS": "rewards",
    "reward_history": "rewards",
    "daily_reward": "rules",
    "eligible": "rules",
    "gross": "rules",
    "parse_tiers": "rules",
    "truncate": "rules",
    "PRESETS": "terms",
    "Terms": "terms",
    "preset": "terms",
    "build_terms": "product",
    "product_catalog": "product",
    "token_rule": "product",
    "TokenRule": "product",
    "ledger_for": "product",
    "timeline": "product",
    "parse_tokens": "product",
    "reconcile": "reconciliation",
    "reconcile_totals": "reconciliation",
    "flag_counts": "reconciliation",
    "ReconcileQuestion": "reconcile_question",
    "reconcile_statement": "reconcile_question",
    "project": "yields",
    "holder_outlook": "yields",
    "compare_tokens": "yields",
    "effective_apr_curve": "yields",
    "caps_summary": "caps",
    "cap_metrics": "caps",
    "sample_population": "caps",
    "run_stress": "stress",
    "StressQuestion": "stress_question",
    "outlook": "yields",
    "HolderQuestion": "yields",
    "cap_cost": "cap_question",
    "CapQuestion": "cap_question",
    "RuleQuestion": "product",
    "StressParams": "liquidity",
    "RunModel": "liquidity",
    "simulate": "liquidity",
    "stress_sweep": "liquidity",
    "withdrawal_rates": "liquidity",
    "size_buffer": "liquidity",
    "grid": "sweeps",
    "zip_": "sweeps",
    "apr_table": "apr",
    "network_apr": "apr",
    "realized_apr": "apr",
    "apr_to_apy": "apr",
    "apy_to_apr": "apr",
    "fit_ou": "apr",
    "fit_history": "apr",
    "fit_apr_history": "apr",
    "cardano_delegator_history": "apr",
    "simulate_ou": "apr",
    "token_apr_paths": "apr",
    "examples": "examples",
}

#: Exported names that are modules themselves.
_MODULES = {"examples"}

__all__ = sorted(_EXPORTS)

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'softstake_model' has no attribute '{name}'")
    mod = importlib.import_module(f".{module}", __name__)
    value = mod if name in _MODULES else getattr(mod, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
