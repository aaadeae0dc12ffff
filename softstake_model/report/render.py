"""Rendering: the pages of the report, HTML through the shipped templates.

A run's page is its executed notebook through nbconvert's JupyterLab layout without code
(the ``offline`` template); the index is ``index.html.j2`` (Jinja2, autoescaped) filled with
the views of :mod:`.overview`. Both templates ship in ``report/templates`` and are found
through :mod:`importlib.resources`.
"""

from __future__ import annotations

import functools
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

import jinja2

from .. import __version__
from .format import fmt
from .overview import overview_table, overview_view, sweep_groups, sweep_view

__all__ = ["render_html", "preload_exporter", "index_page"]

_TEMPLATES: Traversable = resources.files("softstake_model") / "report" / "templates"


def render_html(nb: str | Path | Any, title: str) -> str:
    """An executed notebook as a self-contained HTML page, readable offline.

    JupyterLab's HTML without the code cells or prompts, styled by a few KB of the
    report's own CSS (``offline/static/softstake.css``), through the shipped
    ``offline`` nbconvert template: it extends ``lab/index.html.j2`` and leaves out every
    script fetched from the internet (require.js, MathJax, mermaid, the widget manager).
    The exporter (its templates compiled) is made once per process and reused.

    Parameters
    ----------
    nb
        The executed notebook: a path, or the notebook itself (an ``nbformat``
        ``NotebookNode``, left unchanged).
    title
        The page's title.

    Returns
    -------
    str
        The HTML page.
    """
    import nbformat

    node = nb if isinstance(nb, dict) else nbformat.read(nb, as_version=4)
    if isinstance(_TEMPLATES, Path):  # an ordinary install: the folder stays
        return _page(_exporter(str(_TEMPLATES)), node, title)
    with resources.as_file(_TEMPLATES) as templates:  # pragma: no cover - zipped install
        return _page(_exporter.__wrapped__(str(templates)), node, title)


@functools.cache
def _exporter(templates: str) -> Any:
    """nbconvert's HTML exporter with the shipped ``offline`` template (from ``templates``)."""
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="offline", extra_template_basedirs=[templates],
                        exclude_input=True, exclude_input_prompt=True,
                        exclude_output_prompt=True)


def preload_exporter() -> None:
    """Build the exporter :func:`render_html` uses and compile its templates now (by
    rendering an empty notebook): a process forked afterwards starts with them."""
    import nbformat

    if isinstance(_TEMPLATES, Path):
        _page(_exporter(str(_TEMPLATES)), nbformat.v4.new_notebook(), "")


def _page(exporter: Any, node: Any, title: str) -> str:
    body, _ = exporter.from_notebook_node(node, resources={"metadata": {"name": title}})
    return body


def index_page(records: list[dict], generated: str) -> str:
    """The index page of a folder's records.

    The overview by token (:func:`~softstake_model.report.overview.overview_table`, from
    the runs' headline figures), the sweeps compared, and every run with its status,
    duration, parameters and links, this command's runs marked; from the shipped Jinja2
    template ``report/templates/index.html.j2`` (autoescaped).

    Parameters
    ----------
    records
        The folder's records (:func:`~softstake_model.report.overview.merge_records`).
    generated
        When the page was made (UTC, as text).

    Returns
    -------
    str
        The HTML page.
    """
    overview = overview_table(records)
    env = jinja2.Environment(loader=jinja2.PackageLoader("softstake_model.report", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True)
    env.filters["fmt"] = lambda v, name="": fmt(name, v)
    latest = [r for r in records if r["latest"]]
    return env.get_template("index.html.j2").render(
        records=sorted(records, key=lambda x: (not x["latest"], x["notebook"], x["slug"])),
        ok=sum(r["ok"] for r in latest), ran=len(latest), total=len(records),
        overview=overview_view(overview) if len(overview) else None,
        sweeps=[sweep_view(g) for g in sweep_groups(records)],
        version=__version__, generated=generated)
