"""Ctrl-C during ``softstake report``: finished pages stay, the rest stops at once, nothing
outlives the command.

The command runs in a process group of its own (the test signals only that group), with a
tiny notebook: the BNB run finishes at once, the others sleep for a minute. Every wait is
for an event (the BNB page, the kernels, the command's end), with a generous limit only as a
last guard: nothing here depends on the machine's speed.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from softstake_model.report.processes import descendants

GUARD = 300  # seconds: a last guard against a hang, never a speed check
SERVER = "softstake_model.report.warm"  # a worker's kernel server

pytestmark = pytest.mark.skipif(sys.platform == "win32",
                                reason="signals a process group (POSIX)")


def tiny_notebooks(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('token = "BNB"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(
        'import time\ntime.sleep(0 if token == "BNB" else 60)\nprint(token)')]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    folder.mkdir()
    nbformat.write(nb, folder / "caps.ipynb")
    return folder


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE  # a zombie has ended
    except psutil.Error:
        return False


def _cmdline(pid: int) -> list[str]:
    """The command line of ``pid`` (empty once it has ended: short-lived helpers do)."""
    try:
        return psutil.Process(pid).cmdline()
    except psutil.Error:
        return []


def start(tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    nbs = tiny_notebooks(tmp_path / "nbs")
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "softstake_model.cli", "report", "--notebook", "caps",
         "--token", "BNB,SOL,ADA", "--notebooks-dir", str(nbs), "--out", str(out),
         "--jobs", "3"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    return proc, out


def is_kernel(pid: int) -> bool:
    """A kernel: started as ``ipykernel_launcher``, or forked by a worker's kernel server
    (``softstake_model.report.warm``, whose children are its kernels)."""
    line = " ".join(_cmdline(pid))
    if "ipykernel" in line:
        return True
    try:
        parent = psutil.Process(pid).ppid()
    except psutil.Error:
        return False
    return SERVER in line and SERVER in " ".join(_cmdline(parent))


def wait_for_kernels(proc: subprocess.Popen, out: Path, n: int = 2) -> list[int]:
    """Wait until the BNB page is built and ``n`` kernels (sleeping) are running."""
    deadline = time.monotonic() + GUARD
    while time.monotonic() < deadline:
        procs = descendants([proc.pid])
        kernels = [p for p in procs if is_kernel(p)]
        if (out / "caps-token=BNB.html").exists() and len(kernels) >= n:
            return procs
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    pytest.fail(f"the runs did not start within {GUARD} s")


def wait_ended(procs: list[int]) -> list[int]:
    """The processes of ``procs`` still alive once they all ended (or the guard passed)."""
    deadline = time.monotonic() + GUARD
    while [p for p in procs if alive(p)] and time.monotonic() < deadline:
        time.sleep(0.05)
    return [p for p in procs if alive(p)]


@pytest.mark.slow
def test_ctrl_c_keeps_finished_pages_and_stops_everything(tmp_path):
    proc, out = start(tmp_path)
    procs = wait_for_kernels(proc, out)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    try:
        _, err = proc.communicate(timeout=GUARD)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "internal error" not in err
    # the finished page stays and the index lists it; no build folder is left
    assert (out / "caps-token=BNB.html").exists()
    assert "caps-token=BNB.html" in (out / "index.html").read_text()
    assert not list(out.glob(".build-*"))
    # no worker and no kernel outlives the command
    assert wait_ended(procs) == []


@pytest.mark.slow
def test_second_ctrl_c_ends_everything_at_once(tmp_path):
    proc, out = start(tmp_path)
    procs = wait_for_kernels(proc, out)
    os.killpg(proc.pid, signal.SIGINT)
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=GUARD)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert wait_ended(procs) == []
