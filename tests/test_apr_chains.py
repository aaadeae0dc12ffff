"""Issue 19: each corrected chain model pinned to its published figure or rule, dated
parameters, intervals from the parameters' ranges, and models that move only continuously
or at their documented dates."""

import json
import math
from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softstake_model import load_catalog
from softstake_model.apr import CHAINS, apr_table, chain_params, network_apr
from softstake_model.apr.ada import ada_epoch
from softstake_model.apr.intervals import sign_word
from softstake_model.apr.params import TEXT_PARAMS, chain_table
from softstake_model.apr.steps import step_dates
from softstake_model.cli import main

MODELLED = [c for c in CHAINS if c != "generic"]
Y = {1: 0.10845130, 2: 0.09703538, 3: 0.08561945, 4: 0.07420352, 5: 0.06278760,
     6: 0.05137167}  # mx-chain-mainnet-config economics.toml YearSettings


# --- EGLD: the genesis supply before the tail epoch, the supply after ----------------------

def test_egld_pays_the_years_rate_on_the_genesis_supply_before_the_tail_epoch():
    r = network_apr("EGLD", at="2025-11-19", staked_fraction=0.5, commission=0.1,
                    params={"fee_shortfall": 0})
    days = (pd.Timestamp("2025-11-19") - pd.Timestamp("2020-07-30")).days  # 1938: year 6
    supply = 20e6 * (1 + sum(Y[y] for y in range(1, 6)) + Y[6] * (days - 5 * 365) / 365)
    assert not r["tail_inflation"] and r["year"] == 6
    assert r["issuance_per_year"] == pytest.approx(Y[6] * 20e6, rel=1e-12)
    assert r["supply"] == pytest.approx(supply, rel=1e-12)
    assert r["network_apr"] == pytest.approx(Y[6] * 20e6 * 0.9 / (0.5 * supply), rel=1e-12)
    # the old model paid the rate on the current supply: about x1.44 too high
    assert Y[6] * 0.9 / 0.5 / r["network_apr"] == pytest.approx(supply / 20e6, rel=1e-12)
    assert 1.40 < supply / 20e6 < 1.46


def test_egld_pays_the_tail_rate_on_the_current_supply_after_it():
    r = network_apr("EGLD", at="2026-01-15", staked_fraction=0.5,
                    params={"fee_shortfall": 0})
    s_tail = 20e6 * (1 + sum(Y[y] for y in range(1, 6)) + Y[6] * (1951 - 1825) / 365)
    days = (pd.Timestamp("2026-01-15") - pd.Timestamp("2020-07-30")).days
    supply = s_tail * 1.08757 ** ((days - 1951) / 365)
    simple = 365 * (1.08757 ** (1 / 365) - 1)
    assert r["tail_inflation"] and r["supply"] == pytest.approx(supply, rel=1e-12)
    assert r["issuance_per_year"] == pytest.approx(simple * supply, rel=1e-12)
    assert r["schedule_ends"] == "2025-12-02" and r["beyond_schedule"]
    assert "DecayPercentage" in r["schedule_note"]
    assert not network_apr("EGLD", at="2025-12-01")["beyond_schedule"]


# --- APT: executed cuts and AIP-140 ---------------------------------------------------------

Y3 = 0.07 * 0.985**2  # AIP-30 year 3, from 2024-10-12


@pytest.mark.parametrize("at, rate", [
    ("2025-09-11", Y3),                                  # before the first executed cut
    ("2025-09-12", Y3 - 0.0025),                         # AIP-119's first cut
    ("2025-11-19", (Y3 - 0.0025) * 0.985),               # the 2025-10-12 decrease on it
    ("2025-12-05", (Y3 - 0.0025) * 0.985 - 0.0025),      # between the second and third
    ("2026-03-09", (Y3 - 0.0025) * 0.985 - 0.0125),      # all cuts, before AIP-140
    ("2026-03-10", 0.026), ("2027-12-31", 0.026),        # AIP-140, frozen
])
def test_apt_rate_between_executed_cuts_and_after_aip140(at, rate):
    assert network_apr("APT", at=at)["rewards_rate"] == pytest.approx(rate, rel=1e-12)


def test_apt_cuts_reproduce_the_rate_aip140_replaced():
    # the AIP-140 proposal's metadata: "reduce staking reward rate from 5.19% -> 2.6%"
    assert network_apr("APT", at="2026-03-09")["rewards_rate"] == pytest.approx(0.0519,
                                                                                abs=5e-5)


# --- Sonic, IOTA, POL, SOL ------------------------------------------------------------------

@pytest.mark.parametrize("staked, rate", [(0.25, 0.07), (0.5, 0.035), (1.0, 0.0175)])
def test_sonic_scales_inversely_with_the_staked_share(staked, rate):
    # docs.soniclabs.com: 3.5 % at 50 % staked, 7 % at 25 %, 1.75 % at 100 %
    r = network_apr("S", at="2026-12-01", staked_fraction=staked)
    assert r["network_apr"] == pytest.approx(rate, rel=1e-12)
    assert r["net_apr"] == pytest.approx(rate * 0.85, rel=1e-12)  # the SFC's 15 %
    assert r["parameters"]["commission"]["confidence"] == "published"


