"""What passes between the report's stages: a planned run, its result, and its record.

:func:`~softstake_model.report.scenarios.plan` makes :class:`Run` objects,
:func:`~softstake_model.report.execute.execute` turns each into a :class:`RunResult`, and
:func:`record` gives a result as the folder's ``index.json`` keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Run", "RunResult", "record"]


@dataclass
class Run:
    """One notebook execution: its parameters (validated) and where it goes.

    Attributes
    ----------
    notebook
        The notebook's name (``yields``, ``caps``, ``liquidity_stress``, ``reconcile``).
    label
        The scenario as a reader sees it (``token=BNB, days=30``; ``default``).
    params
        The parameters papermill injects.
    slug
        The pages' file name without extension, unique within one plan.
    """

    notebook: str
    label: str
    params: dict
    slug: str = ""


@dataclass
class RunResult:
    """What one run gave.

    Attributes
    ----------
    run
        The run.
    ok
        Whether the notebook executed and rendered.
    seconds
        Wall time of the run, in seconds.
    headline
        The headline figures the notebook displayed (plain numbers and text).
    error
        Where and why it failed (``cell 3: ValueError: ...``); empty when ``ok``.
    html, ipynb
        The pages in the output folder (relative names); empty when there is none.
    """

    run: Run
    ok: bool
    seconds: float
    headline: dict = field(default_factory=dict)
    error: str = ""
    html: str = ""
    ipynb: str = ""


def record(result: RunResult, finished: str) -> dict:
    """A run as ``index.json`` keeps it (plain numbers).

    Parameters
    ----------
    result
        The run's result.
    finished
        When the command finished (UTC, as text).

    Returns
    -------
    dict
        ``notebook``, ``scenario``, ``slug``, ``params``, ``ok``, ``error``, ``seconds``,
        ``headline``, ``html``, ``ipynb``, ``finished``.

    Examples
    --------
    >>> r = RunResult(Run("caps", "default", {}, "caps-default"), True, 1.5)
    >>> record(r, "2025-11-20 08:00:00 UTC")["scenario"]
    'default'
    """
    r = result
    return {"notebook": r.run.notebook, "scenario": r.run.label, "slug": r.run.slug,
            "params": r.run.params, "ok": r.ok, "error": r.error, "seconds": r.seconds,
            "headline": r.headline, "html": r.html, "ipynb": r.ipynb, "finished": finished}
