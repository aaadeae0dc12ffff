"""A holder's statement checked against the rules (the reconcile notebook)."""

from __future__ import annotations

from ...reconcile_question import ReconcileQuestion, Reconciliation, reconcile_statement

__all__ = ["reconcile_view"]


def reconcile_view(p: ReconcileQuestion) -> Reconciliation:
    """The reconciliation of :func:`~softstake_model.reconcile_question.reconcile_statement`
    (the one ``softstake reconcile`` prints): every payout, the flagged ones, counts,
    per-token totals, which APR the payouts were compared with, the parameters used."""
    return reconcile_statement(p)
