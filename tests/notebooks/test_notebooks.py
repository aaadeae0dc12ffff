"""Every notebook runs through papermill with small parameters, and validates its own."""

import json
from pathlib import Path

import papermill as pm
import pytest

from softstake_model.report import HEADLINE_MIME, QUICK

NOTEBOOKS = Path(__file__).resolve().parents[2] / "softstake_model" / "notebooks"
pytestmark = pytest.mark.slow


def headline(path: Path) -> dict:
    for cell in json.loads(path.read_text())["cells"]:
        for out in cell.get("outputs", []):
            if HEADLINE_MIME in out.get("data", {}):
                return out["data"][HEADLINE_MIME]
    return {}


@pytest.mark.parametrize("name", ["yields", "caps", "liquidity_stress", "reconcile"])
def test_notebook_runs(name, tmp_path):
    out = tmp_path / f"{name}.ipynb"
    params = dict(QUICK[name])
    if name in ("yields", "caps"):
        params["token"] = "SOL"
    pm.execute_notebook(str(NOTEBOOKS / f"{name}.ipynb"), str(out), parameters=params,
                        kernel_name="python3", cwd=str(NOTEBOOKS), progress_bar=False)
    figures = headline(out)
    assert figures, "the notebook displayed no headline figures"
    if name == "reconcile":  # the shipped example has one planted fault of each kind
        assert (figures["missing"], figures["unexpected"], figures["mismatch"]) == (1, 1, 1)
    if name in ("yields", "caps"):
        assert figures["token"] == "SOL"


@pytest.mark.parametrize("params, message", [
    ({"colour": "red"}, "unknown parameter(s) ['colour']"),
    ({"days": "long"}, "parameter 'days' should be int, got str 'long'"),
    ({"days": 0}, "parameter 'days' must be in 1..3,650, got 0"),
    ({"token": "DOGE"}, "parameter 'token' must be a catalogue token (BNB, "),
])
def test_notebook_stops_on_bad_parameters(params, message, tmp_path):
    with pytest.raises(pm.PapermillExecutionError) as e:
        pm.execute_notebook(str(NOTEBOOKS / "yields.ipynb"), str(tmp_path / "out.ipynb"),
                            parameters=params, kernel_name="python3", cwd=str(NOTEBOOKS),
                            progress_bar=False)
    assert e.value.ename == "ParameterError"
    assert message in e.value.evalue
