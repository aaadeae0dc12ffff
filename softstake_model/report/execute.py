"""Execution: planned runs through papermill in worker processes, and Ctrl-C.

Runs are executed by papermill in worker processes, each into a private build folder; only
a run that succeeds has its executed notebook and HTML moved into the output folder, so a
failing run never replaces a good report. Each cell has a time limit (``timeout``,
papermill's ``execution_timeout``); a cell that runs longer fails its run with a message
naming the cell. Kernels talk to their worker over IPC sockets in a private folder where
the platform has them (no TCP ports to race for); elsewhere over TCP, and a kernel that
dies while starting (two kernels started in parallel now and then pick the same port) is
started again. Ctrl-C or SIGTERM stops every run at once: workers and their kernels are
killed, finished pages stay. Workers end with the command also after ``kill -9``
(:func:`~softstake_model.report.processes.end_with_parent`), and the next command into the
same folder removes the build folders of commands no longer alive.

The notebooks ship in the package and are found through :mod:`importlib.resources`, so an
installed wheel runs from any folder.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from ..errors import InputError, ParameterError
from .index import write_index
from .processes import claim_build, descendants, kill_tree, remove_stale_builds
from .runs import Run, RunResult
from .warm import start_server
from .worker import (
    KERNEL_START_RETRIES,
    execute_one,
    init_worker,
    kernel_manager_class,
    preload,
)

__all__ = ["NOTEBOOKS_DIR", "KERNEL_START_RETRIES", "DEFAULT_TIMEOUT", "shipped_notebooks",
           "execute", "heavy_first", "descendants", "kernel_manager_class"]

#: The notebooks shipped in the package (a :class:`~importlib.abc.Traversable`; a folder on
#: disk for any ordinary install). :func:`shipped_notebooks` gives it as a real path.
NOTEBOOKS_DIR: Traversable = resources.files("softstake_model") / "notebooks"
#: Longest time one cell of a notebook may run (seconds) unless told otherwise: a full
#: report's longest cell takes about a minute on a laptop.
DEFAULT_TIMEOUT = 1800.0


@contextlib.contextmanager
def shipped_notebooks() -> Iterator[Path]:
    """The shipped notebooks' folder as a path on disk, for as long as the context lasts.

    Yields
    ------
    Path
        Folder holding ``yields.ipynb``, ``caps.ipynb``, ``liquidity_stress.ipynb`` and
        ``reconcile.ipynb``.
    """
    with resources.as_file(NOTEBOOKS_DIR) as path:
        yield Path(path)


def execute(runs: list[Run], out: str | Path = "reports", jobs: int | None = None,
            notebooks_dir: str | Path | Traversable | None = None,
            progress: bool = True, timeout: float | None = DEFAULT_TIMEOUT,
            server: Any = None) -> list[RunResult]:
    """Execute ``runs`` in parallel; move each successful report into ``out``; write the index.

    Failed runs leave any earlier report of the same name untouched; their partly executed
    notebook goes to ``out/.failed/`` for inspection. On Ctrl-C (or SIGTERM) pending runs are
    cancelled, running workers and their kernels are killed, the pages already finished
    stay, the index lists them, the build folder is removed and the interrupt is raised
    again (the command exits 130); a second Ctrl-C meanwhile kills everything and exits.
    Notebooks run in the current folder, so relative paths among the parameters mean what
    they meant when :func:`~softstake_model.report.scenarios.plan` validated them.

    Parameters
    ----------
    runs
        From :func:`~softstake_model.report.scenarios.plan`.
    out
        Output folder (created if missing).
    jobs
        Worker processes (>= 1); None = one per CPU.
    notebooks_dir
        Folder of the notebooks; None = the shipped ones (:func:`shipped_notebooks`).
    progress
        Show a progress bar (tqdm, from the ``report`` extra).
    timeout
        Longest time one cell may run, in seconds (> 0); None = no limit. A cell that
        runs longer fails its run (``cell 4: timed out after 1,800 s``).
    server
        A kernel server already started (:func:`~softstake_model.report.warm.
        start_server`, e.g. by the command before it planned the runs, so that it imports
        meanwhile); the caller stops it. None = one is started here for the runs.

    Returns
    -------
    list of RunResult
        One per run, in the order of ``runs``.

    Raises
    ------
    ParameterError
        If ``jobs`` < 1 or ``timeout`` <= 0.
    InputError
        If a notebook is missing from ``notebooks_dir``.
    """
    if jobs is not None and jobs < 1:
        raise ParameterError(f"must be >= 1, got {jobs}", param="jobs")
    if timeout is not None and not timeout > 0:
        raise ParameterError(f"must be > 0 seconds, got {timeout}", param="timeout")
    if notebooks_dir is None or not isinstance(notebooks_dir, str | Path):
        with resources.as_file(notebooks_dir or NOTEBOOKS_DIR) as shipped:
            return execute(runs, out, jobs, Path(shipped), progress, timeout, server)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_builds(out)
    notebooks_dir = Path(notebooks_dir).resolve()
    for nb in {r.notebook for r in runs}:
        if not (notebooks_dir / f"{nb}.ipynb").is_file():
            raise InputError(f"notebook {nb}.ipynb not found", file=str(notebooks_dir))
    build = Path(tempfile.mkdtemp(prefix=".build-", dir=out))
    claim_build(build)
    results: list[RunResult] = []
    try:
        interrupted = _run_pool(runs, build, out, notebooks_dir, jobs or os.cpu_count() or 1,
                                progress, results, timeout, server)
    finally:
        shutil.rmtree(build, ignore_errors=True)
    # a result comes back from its worker with a copy of its run: matched by slug (unique)
    order = {r.slug: i for i, r in enumerate(runs)}
    results.sort(key=lambda r: order.get(r.run.slug, len(order)))
    if interrupted is not None:
        if results:
            with contextlib.suppress(Exception):
                write_index(results, out)
        raise interrupted
    write_index(results, out)
    return results


def _run_pool(runs: list[Run], build: Path, out: Path, notebooks_dir: Path, jobs: int,
              progress: bool, results: list[RunResult], timeout: float | None,
              server: Any = None) -> BaseException | None:
    """Run every run in a pool of ``jobs`` workers, appending each finished result to
    ``results`` as it comes; on Ctrl-C or SIGTERM kill everything and return the interrupt
    (None when every run finished).

    The kernel server starts first unless given (it imports while this process imports
    papermill and builds the page exporter), then the workers are forked, each with its
    pair of the server's pipes."""
    workers = min(jobs, max(len(runs), 1))
    own = server is None
    if own:
        server = start_server(workers)
    pool: ProcessPoolExecutor | None = None
    try:
        preload()
        if server is None:
            pool = ProcessPoolExecutor(max_workers=workers, initializer=init_worker,
                                       initargs=(os.getpid(),))
        else:  # the workers inherit the server and take a pair of its pipes each
            fork = multiprocessing.get_context("fork")
            slots = fork.SimpleQueue()
            for i in range(workers):
                slots.put(i if i < server.clients else None)
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=fork,
                                       initializer=init_worker,
                                       initargs=(os.getpid(), server, slots))
        futures = [pool.submit(execute_one, r, str(build), str(notebooks_dir), os.getcwd(),
                               timeout) for r in heavy_first(runs)]
        done = as_completed(futures)
        if progress:
            from tqdm.auto import tqdm

            done = tqdm(done, total=len(futures), desc="reports", unit="run", disable=None)
        for fut in done:
            results.append(_collect(fut.result(), build, out))
        pool.shutdown(wait=True)
    except BaseException as e:  # Ctrl-C, SIGTERM: stop every run now, keep finished pages
        while True:
            try:
                with _second_interrupt_kills(pool, server):
                    _kill_all(pool, server)
                break
            except KeyboardInterrupt:  # a second Ctrl-C before its handler was in place
                continue
        return e
    finally:
        if own and server is not None:
            server.stop()
    return None


