"""Report notebooks and their runner.

What a notebook imports: :func:`parameters` (collect what the parameters cell defined),
:func:`validate` (into the frozen parameter object), :func:`headline` (figures the index
collects), :func:`show_assumed` (say which assumed values drive the figures); from
:mod:`.format`, ``show_findings`` ("At a glance"), ``show_params`` (the parameters as a
table) and ``show_table`` (a frame formatted for a reader). :mod:`.overview` builds the
index's overview and comparisons from the runs' headlines; :mod:`.explore` is the
interactive explorer of ``notebooks/explore.ipynb``.

Needs the ``report`` extra (``pip install 'softstake[report]'``); the notebooks themselves
ship in the package (``softstake_model/notebooks``).
"""

from __future__ import annotations

from typing import Any

#: What :func:`__getattr__` loads from :mod:`.params` on first use: importing a submodule
#: (the runner's kernel server, :mod:`.warm`) does not import pandas with it.
_FROM_PARAMS = ("QUICK", "SCHEMAS", "validate")


def __getattr__(name: str) -> Any:
    if name not in _FROM_PARAMS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        from . import params
    except ModuleNotFoundError as e:  # pragma: no cover - only without the extra
        if e.name not in ("jinja2", "nbformat", "nbconvert", "papermill", "matplotlib"):
            raise
        raise ModuleNotFoundError(f"softstake's report needs the report extra: pip install "
                                  f"'softstake[report]' (missing {e.name})",
                                  name=e.name) from e
    return getattr(params, name)


__all__ = ["QUICK", "SCHEMAS", "validate", "parameters", "headline", "show_assumed", "show",
           "HEADLINE_MIME"]

#: MIME type of the headline output the runner reads back from executed notebooks.
HEADLINE_MIME = "application/vnd.softstake.headline+json"


def parameters(namespace: dict, before: set[str]) -> dict:
    """Names the parameters cell (and papermill's injected cell) defined: everything in
    ``namespace`` that was not there before, except private names and modules."""
    import types

    return {k: v for k, v in namespace.items()
            if k not in before and not k.startswith("_") and not isinstance(v, types.ModuleType)}


def headline(**figures: object) -> None:
    """Display the run's headline figures (numbers or short text) for the index."""
    import json

    from IPython.display import display

    clean = {k: (float(v) if hasattr(v, "item") else v) for k, v in figures.items()}
    json.dumps(clean)  # must be plain JSON
    display({HEADLINE_MIME: clean, "text/plain": ""}, raw=True)


def show_assumed(lines: list[str]) -> None:
    """Say, beside the figures, which assumed values drive them."""
    from IPython.display import Markdown, display

    if lines:
        text = "**Assumed values behind these figures:**\n\n" + "\n".join(f"- {x}" for x in lines)
    else:
        text = "*No assumed catalogue value drives these figures.*"
    display(Markdown(text))


def show(fig: object) -> None:
    """Display a figure once and close it (no second copy from the inline backend)."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    display(fig)
    plt.close(fig)
