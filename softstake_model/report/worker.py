"""A report worker: its kernel server and kernel manager, and one run through papermill.

Each worker process of :func:`~softstake_model.report.execute.execute` starts, once, a
kernel server (:mod:`.warm`) and keeps one page exporter
(:func:`~softstake_model.report.render.render_html`); then, for every run, papermill
executes the notebook in a new kernel the server forks, over IPC sockets in the worker's
private folder. Papermill writes the executed notebook once, at the end (not after every
cell); the page is rendered from the notebook in memory.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing.util
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import HEADLINE_MIME
from .processes import end_with_parent
from .render import render_html
from .runs import Run, RunResult

__all__ = ["KERNEL_START_RETRIES", "ENGINE", "init_worker", "execute_one",
           "kernel_manager_class"]

#: Times a run is started again when its kernel dies before it starts: kernels started in
#: parallel over TCP pick free ports independently, and now and then two take the same one.
KERNEL_START_RETRIES = 2
#: The papermill engine the runs use: papermill's own (nbclient), keeping hold of the
#: notebook it executes so that a run stopped by its time limit can name its cell.
ENGINE = "softstake"
#: Longest path of a Unix socket (bytes, less a margin for the port suffix).
_MAX_SOCKET_PATH = 90
#: This worker's kernel server and its folder (set by :func:`init_worker`).
_WORKER: dict[str, Any] = {}


def init_worker(parent: int) -> None:
    """A worker's first act: end with the command, leave Ctrl-C to it, start the server.

    Workers end with the command (``parent``), also after its ``kill -9``. Their own stderr
    (kernel start-up warnings) is noise: failures come back as results, with the failing
    cell's error. Ctrl-C is the runner's to handle: workers ignore SIGINT (their kernels run
    in sessions of their own and never see it).

    Parameters
    ----------
    parent
        The command's pid.
    """
    end_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
    if os.name != "posix" or not hasattr(os, "fork"):  # pragma: no cover - Windows
        return
    folder = tempfile.mkdtemp(prefix="softstake-k")
    multiprocessing.util.Finalize(None, shutil.rmtree, args=(folder, True), exitpriority=5)
    if len(os.fsencode(folder)) > _MAX_SOCKET_PATH:
        return
    from .warm import KernelServer

    try:
        server = KernelServer()
    except OSError:
        return
    _WORKER.update(folder=folder, server=server)
    multiprocessing.util.Finalize(server, server.stop, exitpriority=10)


def execute_one(run: Run, build: str, notebooks_dir: str, cwd: str,
                timeout: float | None) -> RunResult:
    """Execute one run into ``build`` and render it; never raises.

    Parameters
    ----------
    run
        The run.
    build
        The command's build folder: ``SLUG.ipynb`` and ``SLUG.html`` go there (the notebook
        also when the run fails).
    notebooks_dir
        Folder of the notebooks.
    cwd
        Folder the notebook runs in.
    timeout
        Longest time one cell may run (seconds); None = no limit.

    Returns
    -------
    RunResult
        With the headline figures, or where and why the run failed.
    """
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError

    _register_engine()
    src = Path(notebooks_dir) / f"{run.notebook}.ipynb"
    out_nb = Path(build) / f"{run.slug}.ipynb"
    t = time.perf_counter()
    executing: dict[str, Any] = {}
    try:
        with kernel_manager_class(_WORKER.get("folder"), _WORKER.get("server")) as km_class:
            nb = _papermill(src, out_nb, run, cwd, timeout, km_class, executing)
        page = render_html(nb, f"{run.notebook} — {run.label}")
        (Path(build) / f"{run.slug}.html").write_text(page, encoding="utf-8")
        return RunResult(run, True, time.perf_counter() - t, _headline(nb))
    except pm.PapermillExecutionError as e:  # papermill wrote the notebook, error marked
        err = f"cell {e.cell_index}: {e.ename}: {e.evalue}"
    except CellTimeoutError:
        _write_partial(executing, out_nb)
        err = (f"cell {_last_started(executing.get('nb'))}: timed out after {timeout:,.0f} s "
               "(a longer limit: --timeout)")
    except Exception as e:  # a worker reports every failure; the runner decides
        _write_partial(executing, out_nb)
        err = f"{type(e).__name__}: {e}"
    return RunResult(run, False, time.perf_counter() - t, error=err)


def _papermill(src: Path, out_nb: Path, run: Run, cwd: str, timeout: float | None,
               km_class: type, executing: dict) -> Any:
    """Papermill executes ``src`` with the run's parameters into ``out_nb`` (written once,
    at the end); a TCP kernel that dies starting (port taken) is started again."""
    import papermill as pm

    for attempt in range(1 + KERNEL_START_RETRIES):
        try:
            return pm.execute_notebook(
                str(src), str(out_nb), parameters=run.params, engine_name=ENGINE,
                kernel_name="python3", cwd=cwd, progress_bar=False, log_output=False,
                execution_timeout=timeout, kernel_manager_class=km_class,
                request_save_on_cell_execute=False, executing=executing)
        except RuntimeError as e:
            if "before replying to kernel_info" not in str(e) or \
                    attempt == KERNEL_START_RETRIES:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _register_engine() -> None:
    """Register :data:`ENGINE`: papermill's nbclient engine, which also puts the notebook
    it executes into the ``executing`` dict it is given (``executing["nb"]``)."""
    from papermill.engines import NBClientEngine, papermill_engines

    if ENGINE in papermill_engines._engines:
        return

    class Engine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str,
                                     executing: dict | None = None, **kwargs: Any) -> Any:
            if executing is not None:
                executing["nb"] = nb_man.nb
            return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)

    papermill_engines.register(ENGINE, Engine)


@contextlib.contextmanager
def kernel_manager_class(folder: str | None = None,
                         server: Any = None) -> Iterator[type]:
    """A kernel manager class whose kernels use IPC sockets in a private folder.

    Yields jupyter_client's ``AsyncKernelManager`` with ``transport="ipc"`` and the sockets
    in ``folder`` (None: a new temporary folder, removed afterwards), so kernels started in
    parallel never race for TCP ports; with a kernel ``server``
    (:class:`~softstake_model.report.warm.KernelServer`) its kernels are forked by it. On
    Windows, or where the folder's path is too long for a Unix socket, the plain TCP
    manager.

    Parameters
    ----------
    folder
        The worker's kernel folder; None = a temporary one.
    server
        The worker's kernel server; None = kernels started the ordinary way.

    Yields
    ------
    type
        The class, for nbclient's ``kernel_manager_class``.
    """
    from jupyter_client.manager import AsyncKernelManager

    if os.name != "posix":  # pragma: no cover - Windows
        yield AsyncKernelManager
        return
    own = folder is None
    folder = tempfile.mkdtemp(prefix="softstake-k") if folder is None else folder
    try:
        if len(os.fsencode(folder)) > _MAX_SOCKET_PATH:
            yield AsyncKernelManager
            return
        yield _ipc_manager(folder, server)
    finally:
        if own:
            shutil.rmtree(folder, ignore_errors=True)


def _ipc_manager(folder: str, server: Any) -> type:
    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: object) -> None:
            super().__init__(transport="ipc", ip=os.path.join(folder, "kernel"), **kwargs)

        async def _async_pre_start_kernel(self, **kw: Any) -> Any:
            if server is not None and self.provisioner is None:
                from .warm import WarmProvisioner

                self.kernel_id = self.kernel_id or kw.pop("kernel_id", None) or \
                    os.urandom(16).hex()
                provisioner = WarmProvisioner(kernel_id=self.kernel_id,
                                              kernel_spec=self.kernel_spec, parent=self)
                provisioner.server = server
                self.provisioner = provisioner
            return await super()._async_pre_start_kernel(**kw)

    return IPCKernelManager


def _write_partial(executing: dict, out_nb: Path) -> None:
    """Write the notebook a failed run was executing (for ``out/.failed/``), if any."""
    nb = executing.get("nb")
    if nb is None:
        return
    with contextlib.suppress(Exception):
        import nbformat

        nbformat.write(nb, str(out_nb))


def _last_started(nb: Any) -> int | str:
    """The index of the last cell papermill started in ``nb`` ("?" when unknown)."""
    if nb is None:
        return "?"
    started = [i for i, c in enumerate(nb.get("cells", []))
               if (c.get("metadata", {}).get("papermill") or {}).get("start_time")]
    return started[-1] if started else "?"


def _headline(nb: Any) -> dict:
    """The headline figures an executed notebook displayed (its ``HEADLINE_MIME`` outputs),
    as plain JSON values."""
    found: dict = {}
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            h = out.get("data", {}).get(HEADLINE_MIME)
            if isinstance(h, dict):
                found.update(json.loads(json.dumps(h)))
    return found
