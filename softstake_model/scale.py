"""Exchange-wide scale on Dask: partitioned ledgers, the reward engine over partitions, and
Monte Carlo over chunks of paths.

Accounts are independent, so the work splits by account. A ledger is converted once into
Parquet partitions bucketed by a hash of the account (an account never spans two
partitions); each partition is then a whole, self-contained ledger that the in-memory
engine processes as a Dask task. Monte Carlo paths draw their randomness in fixed blocks
(:func:`liquidity.withdrawal_rates`), so results do not depend on how paths are chunked.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from .checks import whole
from .errors import InputError, ParameterError
from .fastledger import sorted_and_checked
from .ledger import iter_chunks, order_and_check

__all__ = [
    "MANIFEST",
    "convert_ledger",
    "is_ledger_dir",
    "partition_files",
    "read_partition",
    "read_ledger_dir",
    "get_client",
    "rewards_dask",
    "daily_totals",
    "write_history_dir",
    "monte_carlo_dask",
    "sweep_dask",
]

#: File that marks a converted ledger directory and describes it.
MANIFEST = "_softstake_ledger.json"
_SCHEMA_COLUMNS = ["time", "account", "token", "change", "wallet", "kind", "line"]


def _bucket(accounts: pd.Series, buckets: int) -> np.ndarray:
    """Stable bucket of each account (pandas' fixed-key hash, not Python's salted one)."""
    return (pd.util.hash_array(accounts.to_numpy(dtype=object)) % np.uint64(buckets)).astype(
        np.int64)


def convert_ledger(source: str | Path, out: str | Path, buckets: int = 64,
                   format: str = "auto", chunksize: int = 1_000_000,
                   progress: bool = False) -> dict:
    """Stream a ledger file (generic CSV or Binance statement) into bucketed Parquet.

    Reads ``chunksize`` rows at a time; each chunk's rows go to ``part-NNNNN.parquet`` by a
    hash of the account, so an account never spans two partitions. The result is built in a
    temporary folder and moved into place at the end: a failed conversion leaves an earlier
    ``out`` untouched.

    Returns
    -------
    dict
        The manifest: source, format, buckets, rows, files.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .ledger import detect_format

    if not (isinstance(buckets, int) and 1 <= buckets <= 100_000):
        raise ParameterError(f"must be a whole number in 1..100000, got {buckets}",
                             param="buckets")
    whole(chunksize, "chunksize", 1)
    if format == "auto":
        format = detect_format(source)
    schema = pa.schema([("time", pa.timestamp("ns", tz="UTC")), ("account", pa.string()),
                        ("token", pa.string()), ("change", pa.float64()),
                        ("wallet", pa.string()), ("kind", pa.string()), ("line", pa.int64())])
    manifest: dict = {}

    def write(tmp: Path) -> None:
        writers: dict[int, pq.ParquetWriter] = {}
        rows = 0
        try:
            chunks = iter_chunks(source, format, chunksize)
            if progress:
                from tqdm.auto import tqdm

                chunks = tqdm(chunks, desc="chunks", unit="chunk", disable=None)
            for chunk in chunks:
                b = _bucket(chunk["account"], buckets)
                order = np.argsort(b, kind="stable")
                for idx in np.split(order, np.flatnonzero(np.diff(b[order])) + 1):
                    if len(idx) == 0:
                        continue
                    k = int(b[idx[0]])
                    if k not in writers:
                        writers[k] = pq.ParquetWriter(tmp / f"part-{k:05d}.parquet", schema)
                    writers[k].write_table(pa.Table.from_pandas(
                        chunk.iloc[idx][_SCHEMA_COLUMNS], schema=schema, preserve_index=False))
                rows += len(chunk)
        finally:
            for w in writers.values():
                w.close()
        manifest.update(source=str(source), format=format, buckets=buckets, rows=rows,
                        files=sorted(p.name for p in tmp.glob("part-*.parquet")),
                        columns=_SCHEMA_COLUMNS)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")

    _build_dir(out, write, MANIFEST, "a converted ledger")
    return manifest


def is_ledger_dir(path: str | Path) -> bool:
    """Whether ``path`` is a ledger converted by :func:`convert_ledger`."""
    return Path(path).is_dir() and (Path(path) / MANIFEST).is_file()


def partition_files(path: str | Path) -> list[Path]:
    """The partition files of a converted ledger."""
    p = Path(path)
    if not is_ledger_dir(p):
        raise InputError(f"not a converted ledger folder (no {MANIFEST}); make one with "
                         "'softstake ledger convert'", file=str(p))
    return sorted(p.glob("part-*.parquet"))


