"""A report worker: its share of the kernel server, and one run through papermill.

The command starts one kernel server (:mod:`.warm`) for all its workers and imports what a
run needs (:func:`preload`: papermill, nbclient, the page exporter with its templates
compiled) before it forks them, so each worker starts with them. For every run papermill
executes the notebook in a new kernel the server forks, over IPC sockets in the worker's
private folder. Papermill writes the executed notebook once, at the end (not after every
cell); the page is rendered from the notebook in memory.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import multiprocessing.util
import os
import shutil
import signal
import sys
import tempfile
import time
import types
from collections.abc import Iterator
from pathlib import Path
from queue import Empty
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

from . import HEADLINE_MIME
from .processes import end_with_parent
from .render import preload_exporter, render_html
from .runs import Run, RunResult
from .warm import ForkedKernel, KernelServer

__all__ = ["KERNEL_START_RETRIES", "ENGINE", "preload", "init_worker", "execute_one",
           "kernel_manager_class", "ReadyClient", "WarmProvisioner"]

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


def preload() -> None:
    """Import what every run needs and build the page exporter, in the command before it
    forks its workers (they start with them instead of each importing them again)."""
    _defer_iri_grammar()
    import nbclient.exceptions  # noqa: F401
    import papermill  # noqa: F401

    _register_engine()
    preload_exporter()


def _defer_iri_grammar() -> None:
    """Put off building ``rfc3987_syntax``'s grammar until something checks an IRI.

    jsonschema (imported by nbformat, under papermill) imports ``rfc3987_syntax`` when it
    is installed (JupyterLab's dependencies bring it), and that module builds an Earley
    parser of the IRI grammar at import: 1.1-1.7 s of CPU here, half of papermill's import.
    No schema the report validates uses the ``iri`` formats. A stand-in module is put in
    its place: its ``is_valid_syntax`` (what jsonschema imports) and any other name load the
    real module on first use, so an IRI is still checked as before.
    """
    name = "rfc3987_syntax"
    if name in sys.modules or importlib.util.find_spec(name) is None:
        return
    stand_in = types.ModuleType(name, "stand-in: the real module loads on first use")
    real: list[types.ModuleType] = []

    def load() -> types.ModuleType:
        if not real:
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]
            real.append(importlib.import_module(name))
        return real[0]

    def is_valid_syntax(term: str, value: str) -> bool:
        return load().is_valid_syntax(term, value)

    def attribute(attr: str) -> Any:
        if attr.startswith("__"):  # what the import system asks (``__path__``): not there
            raise AttributeError(attr)
        return getattr(load(), attr)

    stand_in.is_valid_syntax = is_valid_syntax  # type: ignore[attr-defined]
    stand_in.__getattr__ = attribute  # type: ignore[method-assign]
    sys.modules[name] = stand_in


def init_worker(parent: int, server: Any = None, slots: Any = None) -> None:
    """A worker's first act: end with the command, leave Ctrl-C to it, take its pipes.

    Workers end with the command (``parent``), also after its ``kill -9``. Their own stderr
    (kernel start-up warnings) is noise: failures come back as results, with the failing
    cell's error. Ctrl-C is the runner's to handle: workers ignore SIGINT (their kernels run
    in sessions of their own and never see it).

    Parameters
    ----------
    parent
        The command's pid.
    server
        The command's kernel server (:func:`~softstake_model.report.warm.start_server`);
        None = kernels started the ordinary way.
    slots
        A queue of the server's pipe pairs not yet taken (their numbers, then None for
        workers beyond them): each worker takes one.
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
    _WORKER.update(folder=folder)
    slot = slots.get() if slots is not None else None
    if server is not None and slot is not None:  # more workers than pairs: the rest start
        server.use(slot)                         # their kernels the ordinary way
        _WORKER.update(server=server)


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
    at the end); a TCP kernel that dies starting (port taken) is started again. The kernel
    is killed once the last cell has run (``shutdown_kernel="immediate"``): every output is
    in by then, and a graceful shutdown only adds nbclient's 0.1 s polls for its end."""
    import papermill as pm

    for attempt in range(1 + KERNEL_START_RETRIES):
        try:
            return pm.execute_notebook(
                str(src), str(out_nb), parameters=run.params, engine_name=ENGINE,
                kernel_name="python3", cwd=cwd, progress_bar=False, log_output=False,
                execution_timeout=timeout, kernel_manager_class=km_class,
                request_save_on_cell_execute=False, executing=executing,
                shutdown_kernel="immediate")
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
    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: object) -> None:
            super().__init__(transport="ipc", ip=os.path.join(folder, "kernel"),
                             client_class=f"{__name__}.ReadyClient", **kwargs)

        async def _async_pre_start_kernel(self, **kw: Any) -> Any:
            if server is not None and self.provisioner is None:
                self.kernel_id = self.kernel_id or kw.pop("kernel_id", None) or \
                    os.urandom(16).hex()
                provisioner = WarmProvisioner(kernel_id=self.kernel_id,
                                              kernel_spec=self.kernel_spec, parent=self)
                provisioner.server = server
                self.provisioner = provisioner
            return await super()._async_pre_start_kernel(**kw)

    return IPCKernelManager


class ReadyClient(AsyncKernelClient):
    """jupyter_client's client, ready as soon as the kernel has answered ``kernel_info`` and
    its IOPub channel is seen to be connected.

    jupyter_client's own ``wait_for_ready`` then also waits until IOPub has been quiet for
    0.2 s, on every kernel start; nbclient reads only the IOPub messages of the requests it
    sends, so nothing it reads is left in that flush.
    """

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                msg = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                pass
            else:
                if msg["msg_type"] == "kernel_info_reply":
                    try:  # the reply's status message: IOPub is connected
                        await self.iopub_channel.get_msg(timeout=0.2)
                    except Empty:
                        pass
                    else:
                        self._handle_kernel_info_reply(msg)
                        return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")


class WarmProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, whose kernels the command's server forks
    (:data:`server`; None, or a kernel it cannot fork: started the ordinary way)."""

    #: The worker's share of the kernel server (set by the worker).
    server: KernelServer | None = None

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        """Fork the kernel from the server; start it the ordinary way if that fails."""
        cwd = str(kwargs.get("cwd") or os.getcwd())
        env = {str(k): str(v) for k, v in (kwargs.get("env") or os.environ).items()}
        pid = self.server.fork_kernel(cmd, env, cwd) if self.server is not None else None
        if pid is None:
            return await super().launch_kernel(cmd, **kwargs)
        self.process = ForkedKernel(pid)  # type: ignore[assignment]
        self.pid, self.pgid, self.cwd = pid, pid, cwd  # the kernel leads its own session
        return self.connection_info


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
