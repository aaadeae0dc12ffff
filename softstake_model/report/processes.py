"""The runner's processes: workers that end with their parent, the process tree, stale builds.

- :func:`end_with_parent`, a worker's first act: on Linux the kernel sends it SIGKILL when
  its parent dies (``prctl(PR_SET_PDEATHSIG)``), also after a ``kill -9`` of the command;
  everywhere a watchdog thread ends it within a second of its parent's end. Kernels end
  with their worker on their own (ipykernel polls ``JPY_PARENT_PID``, which jupyter_client
  sets to the worker).
- :func:`descendants`: the process tree below some pids, through psutil (every platform).
- :func:`claim_build` and :func:`remove_stale_builds`: each command's build folder in
  ``--out`` names its owner (pid and start time); a later command removes the folders
  whose owner is no longer alive.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import json
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

import psutil

__all__ = ["OWNER_FILE", "end_with_parent", "kill_on_parent_exit", "descendants", "kill_tree",
           "claim_build", "remove_stale_builds", "owner_alive"]

#: The file in a build folder naming the command that owns it.
OWNER_FILE = "owner.json"
#: A build folder without an owner file (being made, or left by an older version) is left
#: alone until it is this old (seconds).
_UNCLAIMED_GRACE = 300.0
_PR_SET_PDEATHSIG = 1


def end_with_parent(parent: int | None = None) -> None:
    """Make the calling process end when its parent does, even after ``kill -9``.

    Parameters
    ----------
    parent
        The parent's pid; None = the current parent (``os.getppid()``).
    """
    parent = os.getppid() if parent is None else parent
    kill_on_parent_exit()
    if os.getppid() != parent:  # the parent ended before the prctl above took effect
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


def kill_on_parent_exit(signum: int = signal.SIGKILL) -> bool:
    """On Linux, have the kernel send ``signum`` to the calling process when its parent ends.

    No thread is started (a process that forks afterwards stays single-threaded); elsewhere
    nothing is done and the caller watches its parent itself.

    Parameters
    ----------
    signum
        The signal (SIGKILL unless told otherwise).

    Returns
    -------
    bool
        Whether the request was made.
    """
    if not sys.platform.startswith("linux"):
        return False
    with contextlib.suppress(OSError, AttributeError, TypeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0) == 0
    return False


def descendants(pids: list[int]) -> list[int]:
    """Every process descended from ``pids``.

    Parameters
    ----------
    pids
        Process ids (ones that have ended are skipped).

    Returns
    -------
    list of int
        Their children, grandchildren and so on (not ``pids`` themselves).
    """
    found: list[int] = []
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            found += [c.pid for c in psutil.Process(pid).children(recursive=True)]
    return found


def kill_tree(pids: list[int]) -> None:
    """SIGKILL ``pids`` and everything they started, children first found then all at once.

    Parameters
    ----------
    pids
        Process ids.
    """
    for pid in descendants(pids) + list(pids):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def _me() -> dict:
    return {"pid": os.getpid(), "started": psutil.Process().create_time()}


def claim_build(build: Path) -> None:
    """Write the owner file of ``build``: this process's pid and start time.

    Parameters
    ----------
    build
        A build folder just made in the output folder.
    """
    (Path(build) / OWNER_FILE).write_text(json.dumps(_me()), encoding="utf-8")


def owner_alive(owner: dict) -> bool:
    """Whether the process an owner file names is still running (same pid, same start).

    Parameters
    ----------
    owner
        ``{"pid": ..., "started": ...}`` as :func:`claim_build` wrote it.

    Returns
    -------
    bool
        False when the pid has ended, or has been reused by another process since.
    """
    try:
        proc = psutil.Process(int(owner["pid"]))
        return abs(proc.create_time() - float(owner["started"])) < 1.0 and \
            proc.status() != psutil.STATUS_ZOMBIE
    except (psutil.Error, KeyError, TypeError, ValueError):
        return False


def remove_stale_builds(out: Path) -> list[Path]:
    """Remove the build folders (``.build-*``) in ``out`` whose owner is no longer alive.

    Parameters
    ----------
    out
        Output folder.

    Returns
    -------
    list of Path
        The folders removed.
    """
    removed = []
    for build in Path(out).glob(".build-*"):
        try:
            owner = json.loads((build / OWNER_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            with contextlib.suppress(OSError):
                if time.time() - build.stat().st_mtime > _UNCLAIMED_GRACE:
                    shutil.rmtree(build, ignore_errors=True)
                    removed.append(build)
            continue
        except (OSError, ValueError):
            owner = {}
        if not isinstance(owner, dict) or not owner_alive(owner):
            shutil.rmtree(build, ignore_errors=True)
            removed.append(build)
    return removed
