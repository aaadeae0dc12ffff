"""Warm kernels: each notebook's kernel forked from a process that has imported the report.

Starting a kernel and importing numpy, pandas, matplotlib and the package in it costs about
as much CPU as a small notebook's own work. The command therefore starts one *kernel server*
(``python -m softstake_model.report.warm``) for all its workers, before it forks them; the
server imports :data:`WARM_MODULES` once, then waits for requests, one pair of pipes per
worker (meanwhile it imports :data:`WARM_LATER` and draws a throw-away figure). For every
run the worker's kernel manager (its provisioner, :class:`~softstake_model.report.worker.
WarmProvisioner`) asks the server for a kernel instead of starting ``python -m
ipykernel_launcher``: the server forks, and the child becomes that kernel (ipykernel's own
``launch_new_instance`` with the same arguments, environment and folder a started kernel
would get). So every notebook still gets a new kernel process with an empty namespace and
execution counts from 1; nothing a notebook does reaches the next one, which forks from the
same untouched server.

A kernel ends with the server, the server with the command (``PR_SET_PDEATHSIG`` on Linux;
elsewhere both watch their parent every second). Where the server cannot serve (no fork, it
failed to start, another interpreter), the kernel is started the ordinary way.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import os
import select
import signal
import subprocess
import sys
import time
from typing import Any

from .processes import kill_on_parent_exit

__all__ = ["WARM_MODULES", "WARM_LATER", "KernelServer", "start_server", "ForkedKernel",
           "serve"]

#: What the kernel server imports before it forks kernels: what the notebooks import
#: (and what the package imports only when first called: the history store).
WARM_MODULES = ("numpy", "pandas", "pandas.io.formats.style", "matplotlib",
                "matplotlib.pyplot", "matplotlib.backends.backend_agg", "IPython",
                "IPython.display", "ipykernel.kernelapp", "ipykernel.ipkernel",
                "softstake_model.report", "softstake_model.report.views",
                "softstake_model.report.plots", "softstake_model.report.format",
                "softstake_model.stress_parts", "softstake_model.store")
#: What ipykernel imports as each kernel starts (its shell, its debugger with debugpy, the
#: history's sqlite3: 0.05-0.08 s of every kernel's start), and one figure drawn (``draw``:
#: fonts, mathtext; 0.25 s): done by the server once it serves, one at a time while no
#: request waits, so the first kernels do not wait for them.
WARM_LATER = ("ipykernel.zmqshell", "sqlite3", "ipykernel.debugger", "draw")
#: Longest wait for the server to fork a kernel (seconds; it imports first): after it, the
#: kernel is started the ordinary way.
SERVER_WAIT = 120.0
_INLINE = "module://matplotlib_inline.backend_inline"


class KernelServer:
    """The command's kernel server: the process and a pair of pipes (requests, replies) for
    each of its ``clients`` (workers).

    Made in the command before its workers are forked; each worker takes its own pair
    (:meth:`use`). Requests on a pair come one at a time (a worker runs one notebook at a
    time): a line of JSON (the kernel's arguments, environment and folder), answered by a
    line with its pid.

    Parameters
    ----------
    clients
        Pairs of pipes (workers served), >= 1.
    """

    def __init__(self, clients: int = 1) -> None:
        ours: list[tuple[int, int]] = []
        theirs: list[int] = []
        try:
            for _ in range(max(clients, 1)):
                req_r, req_w = os.pipe()
                rep_r, rep_w = os.pipe()
                ours.append((req_w, rep_r))
                theirs += [req_r, rep_w]
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "softstake_model.report.warm",
                 ",".join(map(str, theirs)), str(os.getpid())], pass_fds=theirs,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
        except OSError:
            for fd in [fd for pair in ours for fd in pair]:
                os.close(fd)
            raise
        finally:
            for fd in theirs:
                os.close(fd)
        self._owner = os.getpid()
        self._pairs = ours
        self._req, self._rep = ours[0]
        self.usable = True

    @property
    def pid(self) -> int:
        """The server's pid."""
        return self.proc.pid

    @property
    def clients(self) -> int:
        """Pairs of pipes it serves (in a worker that took one: 1)."""
        return len(self._pairs)

    def use(self, client: int) -> None:
        """In a worker forked after the server started: ask over the ``client``-th pair
        (the other pairs' ends are closed in this process)."""
        for i, pair in enumerate(self._pairs):
            if i != client:
                for fd in pair:
                    with contextlib.suppress(OSError):
                        os.close(fd)
        self._req, self._rep = self._pairs[client]
        self._pairs = [self._pairs[client]]

    def _running(self) -> bool:
        """Whether the server runs, as far as this process can tell (a worker is not its
        parent: a server that has ended shows there as a failed request)."""
        return os.getpid() != self._owner or self.proc.poll() is None

    def fork_kernel(self, cmd: list[str], env: dict[str, str], cwd: str) -> int | None:
        """Ask the server for a kernel running ``cmd``; its pid, or None when it cannot
        (then, and after a late or garbled answer, it is not asked again)."""
        if not self.usable or not _is_ipykernel(cmd) or not self._running():
            return None
        self.usable = False
        request = json.dumps({"argv": cmd[3:], "env": env, "cwd": cwd}).encode() + b"\n"
        try:
            os.write(self._req, request)
            line = _read_line(self._rep, time.monotonic() + SERVER_WAIT)
            pid = int(json.loads(line)["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if pid <= 0:
            return None
        self.usable = True
        return pid

    def stop(self) -> None:
        """End the server (its kernels end with it); in a worker, close its pipes only."""
        self.usable = False
        for fd in [fd for pair in self._pairs for fd in pair]:
            with contextlib.suppress(OSError):
                os.close(fd)
        self._pairs = []
        if os.getpid() != self._owner:
            return
        with contextlib.suppress(OSError):
            self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_server(clients: int) -> Any:
    """The command's kernel server for ``clients`` workers
    (:class:`KernelServer`), or None where kernels are started
    the ordinary way (no fork, or the server could not start)."""
    if os.name != "posix" or not hasattr(os, "fork"):  # pragma: no cover - Windows
        return None
    try:
        return KernelServer(clients)
    except OSError:
        return None


def _read_line(fd: int, deadline: float | None) -> bytes:
    """One line from ``fd`` (without waiting past ``deadline``; None: no limit)."""
    data = b""
    while not data.endswith(b"\n"):
        wait = None if deadline is None else deadline - time.monotonic()
        if wait is not None and (wait <= 0 or not select.select([fd], [], [], wait)[0]):
            raise OSError("no answer in time")
        chunk = os.read(fd, 65536)
        if not chunk:
            raise OSError("the other end closed")
        data += chunk
    return data


def _is_ipykernel(cmd: list[str]) -> bool:
    """Whether ``cmd`` starts ipykernel with this interpreter (what the server can fork)."""
    if len(cmd) < 3 or cmd[1:3] != ["-m", "ipykernel_launcher"]:
        return False
    with contextlib.suppress(OSError):
        return os.path.samefile(cmd[0], sys.executable)
    return False


class ForkedKernel:
    """What jupyter_client needs of a kernel's process (``Popen``'s methods) for a kernel
    the server forked: it is the server's child, not the worker's, so it is watched by pid
    (with its start time, through psutil)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        import psutil

        self.pid = pid
        self.returncode: int | None = None
        try:
            self._proc: Any = psutil.Process(pid)
        except psutil.Error:
            self._proc, self.returncode = None, 1

    def poll(self) -> int | None:
        """None while the kernel runs, else an exit code (0: unknown, it was not ours)."""
        import psutil

        if self.returncode is None:
            try:
                alive = self._proc.is_running() and self._proc.status() != psutil.STATUS_ZOMBIE
            except psutil.Error:
                alive = False
            if not alive:
                self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the kernel's end."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("kernel", timeout or 0)
            time.sleep(0.02)
        return self.returncode or 0

    def send_signal(self, signum: int) -> None:
        """Signal the kernel."""
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        """SIGKILL the kernel."""
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        """SIGTERM the kernel."""
        self.send_signal(signal.SIGTERM)


def serve(pipes: list[tuple[int, int]], parent: int) -> None:
    """The kernel server: import, then fork a kernel for each request.

    Ends when ``parent`` (the command) does, or every worker has closed its end of its
    requests.

    Parameters
    ----------
    pipes
        One ``(requests, replies)`` pair of file descriptors per worker: requests in (a
        line of JSON each), pids out.
    parent
        The command's pid.
    """
    kill_on_parent_exit(signal.SIGTERM)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the command's to handle
    signal.signal(signal.SIGTERM, _exit)
    replies = dict(pipes)
    later = list(WARM_LATER)
    try:
        _warm_up()
        while os.getppid() == parent and replies:
            ready = select.select(list(replies), [], [], 0.0 if later else 0.5)[0]
            if not ready and later:  # nothing asked: import the next module meanwhile
                _import(later.pop(0))
            for requests in ready:
                try:
                    request = json.loads(_read_line(requests, None))
                except OSError:  # this worker has gone
                    os.close(replies.pop(requests))
                    os.close(requests)
                    continue
                except ValueError:
                    request = None
                pid = _fork(request, [fd for pair in replies.items() for fd in pair]) \
                    if request else -1
                with contextlib.suppress(OSError):
                    os.write(replies[requests], json.dumps({"pid": pid}).encode() + b"\n")
            _reap()
    finally:
        _reap()


def _import(name: str) -> None:
    """Import ``name`` (if it can be; ``draw``: draw one figure) and keep what it made out
    of the collections."""
    import importlib

    with contextlib.suppress(Exception):
        _draw_once() if name == "draw" else importlib.import_module(name)
    gc.freeze()


def _reap() -> None:
    """Collect the kernels that have ended (their CPU time counts as the server's, then
    its worker's: the command's own time includes its kernels' as before)."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def _exit(signum: int, frame: object) -> None:
    sys.exit(0)


def _fork(request: dict, pipes: list[int]) -> int:
    """Fork the kernel ``request`` asks for; its pid."""
    pid = os.fork()
    if pid == 0:
        for fd in pipes:
            with contextlib.suppress(OSError):
                os.close(fd)
        _become_kernel(request)
    return pid


def _warm_up() -> None:
    """Import :data:`WARM_MODULES`, without choosing pyplot's backend (each kernel's first
    figure does, as it would)."""
    import importlib

    os.environ.setdefault("MPLBACKEND", _INLINE)
    for name in WARM_MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    # what was imported is never collected: kernels' collections skip it, and do not touch
    # (and so copy) the server's memory they share
    gc.collect()
    gc.freeze()


def _draw_once() -> None:
    """Draw one figure off-screen (fonts, mathtext), as a kernel's first figure would."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 3), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot([1, 10, 100], [1, 2, 3], label="x")
    ax.set(xscale="log", title="warm", xlabel="x", ylabel="y")
    ax.legend()
    fig.savefig(io.BytesIO(), format="png", bbox_inches="tight")


def _become_kernel(request: dict) -> None:
    """In the forked child: become the kernel ``request`` asks for; never returns."""
    code = 1
    try:
        os.setsid()  # as jupyter_client starts kernels: a session of their own
        kill_on_parent_exit()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ["JPY_PARENT_PID"] = str(os.getppid())  # ipykernel watches the server
        sys.argv = ["ipykernel_launcher", *request["argv"]]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance(argv=list(request["argv"]))
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    finally:
        os._exit(code)


if __name__ == "__main__":  # pragma: no cover - the server's own process
    _fds = [int(x) for x in sys.argv[1].split(",")]
    serve(list(zip(_fds[::2], _fds[1::2], strict=True)), int(sys.argv[2]))
