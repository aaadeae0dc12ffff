"""A build that lasts: an SPDX license, pinned versions CI installs, a drift step that reports
without hiding a failure, conda-forge's package names in environment.yml."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())

#: PyPI names that conda-forge spells differently (checked on anaconda.org/conda-forge).
CONDA_FORGE_NAMES = {"playwright": "playwright-python"}


def _name(spec: str) -> str:
    return re.split(r"[<>=!~ \[;]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_license_is_an_spdx_expression_with_its_file():
    project = PYPROJECT["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    (setuptools,) = [r for r in PYPROJECT["build-system"]["requires"] if "setuptools" in r]
    assert int(setuptools.split(">=")[1].split(".")[0]) >= 77  # PEP 639 support


def _pins() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    pins = [ln for ln in lines if ln.strip() and not ln.startswith("#")]
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[^=\s]+", ln) for ln in pins), pins
    return {_name(ln): ln.split("==")[1] for ln in pins}


def test_constraints_pin_every_dependency_and_make_installs_them():
    pins = _pins()
    project = PYPROJECT["project"]
    wanted = {_name(s) for s in project["dependencies"]}
    wanted |= {_name(s) for v in project["optional-dependencies"].values() for s in v
               if _name(s) != project["name"]}
    assert wanted - set(pins) == set()
    assert "softstake" not in pins
    makefile = (ROOT / "Makefile").read_text()
    install = [ln for ln in makefile.splitlines() if "pip install" in ln and "-e '.[dev]'" in ln]
    assert any("-c constraints.txt" in ln for ln in install)
    assert re.search(r"^\$\(STAMP\):.*constraints\.txt", makefile, re.M)


def test_ci_runs_the_pinned_tests_first_and_drift_never_hides_them():
    lines = [ln.strip() for ln in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert lines[0] == "#!/usr/bin/env bash" and "set -euo pipefail" in lines
    test, drift = lines.index("make test"), lines.index("if make drift; then")
    assert test < drift  # under set -e a failing `make test` ends CI before the drift step
    assert any("DRIFT" in ln for ln in lines[drift:])
    assert "exit 0" not in lines and "|| true" not in lines[test]


def test_environment_uses_conda_forge_names():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    conda = {_name(s) for s in env["dependencies"] if isinstance(s, str)}
    assert "playwright-python" in conda and "playwright" not in conda
    assert not conda & set(CONDA_FORGE_NAMES)  # no PyPI spelling where conda-forge differs


def test_atomic_write_syncs_the_file_before_the_rename(tmp_path, monkeypatch):
    import os

    from softstake_model import files

    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(files.os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd)))
    monkeypatch.setattr(files.os, "replace",
                        lambda a, b: (events.append("replace"), real_replace(a, b)))
    files.atomic_write(tmp_path / "out.csv", lambda h: h.write("a,b\n1,2\n"))
    assert events == ["fsync", "replace"]
    assert (tmp_path / "out.csv").read_text() == "a,b\n1,2\n"
