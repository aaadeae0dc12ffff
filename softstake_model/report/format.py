"""Numbers for people: one formatter per kind of figure, and tables styled for a page.

Kinds: ``pct`` (shares and APRs as percent), ``usd`` (dollars with thousands separators),
``amount`` (token amounts, four significant figures with separators), ``reward`` (token
amounts at the 8-decimal precision rewards are paid in), ``apr3`` (an APR to a thousandth of
a percent), ``int`` (counts),
``days``, ``ratio`` (a plain coefficient such as a Gini), ``text``. A missing value is a
dash. :func:`kind_of` guesses the kind from a figure's name (``*_share``, ``*_apr``,
``p_*`` are percentages; ``*_usd`` dollars; ``*_days`` days), so headline figures and
parameters are formatted the same way everywhere: in the notebooks (pandas Styler), in the
index (Jinja2 filters) and in the sentences of "At a glance".
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping

import pandas as pd

from .. import spec

__all__ = ["DASH", "missing", "pct", "usd", "amount", "reward", "apr3", "count", "days",
           "ratio", "text", "interval", "notes_below", "NOTE_AFTER", "fmt", "kind_of",
           "FORMATTERS", "table", "params_frame", "label_of", "show_table", "show_params",
           "show_findings", "LABELS"]

#: What a page shows for a missing value.
DASH = "—"


def missing(x: object) -> bool:
    """Whether ``x`` is a missing value (None, NaN, NaT, ``pd.NA``); False for anything that
    is not a scalar.

    Parameters
    ----------
    x
        Any value.

    Returns
    -------
    bool
        True for a missing scalar.

    Examples
    --------
    >>> missing(None), missing(float("nan")), missing(0.0), missing([1])
    (True, True, False, False)
    """
    if x is None:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def pct(x: object, digits: int | None = None) -> str:
    """A share as percent: ``0.058`` → ``5.8 %`` (two decimals below 1 %, none from 10 %
    unless ``digits`` says)."""
    if missing(x):
        return DASH
    v = float(x) * 100
    if digits is None:
        a = abs(v)
        digits = 0 if a >= 99.95 or a == 0 else 1 if a >= 1 else 2
    return f"{v:,.{digits}f} %"


def usd(x: object) -> str:
    """Dollars with thousands separators: ``$1,546,620`` (cents below $100)."""
    if missing(x):
        return DASH
    v = float(x)
    return f"-${-v:,.{2 if abs(v) < 100 else 0}f}" if v < 0 else \
        f"${v:,.{2 if abs(v) < 100 else 0}f}"


def amount(x: object, unit: str = "") -> str:
    """A token amount: four significant figures, separators, never scientific notation."""
    if missing(x):
        return DASH
    v = float(x)
    if math.isinf(v):
        return "no limit" if v > 0 else "-∞"
    a = abs(v)
    digits = 0 if a >= 1000 or a == 0 else max(0, 3 - math.floor(math.log10(a)))
    text = f"{v:,.{min(digits, 8)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} {unit}".strip()


def reward(x: object) -> str:
    """A reward amount at the precision rewards are paid in (8 decimals).

    Examples
    --------
    >>> reward(0.00021917), reward(1234.5), reward(None)
    ('0.00021917', '1,234.50000000', '—')
    """
    return DASH if missing(x) else f"{float(x):,.8f}"


def apr3(x: object) -> str:
    """An APR to three decimals of a percent, fine enough to see one payout's rate.

    Examples
    --------
    >>> apr3(0.025), apr3(0.01141)
    ('2.500 %', '1.141 %')
    """
    return pct(x, 3)


def count(x: object) -> str:
    """A whole number with separators."""
    return DASH if missing(x) else f"{round(float(x)):,}"


def days(x: object) -> str:
    """Days: ``7 days``, ``1 day``, ``2.5 days``."""
    if missing(x):
        return DASH
    v = float(x)
    text = f"{v:,.0f}" if v == round(v) else f"{v:,.1f}"
    return f"{text} day" if text == "1" else f"{text} days"


def ratio(x: object) -> str:
    """A coefficient in plain decimals: ``0.95``."""
    return DASH if missing(x) else f"{float(x):.2f}"


def text(x: object, missing_text: str = DASH, blank: str = "") -> str:
    """Text as it is; a float as a token amount; ``missing_text`` for a missing value and
    ``blank`` for an empty string.

    Parameters
    ----------
    x
        The value.
    missing_text
        What a missing value shows (a dash unless said).
    blank
        What an empty string shows (nothing unless said).

    Returns
    -------
    str
        The text a page shows.

    Examples
    --------
    >>> text("boundary:2"), text(None), text(None, ""), text(""), text("", blank=DASH)
    ('boundary:2', '—', '', '', '—')
    >>> text(1234.5)
    '1,234'
    """
    if missing(x):
        return missing_text
    if isinstance(x, str) and x == "":
        return blank
    if isinstance(x, float):
        return amount(x)
    return str(x)


#: Why an interval has no width, by figure; the others are bootstraps over the paths.
NO_WIDTH = {"spread": "no width: the chain model's parameters have no ranges",
            "cost_difference": "no width: every resample of the holders agrees"}
#: Why a bootstrap interval over Monte Carlo paths has no width.
NO_WIDTH_PATHS = "no width: every resample of the paths agrees"


def interval(low: object, high: object, name: str = "",
             f: Callable[[object], str] | None = None) -> str:
    r"""A figure's interval for people: ``80.0 %–95.0 %``, ``-1.9 % to -0.6 %``; empty when an
    end is missing. No line breaks inside it (no-break spaces, a word joiner after the
    dash), so that a narrow column wraps only the sentences beside it.

    An interval of no width says why (:data:`NO_WIDTH`, by figure; a bootstrap over the
    paths otherwise), and one whose ends only read the same once rounded says so.

    Parameters
    ----------
    low, high
        The ends.
    name
        The figure's name: its ends are formatted as the figure is (:func:`fmt`); a share
        as percent when empty.
    f
        A formatter of the ends instead.

    Returns
    -------
    str
        The interval's text, or ``""``.

    Examples
    --------
    >>> interval(0.8, 0.95), interval(None, 0.2), interval(-0.0193, -0.0063, "spread")
    ('80.0\xa0%–\u206095.0\xa0%', '', '-1.9\xa0%\xa0to\xa0-0.63\xa0%')
    >>> interval(0.0, 0.0, "buffer_needed")
    'no width: every resample of the paths agrees'
    >>> interval(0.2128, 0.2132)
    '21.3\xa0%–\u206021.3\xa0% (rounded)'
    """
    if missing(low) or missing(high):
        return ""
    f = f or ((lambda v: fmt(name, float(v))) if name else pct)
    a, b = (f(v).replace(" ", "\u00a0") for v in (low, high))
    if float(low) == float(high):
        return NO_WIDTH.get(name, NO_WIDTH_PATHS)
    joined = f"{a}\u00a0to\u00a0{b}" if float(low) < 0 else f"{a}–\u2060{b}"
    return f"{joined} (rounded)" if a == b else joined


#: Text longer than this (characters) in a cell of the index moves to a note below its table.
NOTE_AFTER = 60


def notes_below(rows: list[dict]) -> tuple[list[dict], list[str]]:
    """A table's rows with each long text of a cell moved to a numbered note below it, so
    that a sentence does not widen its column: the cell says ``see note N``.

    Parameters
    ----------
    rows
        Each with ``cells``: dicts with ``text`` and ``sub``; the first cell names the row.

    Returns
    -------
    rows, notes
        The rows with copied cells (others' keys kept), and the notes in order, each
        ``"ROW, ROW: text"`` (one note per text, naming every row that shows it).

    Examples
    --------
    >>> rows = [{"cells": [{"text": t, "sub": ""}, {"text": "1 %", "sub": "x" * 61}]}
    ...         for t in ("A", "B")]
    >>> shown, notes = notes_below(rows)
    >>> shown[1]["cells"][1]["sub"], notes == ["A, B: " + "x" * 61]
    ('see note 1', True)
    """
    named: dict[str, list[str]] = {}
    out = []
    for row in rows:
        cells = [dict(c) for c in row["cells"]]
        for c in cells[1:]:
            for part in ("text", "sub"):
                long = c.get(part, "")
                if len(long) > NOTE_AFTER:
                    named.setdefault(long, []).append(cells[0]["text"])
                    c[part] = f"see note {list(named).index(long) + 1}"
        out.append({**row, "cells": cells})
    return out, [f"{', '.join(who)}: {long}" for long, who in named.items()]


FORMATTERS: dict[str, Callable[[object], str]] = {
    "pct": pct, "usd": usd, "amount": amount, "int": count, "days": days, "ratio": ratio,
    "text": text, "reward": reward, "apr3": apr3,
}

_PCT_NAMES = {"apr", "spread", "spread_low", "spread_high", "alpha", "buffer_ratio",
              "buffer_needed", "buffer_low", "buffer_high", "base_rate", "shock_fraction",
              "network_apr", "effective_apr", "margin_apr", "deposit_rate"}
_INT_NAMES = {"holders", "paths", "tokens", "payouts", "ok", "missing", "unexpected",
              "mismatch", "apr_paths", "price_paths", "sweep_points", "seed", "shock_day"}


def kind_of(name: str, value: object = None) -> str:
    """The kind of a figure named ``name`` (see the module's docstring)."""
    n = name.lower()
    if isinstance(value, str) or isinstance(value, bool):
        return "text"
    if n in _INT_NAMES:
        return "int"
    if n.endswith("_usd") or n.startswith("usd_"):
        return "usd"
    if n.endswith("_days") or n == "days":
        return "days"
    if (n in _PCT_NAMES or n.endswith("_share") or n.endswith("_apr") or n.startswith("p_")
            or n.startswith("max_p_") or "_return" in n or "buffer" in n):
        return "pct"
    if n == "gini":
        return "ratio"
    return "amount" if isinstance(value, int | float) else "text"


def fmt(name: str, value: object) -> str:
    """``value`` formatted as its name suggests (:func:`kind_of`)."""
    if missing(value):
        return DASH
    return FORMATTERS[kind_of(name, value)](value)


#: Readable labels of figures shown in tables and the index (name → label with unit).
LABELS: dict[str, str] = {
    "token": "token", "holders": "holders", "earning_share": "holders earning",
    "eligible_share": "eligible share of balances", "daily_cost": "daily reward cost (tokens)",
    "daily_cost_usd": "daily reward cost (USD)", "gini": "Gini of rewards",
    "margin_apr": "platform margin (per year, on balances)", "apr": "catalogue APR",
    "network_apr": "net network APR", "spread": "spread (network − catalogue)",
    "tokens_held": "tokens held", "total_rewards": "rewards (tokens)",
    "effective_apr": "effective APR", "token_return_p50": "token return (median)",
    "fiat_return_p50": "dollar return (median)", "p_fiat_loss": "P(dollar loss)",
    "riskiest": "riskiest token", "max_p_delay": "highest P(delay)",
    "max_buffer_needed": "largest buffer needed", "worst_shock_delay_days":
    "longest delay in the shock (days)", "tokens": "tokens", "payouts": "payouts checked",
    "p_delay": "P(delay)", "buffer_needed": "buffer needed",
    "shock_max_delay_days": "longest delay in the shock", "unbonding": "unbonding rule",
    "buffer_shock": "buffer: the shock's part", "buffer_runs": "buffer: the random runs' part",
    "p_any_delay": "P(any delay)", "p_delay_over_7d": "P(longest delay > 7 days)",
    "p_delay_over_14d": "P(longest delay > 14 days)",
    "p_delay_over_28d": "P(longest delay > 28 days)",
    "longest_delay_p50_days": "longest delay, median path",
    "longest_delay_p95_days": "longest delay, 95th percentile of paths",
    "longest_delay_p99_days": "longest delay, 99th percentile of paths",
    "longest_delay_max_days": "longest delay, worst path",
    "shock_delayed_share": "share delayed in the shock",
    "worst_longest_delay_p99_days": "longest delay, 99th percentile (worst token)",
    "population_total": "population total (tokens)",
    "population_total_usd": "population total (USD)", "other_cap": "cap compared",
    "cost_difference": "daily cost difference from the cap compared (tokens)",
    "holders_between": "holders above the lower cap",
}


def label_of(name: str) -> str:
    """A figure's readable label (its name with spaces when none is listed)."""
    return LABELS.get(name, name.replace("_", " "))


def table(frame: pd.DataFrame, kinds: Mapping[str, str | Callable[[object], str]] | None = None,
          labels: Mapping[str, str] | None = None, caption: str | None = None
          ) -> pd.io.formats.style.Styler:
    """``frame`` as a page shows it: no row numbers, every column formatted, dashes for
    missing values, readable headers.

    Parameters
    ----------
    frame
        The plain numbers.
    kinds
        Kind (see :data:`FORMATTERS`) or formatter by column; others by :func:`kind_of`.
    labels
        Header by column; others by :func:`label_of`.
    caption
        A sentence above the table.
    """
    kinds = dict(kinds or {})
    funcs, left = {}, []
    for i, c in enumerate(frame.columns):
        k = kinds.get(c)
        if k is None:
            sample = frame[c].dropna()
            k = kind_of(str(c), sample.iloc[0] if len(sample) else None)
        funcs[c] = FORMATTERS[k] if isinstance(k, str) else k
        if k == "text":
            left.append(i)
    names = {c: (labels or {}).get(c, label_of(str(c))) for c in frame.columns}
    st = frame.style.format(funcs, na_rep=DASH).hide(axis="index")
    st = st.format_index(lambda c: names.get(c, str(c)), axis="columns")
    st = st.set_table_styles(
        [{"selector": "td", "props": "text-align: right; padding: 0.2em 0.6em"},
         {"selector": "th", "props": "text-align: left"}]
        + [{"selector": f"td.col{i}", "props": "text-align: left"} for i in left])
    if caption:
        st = st.set_caption(caption)
    return st


def params_frame(params: object) -> pd.DataFrame:
    """A parameter object as a table: parameter, value (formatted, with its unit), meaning.

    A question object (a dataclass of :mod:`softstake_model.spec` fields) gives each field's
    own meaning and unit. A value left unset shows as ``none`` and a yes/no one as ``yes`` or
    ``no`` (never ``None``, ``True`` or ``False``).
    """
    if dataclasses.is_dataclass(params):
        rows = []
        for r in spec.describe(params):
            value = getattr(params, r["name"])
            # no Python words on a page: None is "none", True and False are "yes" and "no"
            shown = ("none" if value is None else ("yes" if value else "no")
                     if isinstance(value, bool) else fmt(r["name"], value))
            if r["unit"] and value is not None and not any(c in shown for c in "%$") \
                    and r["unit"] not in shown:
                shown = f"{shown} {r['unit']}"
            rows.append({"parameter": r["name"], "value": shown, "meaning": r["meaning"]})
        return pd.DataFrame(rows)
    raise TypeError(f"not a question object: {type(params).__name__}")


def show_table(frame: pd.DataFrame, **kw: object) -> None:
    """Display :func:`table` of ``frame`` in a notebook."""
    from IPython.display import display

    display(table(frame, **kw))


def show_params(params: object) -> None:
    """Display a run's parameters as a table (name, value with unit, meaning)."""
    show_table(params_frame(params), kinds={"value": "text", "meaning": "text",
                                            "parameter": "text"})


def show_findings(lines: list[str]) -> None:
    """Display the "At a glance" findings as a short list of sentences."""
    from IPython.display import Markdown, display

    display(Markdown("## At a glance\n\n" + "\n".join(f"- {x}" for x in lines)))