def read_partition(path: str | Path) -> pd.DataFrame:
    """One partition as a normalised ledger, validated: a bad value names the partition
    file, its row and the source line."""
    import pyarrow.parquet as pq

    path = Path(path)
    try:
        frame = pq.read_table(path).to_pandas()
    except Exception as e:  # pyarrow raises many kinds on a damaged file
        raise InputError(f"not a readable Parquet partition: {e}", file=str(path)) from None
    missing = [c for c in _SCHEMA_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"missing column(s) {missing}", file=str(path), column=missing[0])
    checks = {"time": frame["time"].isna().to_numpy(),
              "account": frame["account"].isna().to_numpy(),
              "token": frame["token"].isna().to_numpy(),
              "change": ~np.isfinite(frame["change"].to_numpy(dtype=float))}
    for col, bad in checks.items():
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"row {i} (source line {frame['line'].iloc[i]}): missing or "
                             "non-finite value", file=str(path), column=col)
    try:
        return order_and_check(frame, str(path))
    except InputError as e:
        raise InputError(f"{e.reason} (row of source line {e.line})", file=str(path),
                         column=e.column) from None


def _read_all(files: list[Path]) -> pd.DataFrame | None:
    """Every partition in one Parquet read, validated and ordered as :func:`read_ledger_dir`
    orders it; None if a partition cannot be read or a check fails (then each partition
    is read on its own, and the error names it)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(files)
    except (OSError, pa.ArrowException):
        return None
    if any(c not in table.column_names for c in _SCHEMA_COLUMNS) or any(
            table[c].null_count for c in ("time", "account", "token")):
        return None
    frame = table.to_pandas()
    if not np.isfinite(frame["change"].to_numpy(dtype=float)).all():
        return None
    return sorted_and_checked(frame)


def read_ledger_dir(path: str | Path) -> pd.DataFrame:
    """All partitions in memory, as one normalised ledger (for the in-memory engine)."""
    files = partition_files(path)
    fast = _read_all(files) if files else None
    if fast is not None:
        return fast
    parts = [read_partition(f) for f in files]
    if not parts:
        raise InputError("the converted ledger has no partitions", file=str(path))
    frame = pd.concat(parts, ignore_index=True)
    return frame.sort_values(["time", "line"], kind="stable", ignore_index=True)


def _quiet_workers() -> None:
    """A failing task comes back to the caller as its error, with a clean message: the
    workers' own "Compute Failed ... Traceback" log lines are noise on the command line.
    Set through the environment, which the worker processes inherit."""
    import logging

    quiet = {"distributed": "error", "distributed.worker": "critical",
             "distributed.nanny": "critical", "distributed.core": "critical",
             "distributed.scheduler": "critical", "distributed.client": "error",
             "bokeh": "error", "tornado": "critical", "tornado.application": "error"}
    os.environ.setdefault("DASK_LOGGING", repr(quiet))
    for name, level in quiet.items():
        logging.getLogger(name).setLevel(level.upper())


def get_client(scheduler: str | None = None, memory_limit: str | None = None,
               workers: int | None = None):
    """A Dask client: connected to ``scheduler`` (an address), or a local cluster sized to the
    machine (one single-threaded worker per core; ``memory_limit`` per worker)."""
    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="10s")
        except OSError as e:
            raise ParameterError(f"'{scheduler}' cannot be reached: {e}",
                                 param="scheduler") from None
    _quiet_workers()
    n = workers or os.cpu_count() or 1
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                           memory_limit=memory_limit or "auto", dashboard_address=":0")
    return Client(cluster)


def _partition_history(path: str, catalog: pd.DataFrame, terms: object, start: object,
                       end: object, timeline: dict, compound: bool,
                       only_catalog_tokens: bool = False) -> pd.DataFrame:
    from .ledger import check_tokens
    from .rewards import reward_history

    ledger = read_partition(path)
    manifest = json.loads((Path(path).parent / MANIFEST).read_text())
    if only_catalog_tokens or manifest.get("format") == "binance-statement":
        # a token selection, or a statement (which holds every coin): keep what is asked
        ledger = ledger[ledger["token"].isin(catalog.index)]
    else:
        check_tokens(ledger, catalog.index, path)
    # account and token stay categorical (Parquet dictionary columns): turning millions of
    # codes back into strings would cost more than the engine itself
    return reward_history(ledger, catalog, terms, start=start, end=end, compound=compound,
                          **timeline)


def daily_totals(history: pd.DataFrame) -> pd.DataFrame:
    """Per UTC day and token: ``reward_cost`` (sum of rewards), ``eligible_balance`` (sum)
    and ``accounts_earning`` (accounts with a reward > 0). Sums only, so totals of parts add
    up to the total of the whole."""
    h = history.assign(accounts_earning=(history["reward"] > 0).astype("int64"))
    out = h.groupby(["date", "token"], as_index=False, observed=True).agg(
        reward_cost=("reward", "sum"), eligible_balance=("eligible_balance", "sum"),
        accounts_earning=("accounts_earning", "sum"))
    out["token"] = out["token"].astype(str)
    return out


def _totals_meta() -> pd.DataFrame:
    return pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"),
                         "token": pd.Series(dtype=str), "reward_cost": pd.Series(dtype=float),
                         "eligible_balance": pd.Series(dtype=float),
                         "accounts_earning": pd.Series(dtype="int64")})


def _build_dir(out: str | Path, write: Callable[[Path], None], marker: str,
               what: str) -> Path:
    """Build a folder in a temporary sibling with ``write(tmp)``, then move it into place.

    An existing ``out`` is replaced only when the new folder is complete, and only if it is
    an earlier output of the same kind (it holds ``marker``) or empty, and holds nothing
    the new output does not replace: a file of the user's inside it is never deleted (the
    folder is refused, naming the file). Leftovers of a crash between the two renames are
    recovered (``.NAME.old`` put back when ``out`` is missing) or removed.
    """
    out = Path(out)
    if str(out).strip() in ("", "."):
        raise ParameterError(f"'{out}' is not a folder name; give a new folder", param="out")
    parent = out.parent if str(out.parent) else Path(".")
    for old in sorted(parent.glob(f".{out.name}.old*")):  # a crash between two renames
        kept = old / out.name if (old / out.name).is_dir() else old
        if not (old.is_dir() and (kept / marker).exists()):
            continue
        if out.exists():
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(kept, out)
            shutil.rmtree(old, ignore_errors=True)
    if out.exists() and (not out.is_dir() or (any(out.iterdir())
                                              and not (out / marker).exists())):
        raise ParameterError(f"'{out}' exists and is not {what}; choose a new folder",
                             param="out")
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=parent))
    try:
        write(tmp)
        if out.exists():
            _refuse_foreign(out, tmp)
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=parent))
            os.replace(out, old / out.name)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _refuse_foreign(out: Path, new: Path) -> None:
    """Refuse to replace ``out`` if it holds a file the new output (``new``) does not."""
    ours = {p.relative_to(new) for p in new.rglob("*")}
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out)
        if rel not in ours and not re.fullmatch(r"part[-.][\w.-]*\.parquet", p.name):
            raise ParameterError(f"'{out}' holds '{rel}', which this command did not write; "
                                 "move it away or choose a new folder", param="out")


def write_output_dir(out: str | Path, write: Callable[[Path], None]) -> Path:
    """A reward output folder (``history/`` and the daily totals), built atomically."""
    return _build_dir(out, write, "daily_totals.csv", "an earlier reward output")


def _write_totals(totals: pd.DataFrame, folder: Path) -> pd.DataFrame:
    totals = totals.groupby(["date", "token"], as_index=False).sum().sort_values(
        ["date", "token"], ignore_index=True)
    totals.to_parquet(folder / "daily_totals.parquet", index=False)
    totals.to_csv(folder / "daily_totals.csv", index=False, lineterminator="\n",
                  date_format="%Y-%m-%d")
    return totals


def write_history_dir(history: pd.DataFrame, out: str | Path) -> pd.DataFrame:
    """In-memory engine's output as a folder: ``history/`` Parquet and the daily totals."""
    result: dict = {}

    def write(tmp: Path) -> None:
        (tmp / "history").mkdir()
        history.to_parquet(tmp / "history" / "part.0.parquet", index=False)
        result["totals"] = _write_totals(daily_totals(history), tmp)

    write_output_dir(out, write)
    return result["totals"]


