"""APR layer: conversions, realized APR, chain models against published figures, OU fit."""

import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from softstake_model import load_catalog
from softstake_model.apr import (
    apr_from_index,
    apr_table,
    apr_to_apy,
    apy_to_apr,
    fit_ou,
    network_apr,
    realized_apr,
    simulate_ou,
)
from softstake_model.apr.chains import (
    ada_epoch,
    ada_max_pool,
    ada_member_reward,
    sol_adjusted_yield,
    sol_inflation,
)
from softstake_model.cli import main
from softstake_model.errors import InputError, ParameterError

DATA = Path(__file__).resolve().parents[1] / "softstake_model" / "data"


def test_conversions():
    assert apr_to_apy(0.05) == pytest.approx(math.pow(1 + 0.05 / 365, 365) - 1, rel=1e-13)
    assert apy_to_apr(apr_to_apy(0.05)) == pytest.approx(0.05, rel=1e-13)
    assert apr_to_apy(0.05, 12) == pytest.approx((1 + 0.05 / 12) ** 12 - 1, rel=1e-13)
    # SPEC: one basis point in a day is 3.65 %
    assert apr_from_index(1.0, 1.0001, 86_400) == pytest.approx(0.0365, rel=1e-12)
    with pytest.raises(ParameterError, match="^elapsed_seconds must be"):
        apr_from_index(1, 1.1, 0)


def test_realized_apr_by_hand():
    hist = pd.DataFrame({"date": pd.to_datetime(["2025-11-20", "2025-11-21", "2025-11-22"]),
                         "account": "a", "token": "BNB",
                         "reward": [0.0219178, 0.0, 0.0109589],
                         "eligible_balance": [100.0, 0.0, 50.0]})
    r = realized_apr(hist, windows=(7,))
    # 0.0219178 * 365 / 100 = 0.07999997; truncation allows up to 0.02191781 -> 0.0800000065
    assert r["apr"].iloc[0] == pytest.approx(0.07999997, rel=1e-12)
    assert r["apr_high"].iloc[0] == pytest.approx(0.0800000065, rel=1e-12)
    assert np.isnan(r["apr"].iloc[1])
    # 7-day mean of the days with an APR: (0.07999997 + 0.07999997) / 2
    assert r["apr_7d"].iloc[2] == pytest.approx(0.07999997, rel=1e-12)


def test_sol_schedule_and_adjusted_yield():
    # docs/src/inflation: 8 % initial, -15 % a year, 1.5 % long-term
    assert [round(sol_inflation(y), 10) for y in (0, 1, 2)] == [0.08, 0.068, 0.0578]
    assert sol_inflation(11) == 0.015  # 0.08 * 0.85**11 = 0.0134 < 1.5 %
    # docs: with 80 % staked, un-staked holders see ~400 % of stakers' dilution
    i, ps = 0.05, 0.8
    d_us = i / (1 + i)
    assert d_us / sol_adjusted_yield(i, ps) == pytest.approx(ps / (1 - ps), rel=1e-12)
    r = network_apr("SOL", year=1, staked_fraction=0.5, commission=0.1,
                    params={"uptime": 1, "foundation": 0, "mev_fee_yield": 0})
    assert r["network_apr"] == pytest.approx(0.068 / 0.5, rel=1e-12)
    assert r["net_apr"] == pytest.approx(0.068 / 0.5 * 0.9, rel=1e-12)


def test_ada_reward_pot_matches_every_epoch_of_the_cardano_foundation_calculation():
    # cf-java-rewards-calculation report/statistics.csv: from epoch 259 (after d = 0) the pot
    # of epoch e is floor(min(1, blocks_e / 21600) * 0.003 * reserves_(e-1)) + fees_e
    stats = pd.read_csv(DATA / "cardano_epoch_statistics.csv", dtype=str).set_index("epoch")
    checked = 0
    for e in range(259, 539):
        row, prev = stats.loc[str(e)], stats.loc[str(e - 1)]
        ep = ada_epoch(int(prev["reserves"]), int(row["epoch_fees"]),
                       Fraction(int(row["block_count"]), 21600), Fraction(3, 1000),
                       Fraction(1, 5))
        assert ep["reward_pot"] == int(row["total_rewards_pot"]), e
        checked += 1
    assert checked == 280


