"""The dated, flagged catalogue: each token's APR beside its chain's network APR.

:func:`apr_table` gives per catalogue token the user APR with its as-of date and age, the
chain model's inflation, network and net APR (:func:`~softstake_model.apr.chains.network_apr`
at the same date), the spread and the contradictions flagged (:data:`FLAG_MEANINGS`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ParameterError
from .asof import as_of
from .chains import TOKEN_CHAIN, network_apr
from .intervals import sign_word

__all__ = ["apr_table", "FLAG_MEANINGS", "MAX_AGE_DAYS"]

#: An APR estimate older than this many days is flagged ``stale`` by :func:`apr_table`.
MAX_AGE_DAYS = 365

#: What each flag of :func:`apr_table` means, in the words reports print.
FLAG_MEANINGS = {
    "above network": "the catalogue APR is above the chain's net network APR: the exchange "
                     "would pay more than staking earns (check the estimate or the model)",
    "stale": f"the catalogue APR is older than {MAX_AGE_DAYS} days",
    "undated": "the catalogue APR has no as-of date",
}


def _flags(apr: float, net: float, has_model: bool, dated: pd.Timestamp | None, age: float,
           max_age_days: float) -> str:
    flags = []
    if has_model and apr > net:
        flags.append("above network")
    if dated is None:
        flags.append("undated")
    elif age > max_age_days:
        flags.append("stale")
    return ", ".join(flags)


def apr_table(catalog: pd.DataFrame, at: object = None,
              max_age_days: int = MAX_AGE_DAYS) -> pd.DataFrame:
    """All catalogue tokens: catalogue (user) APR with its as-of date, network and net APR,
    the spread, and the contradictions flagged.

    Parameters
    ----------
    catalog
        :func:`~softstake_model.catalog.load_catalog` (indexed by token).
    at
        Date the network rates apply to and ages are counted at (default today, UTC; the
        catalogue's figures are dated 2025-11-19).
    max_age_days
        An APR estimate older than this is flagged ``stale``.

    Returns
    -------
    pandas.DataFrame
        One row per token: ``apr`` (the catalogue's user APR, fraction a year),
        ``apr_date`` and ``apr_age_days``, ``apr_confidence``, ``apr_source``, ``model``,
        ``inflation``, ``network_apr`` (stakers' gross), ``net_apr`` (after the validator's
        commission), ``spread = net_apr - apr`` (the spread: what the exchange keeps per unit
        of eligible balance before costs, see ``docs/apr.md``), ``flags`` (text, empty when
        none: ``above network`` when the catalogue APR exceeds the net network APR, ``stale``
        when the estimate is older than ``max_age_days``, ``undated`` when it has no date)
        and ``assumed`` (the assumed values behind the row).
    """
    if not (isinstance(max_age_days, int | float) and max_age_days > 0):
        raise ParameterError(f"must be a positive number of days, got {max_age_days}",
                             param="max_age_days")
    when = as_of(at)
    rows = []
    for token, r in catalog.iterrows():
        chain = TOKEN_CHAIN.get(str(token))
        res = network_apr(chain, at=when) if chain else None
        assumed = [f"apr ({r['apr_source']})"] if r["apr_confidence"] == "assumed" else []
        if res:
            assumed += [f"{chain}.{k}" for k in res["assumed"]]
        dated = r.get("apr_date")
        dated = pd.Timestamp(str(dated)) if isinstance(dated, str) and dated else None
        age = (when - dated).days if dated is not None else np.nan
        has = bool(res) and res["net_apr"] is not None
        net = res["net_apr"] if has else np.nan
        low = res["net_apr_low"] - r["apr"] if has else np.nan
        high = res["net_apr_high"] - r["apr"] if has else np.nan
        rows.append({
            "token": token,
            "apr": r["apr"],
            "apr_date": None if dated is None else str(dated.date()),
            "apr_age_days": age,
            "apr_confidence": r["apr_confidence"],
            "apr_source": r["apr_source"],
            "model": chain,
            "inflation": res["inflation"] if has and res["inflation"] is not None else np.nan,
            "network_apr": res["network_apr"] if has else np.nan,
            "net_apr": net,
            "spread": net - r["apr"],
            "spread_low": low,
            "spread_high": high,
            "spread_sign": sign_word(low, high) if has else "",
            "no_model": res.get("no_model", "") if res else "",
            "beyond_schedule": bool(res and res["beyond_schedule"]),
            "flags": _flags(r["apr"], net, has, dated, age, max_age_days),
            "assumed": "; ".join(assumed),
        })
    return pd.DataFrame(rows)
