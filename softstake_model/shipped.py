"""The one home of the data shipped in ``softstake_model/data``: where each file is, and its
checked reading.

Every file is found through :mod:`importlib.resources` (so an installed wheel has them) by
its name in :data:`FILES`, and every table is read with the checked reader user files get
(:func:`softstake_model.tables.read_table` and its :class:`~softstake_model.tables.Column`
specs): a damaged file is an :class:`~softstake_model.errors.InputError` naming its line and
column, never a silently wrong number. The loaders are cached and return copies.

The token catalogue is read here too (:func:`catalog_table`, the raw file); its own checks
and the user's overrides are :func:`softstake_model.catalog.load_catalog`'s.

Examples
--------
>>> path("catalog").name
'catalog.csv'
>>> chain_params().query("chain == 'SOL' and name == 'initial'")["value"].tolist()
['0.08']
>>> apr_processes().at["ADA", "process"]
'history'
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import numpy as np

from .errors import ParameterError
from .tables import Column, read_header, read_table, reject_rows
from .typing import Frame

__all__ = ["FILES", "path", "CATALOG_NUMBERS", "read_catalog_csv", "catalog_table",
           "chain_params", "apr_processes", "cardano_epochs", "cardano_epoch_statistics",
           "eth_store", "exchange_runs", "CONFIDENCES", "PROCESSES"]

#: Name -> file under ``softstake_model/data`` (every file shipped there).
FILES = {
    "catalog": "catalog.csv",
    "chain_params": "chain_params.csv",
    "apr_processes": "apr_processes.csv",
    "cardano_epoch_statistics": "cardano_epoch_statistics.csv",
    "cardano_epochs": "cardano_epoch_rewards_ada.csv",
    "eth_store": "eth_staking_apr_ethstore_daily.csv",
    "exchange_runs": "exchange_runs_published_figures.csv",
    "ledger": "examples/ledger.csv",
    "statement": "examples/binance_statement.csv",
    "statement_activations": "examples/binance_statement_activations.csv",
    "rewards_record": "examples/rewards_record.json",
    "activations": "examples/activations.csv",
}
#: Confidence of a chain parameter.
CONFIDENCES = ("published", "weak", "assumed", "derived", "user")
#: The kinds of per-token APR process (``apr_processes.csv``).
PROCESSES = ("history", "schedule", "fallback")


def path(name: str) -> Path:
    """Path of the shipped file ``name`` (a key of :data:`FILES`).

    Raises
    ------
    ParameterError
        ``name`` is not a shipped file.
    """
    if name not in FILES:
        raise ParameterError(f"must be one of {', '.join(FILES)}, got {name!r}", param="name")
    return Path(str(resources.files("softstake_model") / "data" / FILES[name]))


def _copy(loader):  # cached once, a fresh copy for every caller (frames are mutable)
    cached = functools.cache(loader)

    @functools.wraps(loader)
    def load() -> Frame:
        return cached().copy()

    load.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    return load


def _text(*names: str, empty: bool = False) -> list[Column]:
    return [Column(n, allow_empty=empty) for n in names]


def _among(table: Frame, column: str, allowed: tuple[str, ...]) -> None:
    reject_rows(table, ~table[column].isin(allowed), column,
                lambda i: f"'{table[column].iloc[i]}' is not one of {', '.join(allowed)}")


#: The catalogue's number columns (the rest is text).
CATALOG_NUMBERS = ("min_holding", "cap", "apr", "epoch_hours", "volatility", "price_usd")


def read_catalog_csv(file: str | Path) -> Frame:
    """A catalogue CSV (the shipped one, or a user's laid over it) through the checked
    reader: ``token`` required, numbers parsed (``inf`` allowed for the cap, blanks as NaN),
    other columns as stripped text with blanks as NaN, ``line`` kept for later messages."""
    names = read_header(file)
    numbers = [Column(f, "number", required=False, allow_empty=True, finite=f != "cap")
               for f in CATALOG_NUMBERS]
    table = read_table(file, [Column("token"), *numbers],
                       keep=[n for n in names if n not in CATALOG_NUMBERS])
    for col in table.columns:
        if table[col].dtype != float and col != "line":
            table[col] = table[col].astype(object).where(table[col] != "", np.nan)
    return table


def catalog_table() -> Frame:
    """The shipped catalogue as the file has it (:func:`read_catalog_csv`);
    :func:`softstake_model.catalog.load_catalog` checks its values and lays files over it.

    Read once per process while the file is unchanged (its path, size and modification
    time), a fresh copy for every caller: a page asks for the catalogue several times."""
    file = path("catalog")
    st = file.stat()
    return _catalog_read(str(file), st.st_size, st.st_mtime_ns).copy()


@functools.lru_cache(maxsize=4)
def _catalog_read(file: str, size: int, mtime_ns: int) -> Frame:
    return read_catalog_csv(file)


@_copy
def chain_params() -> Frame:
    """``chain, name, value, unit, date, source, confidence, valid_from, valid_to, low,
    high``, all text as the file has it (values stay text: lovelace amounts exceed 2**53 and
    some are fractions such as ``21190/21600``; an empty cell is ``""``), checked: dates
    ``YYYY-MM-DD``, the interval's ends dates and in order, ``low <= high`` numbers, a known
    confidence, one row per chain, name and ``valid_from``."""
    dates = ("date", "valid_from", "valid_to")
    cols = [*_text("chain", "name", "value", "unit", "source", "confidence"),
            *(Column(d, "date", allow_empty=d != "date") for d in dates),
            *(Column(n, "number", allow_empty=True) for n in ("low", "high"))]
    t = read_table(path("chain_params"), cols)
    _among(t, "confidence", CONFIDENCES)
    reject_rows(t, t.duplicated(["chain", "name", "valid_from"]).to_numpy(), "name",
                lambda i: f"'{t['chain'].iloc[i]} {t['name'].iloc[i]}' appears twice for one "
                "interval")
    reject_rows(t, (t["valid_to"] < t["valid_from"]).to_numpy(), "valid_to",
                lambda i: "ends before it starts")
    reject_rows(t, (t["high"] < t["low"]).to_numpy(), "high", lambda i: "is below low")
    names = read_header(path("chain_params"))
    raw = read_table(path("chain_params"), _text(*names, empty=True))
    return raw[names]


@_copy
def apr_processes() -> Frame:
    """The APR process of each token, indexed by token: ``process`` (one of
    :data:`PROCESSES`), ``kappa`` (per year), ``sigma`` (per square-root year), ``step_rate``
    (steps a year), ``step_sd`` (of the log step size), ``source``; numbers NaN where the
    process needs none."""
    nums = [Column(n, "number", allow_empty=True, low=0)
            for n in ("kappa", "sigma", "step_rate", "step_sd")]
    t = read_table(path("apr_processes"), [*_text("token", "process", "source"), *nums])
    _among(t, "process", PROCESSES)
    need = (t["process"] == "schedule") & t[["kappa", "sigma"]].isna().any(axis=1)
    reject_rows(t, need.to_numpy(), "kappa",
                lambda i: f"{t['token'].iloc[i]}: a schedule process needs kappa and sigma")
    reject_rows(t, t["token"].duplicated().to_numpy(), "token",
                lambda i: f"token '{t['token'].iloc[i]}' appears twice")
    return t.drop(columns="line").set_index("token")


@_copy
def cardano_epochs() -> Frame:
    """Cardano epoch rewards in ADA, one row per epoch (``epoch_start_utc`` UTC instants;
    amounts in ADA, blank where the source has none)."""
    p = path("cardano_epochs")
    names = read_header(p)
    counts = ("epoch", "block_count", "unique_pools_with_blocks")
    rest = [Column(n, "number", allow_empty=True) for n in names
            if n not in (*counts, "epoch_start_utc")]
    t = read_table(p, [*(Column(n, "integer", low=0) for n in counts),
                       Column("epoch_start_utc", "time"), *rest])[["line", *names]]
    return t.drop(columns="line")


@_copy
def cardano_epoch_statistics() -> Frame:
    """Cardano per-epoch statistics in lovelace, every value as text (integers beyond
    2**53 stay exact for the reader of each figure), NaN where the source says ``null``."""
    p = path("cardano_epoch_statistics")
    names = [n for n in read_header(p) if n]
    t = read_table(p, [Column("epoch", "integer")],
                   keep=[n for n in names if n != "epoch"])
    t["epoch"] = t["epoch"].astype(str)
    return t[names].replace("null", np.nan)


@_copy
def eth_store() -> Frame:
    """The daily ETH.STORE staking APR: ``date`` (UTC instants) and ``apr`` (fraction per
    year, in [0, 1])."""
    t = read_table(path("eth_store"), [Column("date", "time"),
                                       Column("apr", "number", low=0, high=1)])
    return t.drop(columns="line")


@_copy
def exchange_runs() -> Frame:
    """Published withdrawal figures of exchange runs, each with its source address
    (``value_usd`` in US dollars, NaN where a row quotes no amount)."""
    p = path("exchange_runs")
    names = read_header(p)
    t = read_table(p, [Column("value_usd", "number", allow_empty=True, low=0),
                       Column("source_url")],
                   keep=[n for n in names if n not in ("value_usd", "source_url")])
    return t[names]
