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
    if name == "reconcile":  # the shipped example's planted faults; its 0.7 % high SOL
        # payout is within the implied APR's tolerance (apr="catalog" flags it)
        assert (figures["missing"], figures["unexpected"], figures["mismatch"]) == (1, 1, 0)
    if name in ("yields", "caps"):
        assert figures["token"] == "SOL"
    # the figure the page shows is the package function's, with the report's parameters
    assert figures[PINNED[name][0]] == pytest.approx(PINNED[name][1](params), rel=1e-12)


def _yields_rewards(p: dict) -> float:
    from softstake_model.product import token_rule
    from softstake_model.terms import preset
    from softstake_model.yields import project

    r = token_rule("SOL")
    return project(1000.0 / r.price_usd, apr=r.apr, min_holding=r.min_holding, cap=r.cap,
                   terms=preset("binance_soft_staking"), days=p["days"]
                   ).summary()["total_rewards"]


def _caps_cost(p: dict) -> float:
    from softstake_model.caps import holder_rewards, sample_population
    from softstake_model.product import token_rule
    from softstake_model.report.params import CapsParams

    r = token_rule("SOL")
    balances = sample_population(CapsParams().population_usd, p["holders"], 0) / r.price_usd
    return float(holder_rewards(balances, r.apr, r.min_holding, r.cap).sum())


def _worst_shock_delay(p: dict) -> float:
    from softstake_model.report.params import StressReportParams
    from softstake_model.stress import run_stress

    d = StressReportParams()
    return max(run_stress(total=d.total, buffer_ratio=d.buffer_ratio, token=t, days=p["days"],
                          base_rate=d.base_rate, shocks=((d.shock_day, d.shock_fraction),)
                          ).summary["max_delay_days"] for t in p["tokens"].split(","))


def _ok_payouts(p: dict) -> int:
    from softstake_model import examples
    from softstake_model.product import ledger_for, product_catalog
    from softstake_model.reconciliation import flag_counts, reconcile

    # the page's default: the shipped example with its own activation (its data file)
    cat = product_catalog()
    ledger, _ = ledger_for(examples.path("statement"), cat)
    table = reconcile(ledger, cat, activations=examples.statement_activations())
    return int(flag_counts(table)["ok"])


#: For each notebook, one headline figure and the package computation it must equal.
PINNED = {"yields": ("total_rewards", _yields_rewards), "caps": ("daily_cost", _caps_cost),
          "liquidity_stress": ("worst_shock_delay_days", _worst_shock_delay),
          "reconcile": ("ok", _ok_payouts)}


def test_explorer_runs_headless_and_redraws(tmp_path):
    """The explorer's widgets are built, driven with values, and its figures are the
    package's."""
    from softstake_model.caps import cap_metrics, sample_population
    from softstake_model.liquidity import StressParams, simulate, withdrawal_rates
    from softstake_model.product import token_rule
    from softstake_model.report.params import CapsParams

    out = tmp_path / "explore.ipynb"
    drive = {"token": "SOL", "cap": 50.0, "buffer_ratio": 0.1, "shock_fraction": 0.3,
             "unbonding": "fixed:5"}
    pm.execute_notebook(str(NOTEBOOKS / "explore.ipynb"), str(out),
                        parameters={"token": "BNB", "drive": drive}, kernel_name="python3",
                        cwd=str(NOTEBOOKS), progress_bar=False)
    figures = headline(out)
    assert figures["token"] == "SOL"
    r = token_rule("SOL", cap=50.0)
    balances = sample_population(CapsParams().population_usd, 20_000, 0) / r.price_usd
    assert figures["daily_cost"] == pytest.approx(
        cap_metrics(balances, r.apr, r.min_holding, 50.0)["daily_cost"], rel=1e-12)
    # 30 % asked on day 10 against a 10 % buffer, 5-day unbonding: the rest waits 5 days
    p = StressParams(total=1e6, buffer_ratio=0.1, unbonding="fixed:5", days=365,
                     shocks=((10, 0.3),))
    assert figures["max_delay_days"] == simulate(p, withdrawal_rates(p)).metrics[
        "max_delay_days"].iloc[0] == 5
    outputs = [o for c in json.loads(out.read_text())["cells"] for o in c.get("outputs", [])]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
               for o in outputs)  # the controls were displayed


@pytest.mark.parametrize("params, message", [
    ({"colour": "red"}, "unknown parameter(s) ['colour']"),
    ({"days": "long"}, "parameter 'days' must be a whole number, got 'long'"),
    ({"days": 0}, "parameter 'days' must be in 1..36,525, got 0"),
    ({"token": "DOGE"}, "parameter 'token' must be a catalogue token (BNB, "),
])
def test_notebook_stops_on_bad_parameters(params, message, tmp_path):
    with pytest.raises(pm.PapermillExecutionError) as e:
        pm.execute_notebook(str(NOTEBOOKS / "yields.ipynb"), str(tmp_path / "out.ipynb"),
                            parameters=params, kernel_name="python3", cwd=str(NOTEBOOKS),
                            progress_bar=False)
    assert e.value.ename == "ParameterError"
    assert message in e.value.evalue
