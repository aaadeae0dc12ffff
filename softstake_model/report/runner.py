"""The report runner: scenarios → validated runs → papermill in parallel → HTML → index.

One name to import the whole pipeline from; each stage has a module of its own:

- :mod:`.scenarios`: scenario files (``grid:`` and ``zip:`` sweeps) and :func:`plan`, which
  validates every run against its notebook's schema before anything executes;
- :mod:`.execute`: :func:`execute`, papermill in worker processes, each run into a private
  build folder (a failing run never replaces a good report), kernel restarts, Ctrl-C;
- :mod:`.render`: the HTML pages through the shipped templates (:func:`render_html` for a
  run, ``index_page`` for the index);
- :mod:`.index`: :func:`write_index`, the record kept in ``index.json`` and the page over it,
  whose views (:func:`~softstake_model.report.overview.overview_view`, formatted through
  :mod:`.format`) live in :mod:`.overview`;
- :mod:`.runs`: :class:`Run` and :class:`RunResult`, what passes between them.
"""

from __future__ import annotations

from .execute import NOTEBOOKS_DIR, execute, shipped_notebooks
from .index import write_index
from .render import render_html
from .runs import Run, RunResult
from .scenarios import QUICK_TOKENS, load_scenarios, parse_value, plan

__all__ = ["Run", "RunResult", "NOTEBOOKS_DIR", "shipped_notebooks", "load_scenarios", "plan",
           "execute", "write_index", "render_html", "QUICK_TOKENS"]

#: The name ``tests/test_reconcile_report.py`` still imports (now
#: :func:`~softstake_model.report.scenarios.parse_value`).
_parse_value = parse_value