def test_iota_mints_767000_an_epoch():
    r = network_apr("IOTA", at="2026-12-01", params={"staked": 2.5e9})
    assert r["parameters"]["target_reward"]["value"] == 767_000
    assert r["parameters"]["target_reward"]["confidence"] == "published"
    assert r["issuance_per_year"] == 767_000 * 365
    assert network_apr("IOTA", at="2025-05-04")["no_model"].startswith("no model before")


def test_pol_stakers_get_three_fifths_of_a_25_percent_mint():
    assert chain_params("POL")["validator_emission"].value == pytest.approx(0.025 * 3 / 5)


def test_sol_adds_the_mev_and_priority_fee_leg():
    base = {"uptime": 1, "foundation": 0}
    a = network_apr("SOL", at="2026-12-01", params={**base, "mev_fee_yield": 0})
    b = network_apr("SOL", at="2026-12-01", params={**base, "mev_fee_yield": 0.01})
    assert b["network_apr"] - a["network_apr"] == pytest.approx(0.01, rel=1e-9)
    p = chain_params("SOL")
    assert p["staked_fraction"].value == 0.68 and p["mev_fee_yield"].low == 0.005


# --- ADA: the reserve projected by its own rule; margin and fixed cost in net ---------------

def test_ada_projects_the_reserve_one_epoch_by_hand():
    p = {k: v.value for k, v in chain_params("ADA").items()}
    eta, eff = Fraction(str(p["eta"])), Fraction(str(p["distribution_efficiency"]))
    ep0 = ada_epoch(p["reserves"], p["fees"], eta)
    reserves1 = p["reserves"] - ep0["monetary_expansion"] + math.floor(ep0["pools"] * (1 - eff))
    r = network_apr("ADA", at="2025-02-08")  # one epoch after the base
    assert r["reserves"] == reserves1 and r["epoch"] == 539
    ep1 = ada_epoch(reserves1, p["fees"], eta)
    gross = ep1["pools"] * float(eff) / p["active_stake"] * 73
    assert r["network_apr"] == pytest.approx(gross, rel=1e-12)
    pool = p["pool_stake"]  # a member of a 30 M ADA pool: 170 ADA off, then the margin
    net = (gross / 73 * pool - 170e6) * (1 - p["pool_margin"]) / pool * 73
    assert r["net_apr"] == pytest.approx(net, rel=1e-12)
    assert r["inflation"] == pytest.approx(
        ep1["monetary_expansion"] * 73 / (45e15 - reserves1), rel=1e-12)


def test_ada_before_the_base_epoch_reads_the_shipped_epoch():
    r = network_apr("ADA", at="2024-06-01")
    epoch = 538 + (pd.Timestamp("2024-06-01") - pd.Timestamp("2025-02-03")).days // 5
    stats = pd.read_csv("softstake_model/data/cardano_epoch_statistics.csv", dtype=str)
    row = stats.set_index("epoch").loc[str(epoch)]
    assert r["epoch"] == epoch and r["reserves"] == int(row["reserves"])
    assert r["state"] == f"shipped epoch {epoch}" and "reserves" not in r["parameters"]


def test_ada_reserve_declines_and_so_does_the_rate():
    rates = [network_apr("ADA", at=d, interval=False)["network_apr"]
             for d in ("2025-02-03", "2025-11-19", "2026-12-01", "2027-12-31")]
    assert rates == sorted(rates, reverse=True)


# --- stated no-models -----------------------------------------------------------------------

