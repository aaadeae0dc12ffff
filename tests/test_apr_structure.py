"""Issue 17: the APR package's structure — a registry of chain models whose listed
parameters are what they read, one OU recursion, the as-of date passed in, no import circle."""

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softstake_model.apr import (
    CHAINS,
    MODELS,
    chain_params,
    network_apr,
    today,
    token_apr_paths,
)
from softstake_model.apr.ou import ou_recursion
from softstake_model.apr.params import ChainParams, read_params
from softstake_model.errors import ParameterError

APR = Path(__file__).resolve().parents[1] / "softstake_model" / "apr"
MODELLED = [c for c in CHAINS if c != "generic"]


def _imports(path: Path) -> set[str]:
    """The sibling modules of ``softstake_model.apr`` that ``path`` imports."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                out.add(node.module.split(".")[0])
            else:
                out |= {a.name for a in node.names}
    return out


def test_no_import_circle_in_apr():
    graph = {p.stem: _imports(p) for p in APR.glob("*.py") if p.stem != "__init__"}
    seen, done = set(), set()

    def visit(mod: str, trail: tuple[str, ...]) -> None:
        assert mod not in trail, f"import circle: {' -> '.join(trail + (mod,))}"
        if mod in done:
            return
        for dep in graph.get(mod, ()):
            visit(dep, trail + (mod,))
        done.add(mod)

    for mod in graph:
        visit(mod, ())
        seen.add(mod)
    assert {"ou", "uncertainty", "history", "chains"} <= seen
    # the circle issue 17 found: history <-> uncertainty
    assert "uncertainty" not in graph["history"]


def test_every_chain_is_one_registered_function():
    assert tuple(MODELS) == CHAINS and len(CHAINS) == 16
    assert all(callable(f) for f in MODELS.values())


def test_parameters_listed_are_those_read():
    p = ChainParams("X", read_params("generic", {"a": 1, "eta": "21190/21600", "d": 2}))
    assert p.num("a") == 1.0 and p.exact("eta") == pytest.approx(21190 / 21600)
    assert "d" in p and list(p.used()) == ["a", "eta"]  # asking is not reading
    with pytest.raises(ParameterError, match="needs missing="):
        p.num("missing")
    # NEAR reads the rate in force, not both
    before = network_apr("NEAR", at="2025-10-27")["parameters"]
    after = network_apr("NEAR", at="2025-10-28")["parameters"]
    # issue 19: one name, the row in force on the date
    assert before["max_inflation"]["value"] == 0.05
    assert before["max_inflation"]["valid"] == [None, "2025-10-28"]
    assert after["max_inflation"]["value"] == 0.025
    assert after["max_inflation"]["valid"] == ["2025-10-28", None]
    # ALGO's fee_percent is already inside fees_per_year: never read, never listed
    assert "fee_percent" not in network_apr("ALGO", at="2025-11-19")["parameters"]
    # SOL counts its years from `start` on dates, not with --year
    assert "start" in network_apr("SOL", at="2025-11-19")["parameters"]
    assert "start" not in network_apr("SOL", year=2)["parameters"]
    # TRX's commission shortcut sets its SR's brokerage
    trx = network_apr("TRX", at="2025-11-19", commission=0.5)
    assert trx["parameters"]["brokerage"]["confidence"] == "user"
    assert "commission" not in trx["parameters"]
    assert trx["net_apr"] == pytest.approx(trx["network_apr"] * 0.5, rel=1e-12)


def _figures(r: dict) -> dict:
    return {k: v for k, v in r.items() if k not in ("parameters", "assumed")}


def _other_value(value: object) -> object | None:
    """A different value of the same kind (None where it cannot be changed simply)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value * 0.5 if value else 0.5
    try:
        return str((pd.Timestamp(str(value)) - pd.Timedelta(days=400)).date())
    except ValueError:
        return None


@settings(max_examples=25, deadline=None)
@given(chain=st.sampled_from(MODELLED),
       day=st.dates(min_value=pd.Timestamp("2025-02-01").date(),
                    max_value=pd.Timestamp("2027-12-31").date()))
def test_a_parameter_not_listed_does_not_change_the_result(chain, day):
    """The listed parameters are complete: changing any other leaves every figure as it
    was (with hand-kept lists, SOL's `start` was read but not listed)."""
    at = str(day)
    base = network_apr(chain, at=at)
    for name, param in chain_params(chain, at=at).items():  # the rows in force then
        if name in base["parameters"]:
            continue
        other = _other_value(param.value)
        if other is None:
            continue
        try:
            moved = network_apr(chain, at=at, params={name: other})
        except ParameterError:
            continue  # the new value is refused: nothing was computed with it
        assert _figures(moved) == _figures(base), (chain, at, name)


def test_the_as_of_date_is_passed_in_or_today():
    assert network_apr("NEAR")["at"] == str(today().date())
    assert network_apr("NEAR", at="2025-11-19")["at"] == "2025-11-19"
    assert today() == pd.Timestamp.now(tz="UTC").normalize().tz_localize(None)
    # token paths: the default first day is the day after `at`
    a, _ = token_apr_paths(0.05, 30, 20, seed=1, token="SOL", at="2025-11-19")
    b, _ = token_apr_paths(0.05, 30, 20, seed=1, token="SOL", start="2025-11-20")
    assert np.array_equal(a, b)


def test_ou_recursion_by_hand():
    # x1 = mu + (x0 - mu) b + sd z: with mu = 1, b = 0.5, sd = 2, x0 = 3, z = (1, -1)
    # x1 = 1 + 2 * 0.5 + 2 = 4; x2 = 1 + 3 * 0.5 - 2 = 0.5
    x = ou_recursion(3.0, 0.5, 1.0, 2.0, np.array([[1.0], [-1.0]]))
    assert x[:, 0].tolist() == [3.0, 4.0, 0.5]
    # per-step coefficients (irregular dates): b = (0.5, 1), sd = (0, 1)
    x = ou_recursion(3.0, np.array([0.5, 1.0]), 1.0, np.array([0.0, 1.0]),
                     np.array([[7.0], [-1.0]]))
    assert x[:, 0].tolist() == [3.0, 2.0, 1.0]
