"""A holder's statement checked against the rules (the reconcile notebook)."""

from __future__ import annotations

from ...catalog import assumed_lines
from ...product import ledger_for, product_catalog
from ...reconcile import flag_counts, reconcile, reconcile_totals
from ...terms import preset
from ..params import ReconcileParams

__all__ = ["reconcile_view"]


def reconcile_view(p: ReconcileParams) -> dict:
    """The reconciliation: every payout, the flagged ones, counts, per-token totals, and
    which APR the payouts were compared with."""
    from ...ledger import read_apr_history, read_rewards_record

    cat = product_catalog(p.catalog)
    ledger, _ = ledger_for(p.statement, cat)
    record = read_rewards_record(p.rewards_record) if p.rewards_record else None
    history = read_apr_history(p.apr_history) if p.apr_history else None
    table = reconcile(ledger, cat, preset(p.preset), start=p.start, end=p.end,
                      rewards_record=record, compare=p.apr, tolerance=p.tolerance,
                      activated_at=p.activated_at, apr_history=history)
    counts = flag_counts(table)
    tokens = sorted(set(table["token"]))
    fields = ("apr", "price_usd") if table.attrs["basis"] == "catalog" else ("price_usd",)
    assumed = assumed_lines(cat, tokens, fields)
    headline = {"payouts": int(counts.sum()), **{k: int(n) for k, n in counts.items()},
                "apr_compared": table.attrs["basis"]}
    return {"table": table, "flagged": table[table["flag"] != "ok"], "counts": counts,
            "totals": reconcile_totals(table, cat, preset(p.preset).precision),
            "compared_with": table.attrs["compared_with"],
            "activation": table.attrs["activation"], "assumed": assumed,
            "headline": headline}