def test_ape_has_no_model_since_its_pool_was_removed(capsys):
    before = network_apr("APE", at="2025-04-14")
    assert before["network_apr"] == pytest.approx(25e6 * 0.3 / 150e6, rel=1e-12)
    after = network_apr("APE", at="2025-04-15")
    assert after["network_apr"] is None and after["net_apr"] is None
    assert after["no_model"].startswith("no model since 2025-04-15: the APE-only")
    assert main(["apr", "chain", "APE", "--at", "2026-12-01"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["network_apr"] is None and "removed" in out["no_model"]


def test_axs_states_no_model_and_runs_the_revamp_rule_when_given_an_emission():
    assert network_apr("AXS")["no_model"].startswith("no model: the staking revamp")
    r = network_apr("AXS", at="2026-01-28", params={
        "base_emission": 1e6, "base_date": "2026-01-01", "staked": 1e7})
    assert r["issuance_per_year"] == pytest.approx(1e6 * 0.95**3, rel=1e-12)  # 27 days


# --- dated parameters -----------------------------------------------------------------------

def test_rows_of_one_name_do_not_overlap_and_ranges_hold_their_values():
    t = chain_table()
    for (chain, name), g in t.groupby(["chain", "name"]):
        spans = sorted((r.valid_from or "0000", r.valid_to or "9999") for r in g.itertuples())
        for (_, end), (start, _) in zip(spans, spans[1:]):
            assert end <= start, (chain, name)
    numeric = t[~t.name.isin(TEXT_PARAMS)]
    vague = numeric[numeric.confidence.isin(["assumed", "weak"])]
    assert (vague.low != "").all(), vague[vague.low == ""][["chain", "name"]]
    ranged = numeric[numeric.low != ""]
    assert ((ranged.low.astype(float) <= ranged.value.astype(float))
            & (ranged.value.astype(float) <= ranged.high.astype(float))).all()


@pytest.mark.parametrize("chain", MODELLED)
def test_every_chain_answers_every_month_2024_to_2027(chain):
    for at in pd.date_range("2024-01-01", "2027-12-31", freq="MS"):
        r = network_apr(chain, at=at, interval=False)
        assert (r["network_apr"] is None) == ("no_model" in r), (chain, at)
        if r["network_apr"] is not None:
            assert 0 <= r["net_apr"] <= r["network_apr"] < 0.5, (chain, at)


def test_chain_at_date_command_says_where_the_schedule_ends(capsys):
    assert main(["apr", "chain", "EGLD", "--at", "2027-06-01"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["at"] == "2027-06-01" and r["beyond_schedule"] and r["schedule_ends"]
    assert main(["apr", "chain", "NEAR", "--at", "2024-03-01"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["inflation"] == 0.05 and r["schedule_ends"] is None


# --- intervals ------------------------------------------------------------------------------

@pytest.mark.parametrize("chain", MODELLED)
def test_interval_holds_the_central_figure(chain):
    r = network_apr(chain, at="2026-12-01")
    if r["network_apr"] is None:
        return
    assert r["network_apr_low"] <= r["network_apr"] <= r["network_apr_high"]
    assert r["net_apr_low"] <= r["net_apr"] <= r["net_apr_high"]
    assert set(r["interval_params"]) <= set(r["parameters"])


def test_interval_is_a_point_without_ranges_and_follows_one_range_by_hand():
    fixed = {"staked": 2e9}
    r = network_apr("IOTA", at="2026-12-01", commission=0.1, params=fixed)
    assert r["interval_params"] == []
    assert r["net_apr_low"] == r["net_apr"] == r["net_apr_high"]
    # only the generic commission (0 to 10 %, uniform) varies: net = gross x (1 - c)
    r = network_apr("IOTA", at="2026-12-01", params=fixed)
    gross = 767_000 * 365 / 2e9
    assert r["interval_params"] == ["commission"]
    assert r["network_apr_low"] == r["network_apr_high"] == pytest.approx(gross)
    assert r["net_apr_low"] == pytest.approx(gross * (1 - 0.095), rel=0.003)
    assert r["net_apr_high"] == pytest.approx(gross * (1 - 0.005), rel=0.003)


def test_table_shows_the_spread_interval_and_its_sign():
    t = apr_table(load_catalog(), at="2026-12-01").set_index("token")
    m = t[t.no_model == ""]
    assert (m.spread_low <= m.spread).all() and (m.spread <= m.spread_high).all()
    for token, r in m.iterrows():
        assert r.spread_sign == sign_word(r.spread_low, r.spread_high), token
    assert sign_word(-0.01, 0.02) == "unknown" and sign_word(0.01, 0.02) == "positive"
    assert t.loc["APE", "spread_sign"] == "" and t.loc["APE", "no_model"]
    assert t.loc["EGLD", "beyond_schedule"]


# --- a model moves only continuously or at its documented dates -----------------------------

@settings(max_examples=60, deadline=None)
@given(chain=st.sampled_from(MODELLED),
       day=st.dates(min_value=pd.Timestamp("2024-01-02").date(),
                    max_value=pd.Timestamp("2027-12-31").date()))
def test_models_move_only_continuously_or_at_their_documented_dates(chain, day):
    at = pd.Timestamp(day)
    a = network_apr(chain, at=at - pd.Timedelta(days=1), interval=False)["net_apr"]
    b = network_apr(chain, at=at, interval=False)["net_apr"]
    if a is None or b is None:
        assert (a is None) == (b is None) or at in step_dates(chain, at, at), (chain, at)
        return
    if abs(b - a) > 0.002 * max(a, b):  # a day of continuous change is far less
        assert at in step_dates(chain, at, at), (chain, at, a, b)


@pytest.mark.parametrize("chain", MODELLED)
def test_every_jump_day_by_day_is_at_a_documented_date(chain):
    """The same rule checked on every day (ADA: two windows across its base epoch, its
    projection being the slow one): the property test's examples cannot miss a date."""
    if chain == "ADA":
        days = pd.date_range("2024-01-01", "2024-02-15").append(
            pd.date_range("2025-01-20", "2025-03-10"))
    else:
        days = pd.date_range("2024-01-01", "2027-12-31")
    net = [network_apr(chain, at=d, interval=False)["net_apr"] for d in days]
    steps = step_dates(chain, days[0], days[-1])
    for (d0, a), (d1, b) in zip(zip(days, net), list(zip(days, net))[1:]):
        if (d1 - d0).days != 1:
            continue
        moved = (a is None) != (b is None) or (a is not None and abs(b - a) > 0.002 * max(a, b))
        assert not moved or d1 in steps, (chain, d1, a, b)