def _history_meta() -> pd.DataFrame:
    return pd.DataFrame({
        "date": pd.Series(dtype="datetime64[ns]"),
        "account": pd.Series(pd.Categorical([])),
        "token": pd.Series(pd.Categorical([])),
        "avg_balance": pd.Series(dtype=float),
        "eligible_balance": pd.Series(dtype=float), "apr": pd.Series(dtype=float),
        "reward": pd.Series(dtype=float),
        "paid_at": pd.Series(dtype="datetime64[ns, UTC]")})


def rewards_dask(
    ledger_dir: str | Path,
    catalog: pd.DataFrame,
    terms: object = None,
    *,
    start: object,
    end: object,
    out: str | Path | None = None,
    client: object = None,
    compound: bool = True,
    progress: bool = False,
    only_catalog_tokens: bool = False,
    **timeline: object,
) -> dict:
    """The reward engine over every partition of a converted ledger, on Dask.

    Builds a ``dask.dataframe`` with one partition per ledger partition (the engine runs
    inside each), then in one compute writes the history as partitioned Parquet under
    ``out/history/`` and gathers the per-token daily totals the platform needs
    (``reward_cost``, ``eligible_balance``, ``accounts_earning``), written to
    ``out/daily_totals.parquet`` and ``.csv``. Without ``out`` the history is returned in
    memory. With ``only_catalog_tokens``, tokens missing from ``catalog`` are skipped
    (a token selection) instead of being an error.

    Returns
    -------
    dict
        ``totals`` (DataFrame) and, without ``out``, ``history`` (DataFrame).
    """
    import dask
    import dask.dataframe as dd

    files = [str(f) for f in partition_files(ledger_dir)]
    parts = [dask.delayed(_partition_history)(f, catalog, terms, start, end, timeline,
                                              compound, only_catalog_tokens) for f in files]
    hist = dd.from_delayed(parts, meta=_history_meta(), verify_meta=False)
    # each partition has its own categories: tell Dask they are not known in advance
    hist = hist.assign(account=hist["account"].cat.as_unknown(),
                       token=hist["token"].cat.as_unknown())
    totals = hist.map_partitions(daily_totals, meta=_totals_meta())
    if out is not None:
        result: dict = {}

        def write(tmp: Path) -> None:
            import pyarrow as pa

            labels = pa.dictionary(pa.int32(), pa.string())
            job = hist.to_parquet(str(tmp / "history"), write_index=False, compute=False,
                                  schema={"account": labels, "token": labels})
            _, parts_totals = _compute(client, progress, job, totals)
            result["totals"] = _write_totals(parts_totals, tmp)

        write_output_dir(out, write)
        return {"totals": result["totals"]}
    history, parts_totals = _compute(client, progress, hist, totals)
    history = history.assign(account=history["account"].astype(str),
                             token=history["token"].astype(str))
    history = history.sort_values(["date", "account", "token"], ignore_index=True)
    totals_df = parts_totals.groupby(["date", "token"], as_index=False).sum().sort_values(
        ["date", "token"], ignore_index=True)
    return {"history": history, "totals": totals_df}


