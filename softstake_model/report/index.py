"""The index of an output folder: the record kept in ``index.json`` and the page over it.

Every command merges its runs into the folder's earlier records
(:func:`~softstake_model.report.overview.merge_records`), so earlier reports stay listed and
a failed run keeps its earlier good page linked; both files are written atomically.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..files import atomic_write
from .overview import merge_records
from .render import index_page
from .runs import RunResult, record

__all__ = ["write_index", "previous_records"]


def write_index(results: list[RunResult], out: Path) -> Path:
    """Write ``index.html`` and ``index.json`` for every report in ``out``.

    The index keeps a record (``index.json``): this command's runs are merged into the
    folder's earlier records (:func:`~softstake_model.report.overview.merge_records`), so
    earlier reports stay listed and a failed run keeps its earlier good page linked. The
    page (:func:`~softstake_model.report.render.index_page`) has the overview by token,
    the sweeps compared, and every run with its status, duration, parameters and links.

    Parameters
    ----------
    results
        From :func:`~softstake_model.report.execute.execute`.
    out
        Output folder.

    Returns
    -------
    Path
        ``out/index.html``.
    """
    out = Path(out)
    now = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    records = merge_records(previous_records(out), [record(r, now) for r in results], out)
    page = index_page(records, now)
    atomic_write(out / "index.json", lambda h: h.write(json.dumps(records, indent=2,
                                                                  default=str) + "\n"))
    return atomic_write(out / "index.html", lambda h: h.write(page))


def previous_records(out: Path) -> list[dict]:
    """The folder's earlier index records (none when missing or unreadable).

    Parameters
    ----------
    out
        Output folder.

    Returns
    -------
    list of dict
        The records of ``out/index.json`` that name a notebook.
    """
    try:
        data = json.loads((Path(out) / "index.json").read_text())
    except (OSError, ValueError):
        return []
    return [r for r in data if isinstance(r, dict) and "notebook" in r] \
        if isinstance(data, list) else []