def test_ada_pool_formulas_by_hand():
    # saturated (sigma = z0 = 1/500), fully pledged: R/1.3 * (z0 + z0 * 0.3) = R * z0
    assert ada_max_pool(1e6, 0.002, 0.002) == pytest.approx(2000.0, rel=1e-12)
    assert ada_max_pool(1e6, 0.002, 0.0) == pytest.approx(1e6 / 1.3 * 0.002, rel=1e-12)
    assert ada_max_pool(1e6, 0.01, 0.0) == ada_max_pool(1e6, 0.002, 0.0)  # capped at z0
    # 1000 ADA pool reward, 340 fixed cost, 1 % margin, member holds 10 % of the pool
    assert ada_member_reward(1000, 340, 0.01, 0.1) == pytest.approx(65.34, rel=1e-12)
    assert ada_member_reward(300, 340, 0.01, 0.1) == 0.0
    ep = ada_epoch(10**16, 10**9, Fraction(1), Fraction(3, 1000), Fraction(1, 5))
    assert ep == {"monetary_expansion": 3 * 10**13, "reward_pot": 3 * 10**13 + 10**9,
                  "treasury": (3 * 10**13 + 10**9) // 5,
                  "pools": 3 * 10**13 + 10**9 - (3 * 10**13 + 10**9) // 5}


def test_trx_by_hand():
    r = network_apr("TRX", params={"total_votes": 44e9, "total_supply": 94.7e9})
    issuance = (8 + 128) * 28_792 * 365  # 1,429,234,880 TRX a year
    assert r["issuance_per_year"] == issuance
    assert r["network_apr"] == pytest.approx(issuance / 44e9, rel=1e-12)
    assert r["net_apr"] == pytest.approx(issuance / 44e9 * 0.8, rel=1e-12)  # 20 % brokerage
    assert r["inflation"] == pytest.approx(issuance / 94.7e9, rel=1e-12)


def test_near_protocol_81():
    before = network_apr("NEAR", at="2025-10-27", staked_fraction=0.5, commission=0,
                         params={"uptime": 1})
    after = network_apr("NEAR", at="2025-10-28", staked_fraction=0.5, commission=0,
                        params={"uptime": 1})
    assert before["inflation"] == 0.05 and after["inflation"] == 0.025
    assert after["network_apr"] == pytest.approx(0.025 * 0.9 / 0.5, rel=1e-12)


@pytest.mark.parametrize("at, rate", [
    ("2023-01-01", 0.07), ("2023-11-01", 0.06895), ("2024-11-01", 0.06791575),
])
def test_apt_aip30_published_rates(at, rate):
    r = network_apr("APT", at=at, params={"aip119": 0})
    assert r["rewards_rate"] == pytest.approx(rate, rel=1e-12)


def test_apt_aip30_floor_and_aip119():
    assert network_apr("APT", year=51, params={"aip119": 0})["rewards_rate"] == \
        pytest.approx(0.07 * 0.985**50, rel=1e-12)  # AIP-30: ~3.28783 %
    assert network_apr("APT", year=52, params={"aip119": 0})["rewards_rate"] == 0.0325
    # issue 19: AIP-119's cuts as executed on chain and AIP-140 are in tests/test_apr_chains.py


def test_egld_year_table_and_tail():
    assert network_apr("EGLD", at="2020-12-01")["max_inflation"] == 0.10845130
    assert network_apr("EGLD", at="2024-08-15")["max_inflation"] == 0.06278760  # year 5
    r = network_apr("EGLD", at="2026-01-15", staked_fraction=0.5, commission=0.1)
    simple = 365 * (1.08757 ** (1 / 365) - 1)
    assert r["tail_inflation"] and r["max_inflation"] == 0.08757
    assert r["inflation"] == pytest.approx(simple, rel=1e-12)
    assert r["network_apr"] == pytest.approx(simple * (1 - 0.1 - 0.2 - 0.2) / 0.5, rel=1e-12)
    assert r["net_apr"] == pytest.approx(r["network_apr"] * 0.9, rel=1e-12)


def test_generic_model():
    r = network_apr("generic", commission=0.1,
                    params={"issuance": 50, "staked": 1000, "fee_yield": 0.01, "supply": 2000})
    assert r["network_apr"] == pytest.approx(0.06) and r["net_apr"] == pytest.approx(0.055)
    assert r["inflation"] == pytest.approx(0.025)
    with pytest.raises(ParameterError, match="need issuance="):
        network_apr("generic")


CATALOGUE_DATE = "2025-11-19"  # the date of data/catalog.csv's figures


def test_table_of_fifteen_tokens_dated_and_flagged():
    t = apr_table(load_catalog(), at=CATALOGUE_DATE).set_index("token")
    # a model for every token, or (issue 19) the reason it has none
    assert len(t) == 15 and (t["network_apr"].notna() | (t["no_model"] != "")).all()
    assert set(t.index[t["no_model"] != ""]) == {"APE", "AXS"}
    assert np.allclose(t.spread, t.net_apr - t.apr, equal_nan=True)
    assert t.loc["TRX", "assumed"].startswith("apr (assumed")
    # the flag follows its definition row by row
    above = t.apr > t.net_apr
    assert (t["flags"].str.contains("above network") == above).all()
    # ADA: 4.2 % in the catalogue against the chain's own 2.82 % (issue 13)
    assert "above network" in t.loc["ADA", "flags"] and t.loc["ADA", "net_apr"] < 0.029
    # APT's 7 % is a 2024 figure: 2024-07-01 to 2025-11-19 is 506 days
    assert t.loc["APT", "apr_age_days"] == 506 and "stale" in t.loc["APT", "flags"]
    assert "stale" not in t.loc["SOL", "flags"]  # 141 days
    assert "stale" in apr_table(load_catalog(), at=CATALOGUE_DATE,
                                max_age_days=100).set_index("token").loc["SOL", "flags"]
    from softstake_model.catalog import override
    user = apr_table(override(load_catalog(), ["SOL"], apr=0.01),
                     at=CATALOGUE_DATE).set_index("token")
    assert user.loc["SOL", "flags"] == "undated" and pd.isna(user.loc["SOL", "apr_date"])
    with pytest.raises(ParameterError, match="^max_age_days must be"):
        apr_table(load_catalog(), max_age_days=0)


def test_ou_recovers_a_noiseless_ar1():
    b, mu = 0.9, math.log(0.04)
    x = [math.log(0.08)]
    for _ in range(60):
        x.append(mu + (x[-1] - mu) * b)
    f = fit_ou(np.exp(x), bootstrap=0)
    assert f.kappa == pytest.approx(-math.log(0.9) * 365, rel=1e-9)
    assert f.long_run_apr == pytest.approx(0.04, rel=1e-9)
    assert f.sigma == pytest.approx(0.0, abs=1e-9)


def test_ou_fit_on_simulated_data_and_simulation():
    rng_fit = fit_ou(np.full(20, 0.05) * np.exp(np.linspace(0, 0.1, 20)) *
                     np.exp(0.01 * np.sin(np.arange(20))), bootstrap=0)
    truth = rng_fit.__class__(kappa=6.0, mu=math.log(0.05), sigma=0.6, dt_days=1, last=0.05,
                              n=0)
    paths = simulate_ou(truth, 3000, 4, seed=1)
    assert paths.shape == (3000, 4)
    assert np.array_equal(paths, simulate_ou(truth, 3000, 4, seed=1))
    f = fit_ou(paths[:, 0], bootstrap=300, seed=2)
    lo, hi = f.ci["kappa"]
    assert lo < 6.0 < hi and lo < f.kappa < hi
    assert f.ci["sigma"][0] < 0.6 < f.ci["sigma"][1]
    with pytest.raises(InputError, match="position 2"):
        fit_ou([0.05, 0.04, -0.01] + [0.05] * 10)


def test_eth_series_fits():
    eth = pd.read_csv(DATA / "eth_staking_apr_ethstore_daily.csv")
    f = fit_ou(eth["apr"], bootstrap=100)
    assert 0.02 < f.long_run_apr < 0.08 and f.kappa > 0


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_apr_commands(capsys):
    code, out, _ = run(["apr", "convert", "--apr", "0.05"], capsys)
    assert code == 0 and json.loads(out)["apy"] == pytest.approx(0.0512674964674, rel=1e-10)
    code, out, _ = run(["apr", "index", "--pre", "1", "--post", "1.0001", "--elapsed",
                        "86400"], capsys)
    assert json.loads(out)["apr"] == pytest.approx(0.0365)
    # epoch 400 of the Cardano Foundation's calculation
    code, out, _ = run(["apr", "chain", "ADA", "--at", "2025-02-03",
                        "--param", "reserves=9426301009576749",
                        "--param", "fees=91606923726", "--param", "eta=21190/21600"], capsys)
    r = json.loads(out)
    assert (r["reward_pot"], r["treasury"]) == (27833734478299, 5566746895659)
    assert r["parameters"]["reserves"]["confidence"] == "user"
    code, out, _ = run(["apr", "chain", "SOL", "--year", "2"], capsys)
    r = json.loads(out)
    assert r["inflation"] == pytest.approx(0.0578) and {"network_apr", "net_apr"} <= set(r)
    for bad in (["apr", "chain", "DOGE"], ["apr", "chain", "SOL", "--param", "x"],
                ["apr", "chain", "SOL", "--staked-fraction", "2"],
                ["apr", "convert", "--apy", "-2"], ["apr", "index", "--pre", "0", "--post",
                                                    "1", "--elapsed", "1"]):
        code, out, err = run(bad, capsys)
        assert code == 2 and out == "" and "Traceback" not in err, bad


def test_apr_realized_command(tmp_path, capsys):
    p = tmp_path / "h.csv"
    p.write_text("date,account,token,reward,eligible_balance\n2025-11-20,a,BNB,0.0219178,100\n")
    code, out, _ = run(["apr", "realized", p, "--window", "3"], capsys)
    lines = out.splitlines()
    assert code == 0 and lines[0].endswith("apr_high,apr_3d")
    p.write_text("date,account,token,reward,eligible_balance\n2025-11-20,a,BNB,x,100\n")
    code, _, err = run(["apr", "realized", p], capsys)
    assert code == 1 and "line 2, column 'reward'" in err
