"""Ctrl-C during ``softstake report``: finished pages stay, the rest stops at once, nothing
outlives the command.

The command runs in a process group of its own (the test signals only that group), with a
tiny notebook: the BNB run finishes at once, the others sleep for a minute.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from softstake_model.report.execute import descendants

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                reason="finds the command's processes through /proc")


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
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"  # a zombie has ended


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


def wait_for_kernels(proc: subprocess.Popen, out: Path, n: int = 2) -> list[int]:
    """Wait until the BNB page is built and ``n`` kernels (sleeping) are running."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        procs = descendants([proc.pid])
        kernels = [p for p in procs if b"ipykernel" in Path(f"/proc/{p}/cmdline").read_bytes()
                   ] if procs else []
        if (out / "caps-token=BNB.html").exists() and len(kernels) >= n:
            return procs
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    pytest.fail("the runs did not start within a minute")


@pytest.mark.slow
def test_ctrl_c_keeps_finished_pages_and_stops_everything(tmp_path):
    proc, out = start(tmp_path)
    procs = wait_for_kernels(proc, out)
    t = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    try:
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert time.monotonic() - t < 15
    assert "Traceback" not in err and "internal error" not in err
    # the finished page stays and the index lists it; no build folder is left
    assert (out / "caps-token=BNB.html").exists()
    assert "caps-token=BNB.html" in (out / "index.html").read_text()
    assert not list(out.glob(".build-*"))
    # no worker and no kernel outlives the command
    time.sleep(0.5)
    assert [p for p in procs if alive(p)] == []


@pytest.mark.slow
def test_second_ctrl_c_ends_everything_at_once(tmp_path):
    proc, out = start(tmp_path)
    procs = wait_for_kernels(proc, out)
    os.killpg(proc.pid, signal.SIGINT)
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    time.sleep(0.5)
    assert [p for p in procs if alive(p)] == []
