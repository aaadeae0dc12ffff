"""Holder yields: projections equal the engine, curves worked by hand, fiat views."""

import numpy as np
import pandas as pd
import pytest
from conftest import make_ledger

from softstake_model import Terms, load_catalog, reward_history
from softstake_model.errors import ParameterError
from softstake_model.rules import parse_tiers
from softstake_model.yields import (
    bootstrap_prices,
    effective_apr_curve,
    fiat_outcomes,
    gbm_prices,
    project,
    tokens_side_by_side,
)


def test_projection_equals_the_engine_history(plain_catalog):
    # the engine on a ledger holding 100 from before the start, compounding
    hist = reward_history(make_ledger([("2025-11-10T00:00:00Z", "a", "BNB", 100)]),
                          plain_catalog, start="2025-11-20", end="2025-12-19")
    proj = project(100, apr=0.0365, days=30, start="2025-11-20")
    assert proj.reward[:, 0].tolist() == hist["reward"].tolist()
    # and the hand-worked first days (see test_rewards.test_compounding_by_hand)
    assert proj.reward[:4, 0].tolist() == [0.01, 0.01000083, 0.01000183, 0.01000283]
    s = proj.summary()
    assert s["total_rewards"] == pytest.approx(hist["reward"].sum(), abs=1e-12)
    assert s["final_balance"] == pytest.approx(100 + hist["reward"].sum(), abs=1e-12)
    avg = hist["avg_balance"].mean()
    assert s["effective_apr"] == pytest.approx(hist["reward"].sum() / avg * 365 / 30)


def test_projection_with_a_plan_equals_the_engine(plain_catalog):
    plan = pd.DataFrame({"time": ["2025-11-22T12:00:00Z"], "change": [-60.0]})
    proj = project(100, apr=0.0365, days=5, start="2025-11-20", plan=plan)
    led = make_ledger([("2025-11-19T00:00:00Z", "a", "BNB", 100),
                       ("2025-11-22T12:00:00Z", "a", "BNB", -60)])
    hist = reward_history(led, plain_catalog, start="2025-11-20", end="2025-11-24")
    assert proj.reward[:, 0].tolist() == hist["reward"].tolist()
    assert proj.summary()["final_balance"] == pytest.approx(40 + hist["reward"].sum())


def test_apr_paths_are_keys_of_one_run():
    apr = np.array([[0.0365, 0.073]] * 3)
    proj = project(100, apr=apr, days=3, start="2025-11-20", terms=Terms(payout_time_s=0))
    # path 1 earns twice path 0's rate: 0.02, then (100.02) * 0.0002 = 0.020004
    assert proj.reward[:, 1].tolist() == [0.02, 0.020004, 0.02000800]
    assert proj.reward[:, 0].tolist() == [0.01, 0.010001, 0.010002]


def test_effective_apr_curve_by_hand():
    c = effective_apr_curve([0.4, 0.5, 100, 1000, 2000], 0.0365, 0.5, 1000)
    # below the minimum: 0; at 100: 0.01 a day -> 3.65 %; above the cap: 0.0365 * 1000 / 2000
    assert c["daily_reward"].tolist() == [0.0, 0.00005, 0.01, 0.1, 0.1]
    assert c["effective_apr"].tolist() == pytest.approx([0, 0.0365, 0.0365, 0.0365, 0.01825])
    tiers = Terms(tiers=parse_tiers("500:0.12,5000:0.008,inf:0.003"))
    t = effective_apr_curve([6000], 0.0, terms=tiers)
    assert t["daily_reward"].iloc[0] == 0.27123287  # 99 / 365, see test_rules


def test_price_paths():
    p = gbm_prices(100, 0.8, 365, 20000, seed=3)
    assert p.shape == (366, 20000) and (p[0] == 100).all()
    # zero drift: E[P_T] = P_0 (martingale); log-return sd = sigma
    assert p[-1].mean() == pytest.approx(100, rel=0.03)
    assert np.log(p[-1] / 100).std() == pytest.approx(0.8, rel=0.03)
    hist = pd.Series([10.0, 11.0, 9.9, 10.89])
    b = bootstrap_prices(hist, 5, 100, seed=1)
    steps = np.unique(np.round(np.diff(np.log(b), axis=0), 12))
    assert set(steps) <= set(np.round(np.diff(np.log(hist.to_numpy())), 12))


def test_fiat_view_by_hand():
    proj = project(100, apr=0.0365, days=2, start="2025-11-20", terms=Terms(payout_time_s=0))
    # rewards 0.01 and 0.010001; prices 10 -> 20 -> 5 on the two payout days
    prices = np.array([[10.0], [20.0], [5.0]])
    f = fiat_outcomes(proj, prices)
    assert f["rewards_fiat"]["p50"] == pytest.approx(0.01 * 20 + 0.010001 * 5)
    assert f["final_value"]["p50"] == pytest.approx((100 + 0.020001) * 5)
    assert f["token_return"]["p50"] == pytest.approx(0.00020001)
    assert f["fiat_return"]["p50"] == pytest.approx((100.020001 * 5) / 1000 - 1)
    assert f["p_fiat_loss"] == 1.0


def test_tokens_side_by_side():
    t = tokens_side_by_side(10_000, load_catalog(), days=30, paths=50)
    assert len(t) == 15
    bnb = t.set_index("token").loc["BNB"]
    assert bnb["tokens"] == pytest.approx(10_000 / bnb["price_usd"])
    assert "price_usd" in bnb["assumed"]


