"""The reconcile report's parameters: the reconciliation question itself.

Every parameter is a field of :class:`softstake_model.reconcile_question.ReconcileQuestion`
(meaning, unit, bounds and default written once there, the same for ``softstake
reconcile``); :func:`softstake_model.report.params.validate` checks a notebook's values
through those fields (``spec.problems``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...reconcile_question import ReconcileQuestion

__all__ = ["ReconcileParams"]


@dataclass(frozen=True)
class ReconcileParams(ReconcileQuestion):
    """The reconciliation question, as the reconcile notebook takes it (no field of its own).
    """

