"""The token catalogue: minimum, cap, APR, unbonding, epoch and volatility of the 15 tokens.

Every value carries its source and a confidence: ``published`` (the exchange's or the
chain's own documents), ``weak`` (a third-party source), ``assumed`` (no source; the
assumption is stated in the ``*_source`` column), or ``user`` (overridden by the user).
Reports say visibly when an ``assumed`` value drives a figure: see :func:`assumed_values`.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from . import shipped
from .checks import catalog_values, rate, read_yaml, unique_keys_loader
from .errors import InputError, ParameterError
from .ledger import read_product_list
from .liquidity import Unbonding

__all__ = [
    "VALUE_FIELDS",
    "load_catalog",
    "override",
    "select_tokens",
    "assumed_values",
    "assumed_lines",
    "tokens",
    "as_of",
]

#: Fields that carry a value, a ``*_confidence`` and a ``*_source`` column.
VALUE_FIELDS = ("min_holding", "cap", "apr", "unbonding", "epoch_hours", "volatility",
                "price_usd")
_NUMERIC = shipped.CATALOG_NUMBERS
CONFIDENCES = ("published", "weak", "assumed", "user")


def _shipped() -> Path:
    return shipped.path("catalog")


def _unbonding_ok(text: object) -> bool:
    """Whether ``text`` is an unbonding rule (the one grammar, :class:`Unbonding`)."""
    try:
        Unbonding.parse(str(text))
    except ParameterError:
        return False
    return True


def _check(cat: pd.DataFrame, file: str) -> pd.DataFrame:
    """Validate a catalogue frame; line numbers count the header as line 1."""
    for i, (token, row) in enumerate(cat.iterrows()):
        line = i + 2
        for fld in ("min_holding", "apr", "volatility", "epoch_hours", "price_usd"):
            v = row.get(fld)
            if pd.notna(v) and (not np.isfinite(v) or v < 0):
                raise InputError(f"{token}: {fld} must be finite and >= 0, got {v}",
                                 file=file, line=line, column=fld)
        if pd.notna(row.get("price_usd")) and not row["price_usd"] > 0:
            raise InputError(f"{token}: price_usd must be > 0 (empty for no price), got "
                             f"{row['price_usd']}", file=file, line=line, column="price_usd")
        if not row["cap"] > 0:
            raise InputError(f"{token}: cap must be > 0 (empty for no cap), got {row['cap']}",
                             file=file, line=line, column="cap")
        d = row.get("apr_date")
        if pd.notna(d) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(d)):
            raise InputError(f"{token}: apr_date '{d}' is not YYYY-MM-DD", file=file,
                             line=line, column="apr_date")
        if not _unbonding_ok(row["unbonding"]):
            raise InputError(
                f"{token}: unbonding '{row['unbonding']}' is not fixed:N, boundary:P[@PHASE] "
                "or none", file=file, line=line, column="unbonding")
        for fld in VALUE_FIELDS:
            c = row.get(f"{fld}_confidence")
            if pd.notna(c) and c not in CONFIDENCES:
                raise InputError(f"{token}: confidence '{c}' is not one of {CONFIDENCES}",
                                 file=file, line=line, column=f"{fld}_confidence")
    return cat


def _read_table(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", file=str(path))
    if path.suffix.lower() in (".yaml", ".yml"):
        data = read_yaml(path, unique_keys_loader())
        if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
            raise InputError("expected a mapping of token -> {field: value}", file=str(path))
        frame = pd.DataFrame.from_dict(data, orient="index")
        frame.index.name = "token"
        return frame.reset_index()
    if path.suffix.lower() == ".json":  # Binance GET /sapi/v1/soft-staking/list
        return read_product_list(path)[["token", "min_holding", "cap", "apr"]]
    return shipped.read_catalog_csv(path)  # numbers parsed, ``inf`` for a cap, ``line`` kept


def _coerce(frame: pd.DataFrame, file: str) -> pd.DataFrame:
    """Tokens upper case and unique, numbers as float, indexed by token (drops ``line``)."""
    if "token" not in frame.columns:
        raise InputError("missing column 'token'", file=file, line=1, column="token")
    frame = frame.copy()
    lines = frame.pop("line").to_numpy() if "line" in frame else np.arange(2, len(frame) + 2)
    frame["token"] = frame["token"].astype(str).str.strip().str.upper()
    dups = np.flatnonzero(frame["token"].duplicated().to_numpy())
    if len(dups):
        raise InputError(f"token '{frame['token'].iloc[dups[0]]}' appears twice", file=file,
                         line=int(lines[dups[0]]), column="token")
    for fld in _NUMERIC:
        if fld in frame.columns:
            raw = frame[fld]
            num = pd.to_numeric(raw, errors="coerce")
            bad = num.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise InputError(f"'{raw.iloc[i]}' is not a number", file=file,
                                 line=int(lines[i]), column=fld)
            frame[fld] = num.astype(float)
    return frame.set_index("token")


def _checked(cat: pd.DataFrame, path: str | Path) -> pd.DataFrame:
    """Every value's own check (:func:`_check`), then the figures against each other
    (:func:`~softstake_model.checks.catalog_values`: APRs are fractions, minimum <= cap)."""
    cat = _check(cat, str(path))
    catalog_values(cat, path)
    return cat


def load_catalog(path: str | Path | None = None) -> pd.DataFrame:
    """The shipped catalogue, or it with the rows and columns of ``path`` laid over it.

    Parameters
    ----------
    path
        A CSV (``token`` plus any of the value columns) or YAML file (``TOKEN: {field:
        value}``). Tokens not in the shipped catalogue are added (they then need
        ``min_holding``, ``apr`` and ``unbonding``; their missing cap means no cap; write
        ``inf`` to lift a shipped cap, a blank keeps the shipped value). Values
        taken from the file are marked ``user`` unless the file gives a confidence.

    Returns
    -------
    pandas.DataFrame
        Indexed by token; units: tokens (min_holding, cap), fraction per year (apr,
        volatility), hours (epoch_hours), USD per token (price_usd); ``apr_date`` is the
        as-of date of the APR (``YYYY-MM-DD``; empty for a user's APR without one).
    """
    base = _coerce(shipped.catalog_table(), str(_shipped()))
    base["cap"] = base["cap"].fillna(np.inf)
    if path is None:
        return _checked(base, _shipped())
    user = _coerce(_read_table(path), str(path))
    unknown = [c for c in user.columns if c not in base.columns]
    if unknown:
        raise InputError(f"unknown column(s) {unknown}; known: {list(base.columns)}",
                         file=str(path), line=1, column=unknown[0])
    cat = base.reindex(base.index.union(user.index, sort=False))
    for fld in user.columns:
        given = user[fld].notna()
        cat.loc[user.index[given], fld] = user.loc[given, fld]
        if fld in VALUE_FIELDS and f"{fld}_confidence" not in user.columns:
            cat.loc[user.index[given], f"{fld}_confidence"] = "user"
            cat.loc[user.index[given], f"{fld}_source"] = f"user file {path}"
        if fld == "apr" and "apr_date" not in user.columns:
            cat.loc[user.index[given], "apr_date"] = np.nan  # the shipped date no longer applies
    new = cat.index.difference(base.index)
    for token in new:
        for fld in ("min_holding", "apr", "unbonding"):
            if pd.isna(cat.at[token, fld]):
                raise InputError(f"new token {token} needs a value for '{fld}'",
                                 file=str(path), column=fld)
    cat["cap"] = cat["cap"].fillna(np.inf)
    return _checked(cat, path)


def override(
    catalog: pd.DataFrame,
    tokens: list[str] | None = None,
    **values: float | str | None,
) -> pd.DataFrame:
    """Set ``min_holding``, ``cap``, ``apr`` … for ``tokens`` (default all), marked ``user``.

    ``None`` values are ignored, so CLI options can be passed through as they are.
    """
    cat = catalog.copy()
    rows = cat.index if tokens is None else pd.Index(tokens)
    for fld, v in values.items():
        if v is None:
            continue
        if fld not in VALUE_FIELDS:
            raise ParameterError(f"is not a catalogue field; known: {VALUE_FIELDS}",
                                 param=fld)
        if fld in _NUMERIC and (not isinstance(v, int | float) or np.isnan(v)
                                or not np.isfinite(v) and fld != "cap" or v < 0):
            raise ParameterError(f"must be a finite number >= 0, got {v}", param=fld)
        if fld == "apr":
            rate(v, fld)
        if fld in ("cap", "price_usd") and not v > 0:
            raise ParameterError(f"must be > 0, got {v}", param=fld)
        cat.loc[rows, fld] = v
        cat.loc[rows, f"{fld}_confidence"] = "user"
        cat.loc[rows, f"{fld}_source"] = "given by the user"
        if fld == "apr" and "apr_date" in cat:
            cat.loc[rows, "apr_date"] = np.nan  # a user's APR has no as-of date
    _earnable(cat.loc[rows], values.get("min_holding"), values.get("cap"))
    return cat


def _earnable(cat: pd.DataFrame, min_holding: object, cap: object) -> None:
    """A minimum or cap given by hand leaves every token of ``cat`` a balance that earns
    (minimum <= cap); the message names the value given and the token it fails for."""
    if min_holding is None and cap is None:
        return
    lo, hi = cat["min_holding"].astype(float), cat["cap"].astype(float)
    bad = (lo > hi).to_numpy()
    if bad.any():
        t = cat.index[bad][0]
        if min_holding is None:
            raise ParameterError(f"{hi[t]:g} is below the minimum {lo[t]:g} of {t}: nothing "
                                 "could earn", param="cap")
        raise ParameterError(f"{lo[t]:g} is above the cap {hi[t]:g} of {t}: nothing could "
                             "earn", param="min_holding")


def select_tokens(catalog: pd.DataFrame, tokens: list[str] | None) -> pd.DataFrame:
    """Rows of ``tokens`` (case-insensitive); an unknown token is a :class:`ParameterError`."""
    if not tokens:
        return catalog
    wanted = [t.strip().upper() for t in tokens]
    unknown = [t for t in wanted if t not in catalog.index]
    if unknown:
        raise ParameterError(
            f"has unknown token(s) {unknown}; the catalogue has {', '.join(catalog.index)}",
            param="token")
    return catalog.loc[wanted]


def assumed_values(catalog: pd.DataFrame, fields: tuple[str, ...] = VALUE_FIELDS) -> pd.DataFrame:
    """Long table ``token, field, value, source`` of every ``assumed`` value among ``fields``."""
    rows = [
        (token, fld, catalog.at[token, fld], catalog.at[token, f"{fld}_source"])
        for token in catalog.index
        for fld in fields
        if catalog.at[token, f"{fld}_confidence"] == "assumed"
    ]
    return pd.DataFrame(rows, columns=["token", "field", "value", "source"])


def _shown(value: object) -> str:
    if isinstance(value, float | int | np.floating | np.integer) and not isinstance(value, bool):
        return f"{float(value):g}"
    return str(value)


def assumed_lines(
    catalog: pd.DataFrame,
    tokens: list[str] | None = None,
    fields: tuple[str, ...] = VALUE_FIELDS,
) -> list[str]:
    """One line per assumed value, ``TOKEN field = value (why)``: what reports and commands
    print beside the figures those values drive.

    Examples
    --------
    >>> cat = load_catalog()
    >>> assumed_lines(cat, ["BNB"], ("min_holding", "price_usd"))[0].startswith("BNB price_usd = ")
    True
    """
    table = assumed_values(catalog.loc[tokens] if tokens is not None else catalog, fields)
    return [f"{r.token} {r.field} = {_shown(r.value)} ({r.source})"
            for r in table.itertuples(index=False)]


def tokens() -> list[str]:
    """The tokens of the shipped catalogue, in its order.

    Examples
    --------
    >>> tokens()[:3]
    ['BNB', 'SOL', 'TRX']
    """
    return list(load_catalog().index)


def as_of() -> str:
    """The date the shipped catalogue describes (``YYYY-MM-DD``): the day its prices are
    "around", written in each ``price_usd_source`` of the file.

    Examples
    --------
    >>> as_of()
    '2025-11-19'
    """
    sources = shipped.catalog_table()["price_usd_source"].dropna().astype(str)
    found = {d for text in sources for d in re.findall(r"\d{4}-\d{2}-\d{2}", text)}
    if len(found) != 1:
        raise InputError(f"price_usd_source names {len(found)} dates, not one: "
                         f"{sorted(found)}", file=str(_shipped()), column="price_usd_source")
    return found.pop()