def test_project_command_with_a_price_history(tmp_path, capsys):
    import json

    from softstake_model.cli import main

    f = tmp_path / "p.csv"
    f.write_text("date,close\n2025-01-01,10\n2025-01-02,11\n2025-01-03,9.9\n2025-01-04,10.89\n")
    code = main(["yields", "project", "--balance", "100", "--apr", "0.0365", "--days", "5",
                 "--price-history", str(f), "--paths", "50"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["fiat"]["price"] == 10.89 and out["fiat"]["paths"] == 50
    f.write_text("date,close\n2025-01-01,10\n2025-01-02,-1\n")
    assert main(["yields", "project", "--balance", "1", "--apr", "0.01",
                 "--price-history", str(f)]) == 1
    assert "line 3, column 'close'" in capsys.readouterr().err


def test_project_takes_a_token_and_starts_today():
    from softstake_model.yields import project

    # SOL: 5.8 %, minimum 1, cap 1000 (catalogue): 2,000 SOL earns on 1,000
    by_token = project(2000.0, token="SOL", days=2, start="2025-11-20")
    by_hand = project(2000.0, apr=0.058, min_holding=1.0, cap=1000.0, days=2,
                      start="2025-11-20")
    assert by_token.reward.tolist() == by_hand.reward.tolist()
    assert by_token.reward[0, 0] == 0.15890410  # 1000 * 0.058 / 365 = 0.158904109…
    assert project(0.5, token="SOL", days=1, start="2025-11-20").total_rewards[0] == 0.0
    assert project(10.0, apr=0.05, days=1).summary()["start"] == \
        str(pd.Timestamp.now("UTC").date())


def test_outlook_of_a_budget_in_dollars():
    from softstake_model.product import token_rule
    from softstake_model.yields import holder_outlook

    rule = token_rule("BNB")  # 900 USD (assumed), 2.5 %
    out = holder_outlook(None, rule, budget_usd=1800, days=1, start="2025-11-20")
    assert out["position"]["tokens"] == 2.0  # 1,800 / 900
    # 2 * 0.025 / 365 = 0.000136986… -> 0.00013698 BNB, at 900 USD
    assert out["total_rewards"] == 0.00013698
    assert out["at_price"]["rewards_usd"] == pytest.approx(0.00013698 * 900, rel=1e-12)
    assert out["at_price"]["price_source"] == "catalogue"
    with pytest.raises(ParameterError):
        holder_outlook(1.0, rule, budget_usd=1.0)


def test_outlook_with_a_fitted_apr_history(tmp_path):
    from softstake_model.product import token_rule
    from softstake_model.yields import holder_outlook

    # a daily history wandering around 6 %; the paths are centred on the rule's APR (5 %), so
    # the mean reward over many paths is the constant-APR reward within Monte Carlo error:
    # 100 tokens * 5 % * 30 / 365 = 0.4110 (compounding adds about 0.0007)
    rng = np.random.default_rng(7)
    apr = 0.06 * np.exp(np.cumsum(rng.normal(0, 0.01, 120)) * 0.3)
    f = tmp_path / "h.csv"
    f.write_text("date,apr\n" + "".join(
        f"{d.date()},{a:.6f}\n" for d, a in zip(pd.date_range("2025-01-01", periods=120),
                                                apr, strict=True)))
    out = holder_outlook(100.0, token_rule(apr=0.05), days=30, apr_paths=400,
                         apr_history=str(f), start="2025-11-20")
    assert out["total_rewards"]["mean"] == pytest.approx(0.4110, rel=0.01)
    assert "fitted to" in out["assumed"][-1] and str(f) in out["assumed"][-1]
    with pytest.raises(ParameterError) as e:
        holder_outlook(100.0, token_rule(apr=0.05), days=30, apr_history=str(f))
    assert e.value.param == "apr_history"


@pytest.mark.parametrize("preset", [None, "binance_soft_staking", "bitget_flexible"])
def test_side_by_side_in_one_pass_equals_each_token_alone(preset):
    """tokens_side_by_side runs every token through one pass of the engine: each token's
    rewards and effective APR are those of project() for that token alone, to the bit
    (also with USD bands, converted at each token's price, so one pass per token)."""
    from softstake_model.compare import tokens_side_by_side
    from softstake_model.product import product_catalog
    from softstake_model.projection import project
    from softstake_model.terms import PRESETS

    cat = product_catalog(None)
    terms = None if preset is None else PRESETS[preset]
    got = tokens_side_by_side(2500.0, cat, days=40, paths=20, seed=1, terms=terms,
                              start="2026-03-01")
    for (token, r), rewards, eff in zip(cat.iterrows(), got["rewards_tokens"],
                                        got["effective_apr"], strict=True):
        price = float(r["price_usd"])
        alone = project(2500.0 / price, apr=float(r["apr"]),
                        min_holding=float(r["min_holding"]), cap=float(r["cap"]),
                        terms=None if terms is None else terms.in_tokens(price, str(token)),
                        days=40, start="2026-03-01")
        assert rewards == float(alone.total_rewards[0]), token
        assert eff == float(alone.effective_apr[0]), token
    assert (got["rewards_tokens"] > 0).sum() >= 10