def heavy_first(runs: list[Run]) -> list[Run]:
    """``runs`` in the order they are handed to the workers: the stress runs first (the
    longest, by tokens × paths × days), then the others in the plan's order, so that no
    long run starts last while the other workers have nothing left to do.

    Parameters
    ----------
    runs
        The planned runs.

    Returns
    -------
    list of Run
        The same runs, reordered.
    """
    def weight(r: Run) -> float:
        if r.notebook != "liquidity_stress":
            return 0.0
        p = r.params
        tokens = str(p.get("tokens") or "").count(",") + 1
        return float(tokens * (p.get("paths") or 1) * (p.get("days") or 1))

    return sorted(runs, key=weight, reverse=True)


def _collect(res: RunResult, build: Path, out: Path) -> RunResult:
    """Move a finished run's pages from the build folder into ``out``."""
    slug = res.run.slug
    if res.ok:
        for ext in ("ipynb", "html"):
            os.replace(build / f"{slug}.{ext}", out / f"{slug}.{ext}")
        res.html, res.ipynb = f"{slug}.html", f"{slug}.ipynb"
    else:
        failed = out / ".failed"
        failed.mkdir(exist_ok=True)
        if (build / f"{slug}.ipynb").exists():
            os.replace(build / f"{slug}.ipynb", failed / f"{slug}.ipynb")
        if (out / f"{slug}.html").exists():
            res.html = f"{slug}.html"  # the earlier, good report stays
    return res


def _kill_all(pool: ProcessPoolExecutor | None, server: Any = None) -> None:
    """Kill the pool's workers, the kernel server and everything they started (kernels),
    at once."""
    workers = [p.pid for p in (getattr(pool, "_processes", None) or {}).values()
               if p.pid is not None]
    kill_tree(workers + ([server.pid] if server is not None else []))
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


@contextlib.contextmanager
def _second_interrupt_kills(pool: ProcessPoolExecutor | None,
                            server: Any = None) -> Iterator[None]:
    """While cleaning up after Ctrl-C, a second Ctrl-C kills everything and exits (130)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def now(signum: int, frame: object) -> None:
        _kill_all(pool, server)
        os._exit(130)

    old = signal.signal(signal.SIGINT, now)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
