"""The package as users install it: the core without extras, and a wheel outside the clone.

``pip install softstake`` brings numpy, pandas, pyarrow and pyyaml only; every modelling
module must import, and compute, without the ``report`` and ``scale`` extras. The notebooks,
templates and example data ship as package data: a wheel installed into a fresh virtual
environment builds the quick report from an empty folder.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Top-level names the extras bring (and their own dependencies the core must not need).
EXTRAS_ONLY = ("matplotlib", "IPython", "ipykernel", "papermill", "nbformat", "nbconvert",
               "nbclient", "jupyter", "jupyterlab", "jupyter_client", "jupyter_core",
               "jupyter_server", "dask", "distributed", "tqdm", "psutil",
               "jinja2")

#: Run in a fresh interpreter: block the extras, import every module outside
#: ``softstake_model.report``, compute a reward. Prints JSON.
CORE_SCRIPT = textwrap.dedent("""
    import importlib, importlib.abc, json, pkgutil, sys

    BLOCKED = set(sys.argv[1].split(","))

    class Blocker(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            top = name.partition(".")[0]
            if top in BLOCKED or top.startswith("jupyter"):
                raise ModuleNotFoundError(f"No module named {name!r} (blocked: an extra)",
                                          name=name)
            return None

    sys.meta_path.insert(0, Blocker())
    import softstake_model

    failures, imported = [], []
    for info in pkgutil.walk_packages(softstake_model.__path__, "softstake_model."):
        if info.name.startswith("softstake_model.report") or info.name.endswith(".__main__"):
            continue
        try:
            importlib.import_module(info.name)
            imported.append(info.name)
        except Exception as e:
            failures.append(f"{info.name}: {type(e).__name__}: {e}")
    r = softstake_model.daily_reward([100.0, 5.0, 250.0, 2000.0], 0.08, 10.0, 1000.0)
    try:
        import softstake_model.report
        report = "imported"
    except ModuleNotFoundError as e:
        report = str(e)
    print(json.dumps({"report": report, "failures": failures, "imported": imported,
                      "reward": [float(x) for x in r],
                      "loaded": sorted(m for m in sys.modules
                                       if m.partition(".")[0] in BLOCKED)}))
""")


def test_core_modules_need_no_extra():
    out = subprocess.run([sys.executable, "-c", CORE_SCRIPT, ",".join(EXTRAS_ONLY)],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["failures"] == []
    assert got["loaded"] == []
    # the report's parameters are the package's own question objects: no extra to import
    # them (running notebooks needs papermill and nbconvert, imported where they run)
    assert got["report"] == "imported"
    assert {"softstake_model.rules", "softstake_model.rewards", "softstake_model.caps",
            "softstake_model.liquidity", "softstake_model.scale",
            "softstake_model.apr.chains"} <= set(got["imported"])
    # by hand, at 8 % a year and 365 days, truncated to 8 decimals:
    #   100 -> 100 * 0.08 / 365 = 0.0219178082... -> 0.02191780 (Bitget's published example)
    #   5 is under the minimum of 10 -> 0
    #   250 -> 250 * 0.08 / 365 = 0.0547945205... -> 0.05479452
    #   2000 is capped at 1000 -> 1000 * 0.08 / 365 = 0.2191780821... -> 0.21917808
    assert got["reward"] == pytest.approx([0.0219178, 0.0, 0.05479452, 0.21917808],
                                          abs=1e-12)


def test_blocker_blocks():
    """The check above would pass vacuously if the blocker let the extras through."""
    script = CORE_SCRIPT.split("import softstake_model", 1)[0] + textwrap.dedent("""
        for name in sys.argv[1].split(","):
            try:
                importlib.import_module(name)
                print("imported", name)
            except ModuleNotFoundError:
                pass
    """)
    out = subprocess.run([sys.executable, "-c", script, ",".join(EXTRAS_ONLY)],
                         capture_output=True, text=True, check=True)
    assert out.stdout == ""


@pytest.mark.slow
def test_wheel_builds_the_quick_report_outside_the_clone(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                    "--wheel-dir", str(wheels), str(ROOT)], check=True, capture_output=True)
    (wheel,) = wheels.glob("softstake-*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    # softstake itself comes from the wheel, installed into the new environment without its
    # dependencies; those come from the current environment (no downloads), listed after the
    # new environment's own site-packages by a .pth file (which runs no editable-install hook)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps",
                    "--quiet", str(wheel)], check=True, capture_output=True)
    new_site = Path(subprocess.run([str(py), "-c", "import site; "
                                    "print(site.getsitepackages()[0])"],
                                   capture_output=True, text=True, check=True).stdout.strip())
    (new_site / "_borrowed_env.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    work = tmp_path / "empty"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    # nbconvert's templates are data files of the borrowed environment
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    where = subprocess.run([str(py), "-c", "import softstake_model; "
                            "print(softstake_model.__file__)"], cwd=work, env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).resolve().is_relative_to(env_dir.resolve()), where
    run = subprocess.run([str(env_dir / "bin" / "softstake"), "report", "--quick",
                          "--notebook", "yields", "--notebook", "reconcile", "--token", "BNB",
                          "--out", "R"], cwd=work, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert (work / "R" / "index.html").is_file()
    index = json.loads((work / "R" / "index.json").read_text())
    assert sorted(r["notebook"] for r in index) == ["reconcile", "yields"]
    assert all(r["ok"] for r in index)
    recon = next(r for r in index if r["notebook"] == "reconcile")
    # the shipped example (package data): its planted faults the implied APR finds
    assert (recon["headline"]["missing"], recon["headline"]["unexpected"],
            recon["headline"]["mismatch"]) == (1, 1, 0)
    page = (work / "R" / "yields-token=BNB.html").read_text()
    assert "<script src=" not in page and page.count("data:image/png;base64,") >= 4