def _compute(client: object, progress: bool, *collections: object) -> tuple:
    """Compute on the client (with Dask's progress bar) or the default scheduler."""
    import dask

    if client is None:
        if progress:
            from dask.diagnostics import ProgressBar

            with ProgressBar():
                return dask.compute(*collections)
        return dask.compute(*collections)
    futures = client.compute(list(collections))
    if progress:
        from dask.distributed import progress as show

        show(futures)
    return tuple(client.gather(futures))


def _mc_chunk(params: object, first: int, count: int, seed: int, runs: object) -> pd.DataFrame:
    from .liquidity import simulate, withdrawal_rates

    rates = withdrawal_rates(params, count, seed, runs, first_path=first)
    m = simulate(params, rates, daily=False).metrics
    m.insert(0, "path", np.arange(first, first + count))
    return m


def _chunk_tasks(params: object, paths: int, seed: int, runs: object, chunk: int) -> list:
    """One delayed :func:`_mc_chunk` per ``chunk`` paths."""
    import dask

    for name, value in (("paths", paths), ("chunk", chunk)):
        if value < 1:
            raise ParameterError(f"must be >= 1, got {value}", param=name)
    return [dask.delayed(_mc_chunk)(params, a, min(chunk, paths - a), seed, runs)
            for a in range(0, paths, chunk)]


def sweep_dask(base: object, scenarios: list[dict], paths: int, seed: int = 0,
               runs: object = None, chunk: int = 1000) -> pd.DataFrame:
    """:func:`liquidity.stress_sweep`'s per-path metrics with every (scenario, chunk of paths)
    a Dask task; keyed by ``scenario, path`` with the scenario's parameters as columns."""
    import dask

    from .liquidity import scenario_params
    from .sweeps import run_sweep

    tasks = [_chunk_tasks(p, paths, seed, runs, chunk) for p in scenario_params(base, scenarios)]
    computed = iter(dask.compute(*tasks))
    return run_sweep(scenarios, lambda _sc: pd.concat(next(computed), ignore_index=True))


def monte_carlo_dask(params: object, paths: int, seed: int = 0, runs: object = None,
                     chunk: int = 1000) -> pd.DataFrame:
    """Per-path stress metrics for ``paths`` paths, computed in chunks of ``chunk`` paths as
    Dask tasks (on the current client, if any). Identical whatever ``chunk`` is."""
    import dask

    return pd.concat(dask.compute(*_chunk_tasks(params, paths, seed, runs, chunk)),
                     ignore_index=True)
