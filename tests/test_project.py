"""The project's own files: extras as documented, environment.yml in step with pyproject.toml."""

import json
import re
import tomllib
from pathlib import Path

import yaml
from test_build import CONDA_FORGE_NAMES

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _name(spec: str) -> str:
    return re.split(r"[<>=!~ \[;]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _extra(name: str) -> set[str]:
    """Package names an extra installs, following ``softstake[other]`` references."""
    out: set[str] = set()
    for spec in PROJECT["optional-dependencies"][name]:
        if _name(spec) == PROJECT["name"]:
            for other in re.search(r"\[(.*)\]", spec).group(1).split(","):
                out |= _extra(other.strip())
        else:
            out.add(_name(spec))
    return out


def test_extras_split_core_from_report_and_scale():
    assert {_name(s) for s in PROJECT["dependencies"]} == {"numpy", "pandas", "pyarrow",
                                                            "pyyaml"}
    assert _extra("report") == {"matplotlib", "papermill", "nbconvert", "nbformat", "ipykernel",
                                "psutil", "jinja2", "tqdm"}
    # the explorer: JupyterLab, widgets and Voilà on top of the report's drawing
    assert _extra("explore") == _extra("report") | {"jupyterlab", "ipywidgets", "voila"}
    assert _extra("scale") == {"dask", "distributed", "tqdm"}
    assert _extra("fetch") == {"binance-sdk-staking", "ccxt", "sqlalchemy", "psycopg",
                               "platformdirs"}
    assert _extra("all") == _extra("explore") | _extra("scale") | _extra("fetch")
    assert _extra("dev") == _extra("all") | {"pytest", "hypothesis", "ruff", "playwright",
                                             "pytest-socket"}
    assert "dataframe" in next(s for s in PROJECT["optional-dependencies"]["scale"]
                               if _name(s) == "dask")


def test_environment_matches_pyproject():
    wanted = {_name(s) for s in PROJECT["dependencies"]} | _extra("dev")
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pypi = {v: k for k, v in CONDA_FORGE_NAMES.items()}  # conda-forge's names back to PyPI's
    conda = {pypi.get(_name(s), _name(s)) for s in env["dependencies"] if isinstance(s, str)}
    conda -= {"python", "pip"}
    # packages on PyPI only come through the environment's pip section
    conda |= {_name(s) for d in env["dependencies"] if isinstance(d, dict)
              for s in d.get("pip", []) if not s.startswith("-")}
    assert conda == wanted
    # the same lower bounds on both sides
    bounds = {_name(s): s.split(">=", 1)[1].split(",")[0].strip() for s in
              PROJECT["dependencies"] + [s for v in PROJECT["optional-dependencies"].values()
                                         for s in v] if ">=" in s}
    for spec in env["dependencies"]:
        if isinstance(spec, str) and ">=" in spec:
            assert spec.split(">=", 1)[1] == bounds[pypi.get(_name(spec), _name(spec))], spec


def test_notebooks_ship_in_the_package_and_without_outputs():
    shipped = ROOT / "softstake_model" / "notebooks"
    assert (ROOT / "notebooks").resolve() == shipped.resolve()  # the top-level symlink
    names = sorted(nb.name for nb in shipped.glob("*.ipynb"))
    assert names == ["caps.ipynb", "explore.ipynb", "liquidity_stress.ipynb", "reconcile.ipynb",
                     "yields.ipynb"]
    for nb in shipped.glob("*.ipynb"):
        cells = json.loads(nb.read_text())["cells"]
        assert all(not c.get("outputs") for c in cells if c["cell_type"] == "code"), nb.name
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    package_data = data["tool"]["setuptools"]["package-data"]["softstake_model"]
    assert "notebooks/*.ipynb" in package_data
