"""Overlapping and killed reports lose nothing: the index merged under a lock, workers and
kernels that end with the command (also after ``kill -9``), stale build folders removed,
a cell's time limit, the missing extra named.

Every wait is for an event (a file a notebook writes, a process ending), with a generous
limit only as a last guard: the tests pass on a loaded machine.
"""

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from softstake_model.cli import report as report_cli
from softstake_model.report.index import write_index
from softstake_model.report.processes import (
    OWNER_FILE,
    claim_build,
    descendants,
    owner_alive,
    remove_stale_builds,
)
from softstake_model.report.runs import Run, RunResult

GUARD = 300  # seconds: only a last guard against a hang, never a speed check


def wait_until(cond, what: str, guard: float = GUARD) -> None:
    deadline = time.monotonic() + guard
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {guard} s")
        time.sleep(0.05)


def gated_notebooks(folder: Path, started: Path, gate: Path) -> Path:
    """A ``caps`` notebook that says it started (a file per token) and waits for ``gate``."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('token = "BNB"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(textwrap.dedent(f"""\
        import pathlib, time
        pathlib.Path({str(started)!r}, token).touch()
        while not pathlib.Path({str(gate)!r}).exists():
            time.sleep(0.05)
        print(token)"""))]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    folder.mkdir(parents=True)
    started.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "caps.ipynb")
    return folder


def report(nbs: Path, out: Path, tokens: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "softstake_model.cli", "report", "--notebook", "caps",
         "--token", tokens, "--notebooks-dir", str(nbs), "--out", str(out), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def finish(proc: subprocess.Popen) -> tuple[int, str]:
    try:
        _, err = proc.communicate(timeout=GUARD)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return proc.returncode, err


def _write_many(out: str, tag: str, n: int) -> None:
    for i in range(n):
        run = Run("caps", f"{tag} {i}", {}, f"caps-{tag}-{i}")
        (Path(out) / f"{run.slug}.html").write_text("<p>page</p>")  # earlier records need one
        write_index([RunResult(run, True, 0.1, html=f"{run.slug}.html")], Path(out))


def test_index_written_by_two_processes_at_once_keeps_every_run(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_write_many, args=(str(tmp_path), tag, 15))
             for tag in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(GUARD)
        assert p.exitcode == 0
    slugs = {r["slug"] for r in json.loads((tmp_path / "index.json").read_text())}
    assert slugs == {f"caps-{t}-{i}" for t in ("a", "b") for i in range(15)}
    page = (tmp_path / "index.html").read_text()
    assert "caps-a-14" in page and "caps-b-14" in page


def test_stale_build_folders_removed_live_ones_kept(tmp_path):
    mine = tmp_path / ".build-mine"
    mine.mkdir()
    claim_build(mine)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / ".build-stale"
    stale.mkdir()
    (stale / OWNER_FILE).write_text(json.dumps({"pid": dead.pid, "started": 0.0}))
    reused = tmp_path / ".build-reused"  # this pid, but another start time: another process
    reused.mkdir()
    (reused / OWNER_FILE).write_text(json.dumps({"pid": os.getpid(), "started": 1.0}))
    fresh = tmp_path / ".build-fresh"  # being made: no owner file yet
    fresh.mkdir()
    old = tmp_path / ".build-old"  # left by an older version, long ago
    old.mkdir()
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    removed = remove_stale_builds(tmp_path)
    assert sorted(p.name for p in removed) == [".build-old", ".build-reused", ".build-stale"]
    assert mine.is_dir() and fresh.is_dir()
    assert owner_alive(json.loads((mine / OWNER_FILE).read_text()))


def test_worker_ends_with_its_parent_after_kill_9(tmp_path):
    """A grandchild that called end_with_parent ends when its parent is killed with -9."""
    pidfile = tmp_path / "grandchild.pid"
    child_code = textwrap.dedent(f"""\
        import subprocess, sys, time
        g = subprocess.Popen([sys.executable, "-c",
            "from softstake_model.report.processes import end_with_parent;"
            "import os, pathlib, time; end_with_parent();"
            "pathlib.Path({str(pidfile)!r}).write_text(str(os.getpid()));"
            "time.sleep(600)"])
        time.sleep(600)""")
    child = subprocess.Popen([sys.executable, "-c", child_code])
    try:
        wait_until(lambda: pidfile.exists() and pidfile.read_text(), "the grandchild's start")
        grandchild = int(pidfile.read_text())
        assert descendants([child.pid]) == [grandchild]
        child.kill()
        child.wait()
        wait_until(lambda: not _running(grandchild), "the grandchild's end")
    finally:
        child.kill()


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def test_missing_report_extra_is_named(monkeypatch, capsys):
    from softstake_model.cli import main

    monkeypatch.setattr(report_cli, "REPORT_MODULES", ("papermill", "no_such_module_xyz"))
    assert report_cli.missing_extra() == ["no_such_module_xyz"]
    assert main(["report", "--quick"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.endswith("needs the report extra: pip install 'softstake[report]' "
                        "(missing: no_such_module_xyz)"), err
    assert "internal error" not in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("value", ["0", "-5", "nan"])
def test_timeout_must_be_positive(value, capsys):
    from softstake_model.cli import main

    assert main(["report", "--quick", "--timeout", value]) == 2
    assert "error: --timeout must be > 0 seconds, got " in capsys.readouterr().err


@pytest.mark.slow
def test_two_reports_into_one_folder_both_listed(tmp_path):
    started, gate = tmp_path / "started", tmp_path / "go"
    nbs = gated_notebooks(tmp_path / "nbs", started, gate)
    out = tmp_path / "out"
    a = report(nbs, out, "BNB", "--jobs", "1")
    b = report(nbs, out, "SOL", "--jobs", "1")
    wait_until(lambda: {p.name for p in started.iterdir()} == {"BNB", "SOL"} or
               a.poll() is not None or b.poll() is not None, "both runs' start")
    gate.touch()  # both finish now, and write the index at about the same time
    for proc in (a, b):
        code, err = finish(proc)
        assert code == 0, err
    slugs = {r["slug"] for r in json.loads((out / "index.json").read_text())}
    assert {"caps-token=BNB", "caps-token=SOL"} <= slugs
    page = (out / "index.html").read_text()
    assert "caps-token=BNB.html" in page and "caps-token=SOL.html" in page


@pytest.mark.slow
def test_kill_9_leaves_no_process_and_the_next_run_removes_its_build(tmp_path):
    started, gate = tmp_path / "started", tmp_path / "never"
    nbs = gated_notebooks(tmp_path / "nbs", started, gate)
    out = tmp_path / "out"
    proc = report(nbs, out, "BNB,SOL", "--jobs", "2")
    wait_until(lambda: len(list(started.iterdir())) == 2 or proc.poll() is not None,
               "both kernels' start")
    assert proc.poll() is None, proc.communicate()
    tree = descendants([proc.pid])
    assert len(tree) >= 4  # two workers, two kernels
    builds = list(out.glob(".build-*"))
    assert len(builds) == 1
    proc.kill()  # kill -9 of the command alone, not its group
    proc.wait()
    wait_until(lambda: not any(_running(p) for p in tree), "the workers' and kernels' end")
    gate.touch()
    code, err = finish(report(nbs, out, "ADA", "--jobs", "1"))
    assert code == 0, err
    assert not builds[0].exists() and not list(out.glob(".build-*"))


@pytest.mark.slow
def test_cell_over_its_time_limit_fails_naming_notebook_and_cell(tmp_path):
    started, gate = tmp_path / "started", tmp_path / "never"
    nbs = gated_notebooks(tmp_path / "nbs", started, gate)
    code, err = finish(report(nbs, tmp_path / "out", "BNB", "--timeout", "3"))
    assert code == 1, err
    assert "error: caps [token=BNB] failed at cell 2: timed out after 3 s " \
           "(a longer limit: --timeout)" in err, err
