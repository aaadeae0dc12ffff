"""Execution: planned runs through papermill in worker processes, and Ctrl-C.

Runs are executed by papermill in worker processes, each into a private build folder; only
a run that succeeds has its executed notebook and HTML moved into the output folder, so a
failing run never replaces a good report. A kernel that dies while starting (two kernels
started in parallel now and then pick the same port) is started again. Ctrl-C or SIGTERM
stops every run at once: workers and their kernels are killed, finished pages stay.

The notebooks ship in the package and are found through :mod:`importlib.resources`, so an
installed wheel runs from any folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from ..errors import InputError, ParameterError
from . import HEADLINE_MIME
from .index import write_index
from .render import render_html
from .runs import Run, RunResult

__all__ = ["NOTEBOOKS_DIR", "KERNEL_START_RETRIES", "shipped_notebooks", "execute",
           "descendants"]

#: The notebooks shipped in the package (a :class:`~importlib.abc.Traversable`; a folder on
#: disk for any ordinary install). :func:`shipped_notebooks` gives it as a real path.
NOTEBOOKS_DIR: Traversable = resources.files("softstake_model") / "notebooks"
#: Times a run is started again when its kernel dies before it starts: kernels started in
#: parallel pick free ports independently, and now and then two take the same one.
KERNEL_START_RETRIES = 2


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
            progress: bool = True) -> list[RunResult]:
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

    Returns
    -------
    list of RunResult
        One per run, in the order of ``runs``.

    Raises
    ------
    ParameterError
        If ``jobs`` < 1.
    InputError
        If a notebook is missing from ``notebooks_dir``.
    """
    if jobs is not None and jobs < 1:
        raise ParameterError(f"must be >= 1, got {jobs}", param="jobs")
    if notebooks_dir is None or not isinstance(notebooks_dir, str | Path):
        with resources.as_file(notebooks_dir or NOTEBOOKS_DIR) as shipped:
            return execute(runs, out, jobs, Path(shipped), progress)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    notebooks_dir = Path(notebooks_dir).resolve()
    for nb in {r.notebook for r in runs}:
        if not (notebooks_dir / f"{nb}.ipynb").is_file():
            raise InputError(f"notebook {nb}.ipynb not found", file=str(notebooks_dir))
    build = Path(tempfile.mkdtemp(prefix=".build-", dir=out))
    results: list[RunResult] = []
    try:
        interrupted = _run_pool(runs, build, out, notebooks_dir, jobs or os.cpu_count() or 1,
                                progress, results)
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
              progress: bool, results: list[RunResult]) -> BaseException | None:
    """Run every run in a pool of ``jobs`` workers, appending each finished result to
    ``results`` as it comes; on Ctrl-C or SIGTERM kill everything and return the interrupt
    (None when every run finished)."""
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_quiet_worker)
    try:
        futures = [pool.submit(_execute_one, r, str(build), str(notebooks_dir), os.getcwd())
                   for r in runs]
        done = as_completed(futures)
        if progress:
            from tqdm.auto import tqdm

            done = tqdm(done, total=len(futures), desc="reports", unit="run", disable=None)
        for fut in done:
            results.append(_collect(fut.result(), build, out))
        pool.shutdown(wait=True)
    except BaseException as e:  # Ctrl-C, SIGTERM: stop every run now, keep finished pages
        with _second_interrupt_kills(pool):
            _kill_all(pool)
        return e
    return None


def _execute_one(run: Run, build: str, notebooks_dir: str, cwd: str) -> RunResult:
    """Worker: execute one run into ``build`` and render it; never raises."""
    import papermill as pm

    src = Path(notebooks_dir) / f"{run.notebook}.ipynb"
    out_nb = Path(build) / f"{run.slug}.ipynb"
    t = time.perf_counter()
    try:
        for attempt in range(1 + KERNEL_START_RETRIES):
            try:
                pm.execute_notebook(str(src), str(out_nb), parameters=run.params,
                                    kernel_name="python3", cwd=cwd, progress_bar=False,
                                    log_output=False)
                break
            except RuntimeError as e:  # a kernel that died starting (a port taken meanwhile)
                if "before replying to kernel_info" not in str(e) or \
                        attempt == KERNEL_START_RETRIES:
                    raise
        page = render_html(out_nb, f"{run.notebook} — {run.label}")
        (Path(build) / f"{run.slug}.html").write_text(page, encoding="utf-8")
        return RunResult(run, True, time.perf_counter() - t, _headline(out_nb))
    except pm.PapermillExecutionError as e:
        err = f"cell {e.cell_index}: {e.ename}: {e.evalue}"
    except Exception as e:  # a worker reports every failure; the runner decides
        err = f"{type(e).__name__}: {e}"
    return RunResult(run, False, time.perf_counter() - t, error=err)


def _headline(nb_path: Path) -> dict:
    """The headline figures an executed notebook displayed (its ``HEADLINE_MIME`` outputs)."""
    data = json.loads(nb_path.read_text())
    found: dict = {}
    for cell in data.get("cells", []):
        for out in cell.get("outputs", []):
            h = out.get("data", {}).get(HEADLINE_MIME)
            if isinstance(h, dict):
                found.update(h)
    return found


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


def _quiet_worker() -> None:
    """Workers' own stderr (kernel start-up warnings) is noise: failures come back as
    results, with the failing cell's error. Ctrl-C is the runner's to handle: workers
    ignore SIGINT (their kernels run in sessions of their own and never see it)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)


def descendants(pids: list[int]) -> list[int]:
    """Every process descended from ``pids`` (Linux ``/proc``; elsewhere none found).

    Parameters
    ----------
    pids
        Process ids.

    Returns
    -------
    list of int
        Their children, grandchildren and so on (not ``pids`` themselves).
    """
    parent: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
            parent[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found, todo = [], list(pids)
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        found += kids
        todo += kids
    return found


def _kill_all(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's workers and everything they started (kernels), at once."""
    workers = [p.pid for p in (getattr(pool, "_processes", None) or {}).values()
               if p.pid is not None]
    for pid in descendants(workers) + workers:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    pool.shutdown(wait=False, cancel_futures=True)


@contextlib.contextmanager
def _second_interrupt_kills(pool: ProcessPoolExecutor) -> Iterator[None]:
    """While cleaning up after Ctrl-C, a second Ctrl-C kills everything and exits (130)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def now(signum: int, frame: object) -> None:
        _kill_all(pool)
        os._exit(130)

    old = signal.signal(signal.SIGINT, now)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
