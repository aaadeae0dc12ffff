"""The liquidity package's parts: the kernel's daily steps by hand, the unbonding grammar,
the shocks parser, the state, and the package's structure (one job per module, no circle)."""

import ast
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import softstake_model.liquidity as liquidity
from softstake_model import load_catalog
from softstake_model.errors import ParameterError
from softstake_model.liquidity import (
    UNBONDING_RULE,
    State,
    StressParams,
    Unbonding,
    simulate,
    step,
)
from softstake_model.liquidity import kernel as k
from softstake_model.liquidity.shocks import parse_shocks

PACKAGE = Path(liquidity.__file__).parent


def state(total=100.0, ratio=0.3, rule="fixed:3", days=5, paths=2, **kw):
    p = StressParams(total=total, buffer_ratio=ratio, unbonding=rule, days=days, **kw)
    return p, State.start(p, days, paths, daily=False, rewards=False)


# --- the state ---------------------------------------------------------------------------

def test_state_starts_with_the_buffer_liquid_and_the_rest_bonded():
    p, s = state(total=1000.0, ratio=0.25, rule="boundary:7@2", days=4, paths=3)
    assert s.liq.tolist() == [250.0] * 3 and s.bonded.tolist() == [750.0] * 3
    assert s.u.tolist() == [1000.0] * 3
    assert s.arrivals.shape == (8, 3)  # longest wait 7 days, so 8 slots
    assert s.req_hist.shape == (3, 5) and s.eps == 1000.0 * 1e-9
    assert s.out == {}
    d = State.start(StressParams(total=10, buffer_ratio=0.1, days=4, deposit_rate=0.01), 4, 2,
                    daily=True, rewards=True)
    assert sorted(d.out) == sorted(["requested", "paid", "queued", "liquid", "bonded",
                                    "unbonding", "user_balance", "deposits", "rewards"])
    assert d.out["liquid"].shape == (4, 2)


# --- the daily steps, each by hand -------------------------------------------------------

def test_arrive_moves_today_s_slot_into_the_buffer_and_empties_it():
    _, s = state()  # fixed:3: 4 slots; day 6 is slot 2
    s.arrivals[2] = [5.0, 7.0]
    s.inflight[:] = [5.0, 10.0]
    k.arrive(s, 6)
    assert s.liq.tolist() == [35.0, 37.0]
    assert s.inflight.tolist() == [0.0, 3.0]
    assert s.arrivals[2].tolist() == [0.0, 0.0]


@pytest.mark.parametrize("pay", [k.pay_queue, k.pay_queued])
def test_the_queue_is_paid_in_part_or_in_full(pay):
    _, s = state()
    s.req_cum[:] = [100.0, 50.0]
    s.paid_cum[:] = [10.0, 0.0]
    s.liq[:] = [30.0, 80.0]
    pay(s)
    # path 0: 90 queued, 30 paid; path 1: 50 queued, paid in full from 80
    assert s.liq.tolist() == [0.0, 30.0]
    assert s.paid_cum.tolist() == [40.0, 50.0]


def test_request_takes_the_day_s_share_of_user_balances():
    _, s = state()
    s.u[:] = [200.0, 80.0]
    k.request(s, np.array([0.25, 0.5]))
    assert s.w.tolist() == [50.0, 40.0]
    assert s.u.tolist() == [150.0, 40.0]
    assert s.req_cum.tolist() == [50.0, 40.0]


def test_deposit_adds_to_users_and_buffer():
    _, s = state()
    k.deposit(s, 0.02)  # 2 % of 100
    assert s.u.tolist() == [102.0, 102.0] and s.liq.tolist() == [32.0, 32.0]
    assert s.dep_cum.tolist() == [2.0, 2.0]
    k.deposit(s, 0.0)
    assert s.u.tolist() == [102.0, 102.0]


def test_rebalance_unbonds_what_the_target_lacks_and_it_arrives_by_the_rule():
    p, s = state(total=1000.0, ratio=0.1, rule="fixed:3")
    # target = 0.1 * 1000 + 20 queued = 120; liquid 50 and 10 on the way: unbond 60
    s.req_cum[:] = 20.0
    s.liq[:] = 50.0
    s.inflight[:] = 10.0
    k.rebalance(s, 2, p.unbonding, 0.1, None)
    assert s.bonded.tolist() == [840.0, 840.0]  # 900 - 60
    assert s.arrivals[5 % 4].tolist() == [60.0, 60.0]  # unbonded on day 2, arrives day 5
    assert s.inflight.tolist() == [70.0, 70.0]
    k.rebalance(s, 3, p.unbonding, 0.1, 25.0)  # nothing lacking now
    assert s.bonded.tolist() == [840.0, 840.0]
    s.inflight[:] = 0.0
    k.rebalance(s, 3, p.unbonding, 0.1, 25.0)  # 70 lacking, at most 25 a day
    assert s.bonded.tolist() == [815.0, 815.0]


def test_rebalance_with_rule_none_pays_the_queue_at_once():
    p, s = state(total=1000.0, ratio=0.0, rule="none")  # nothing liquid, 1000 bonded
    s.req_cum[:] = [40.0, 0.0]
    k.rebalance(s, 1, p.unbonding, 0.0, None)
    assert s.paid_cum.tolist() == [40.0, 0.0]
    assert s.bonded.tolist() == [960.0, 1000.0] and s.liq.tolist() == [0.0, 0.0]


def test_restake_returns_the_excess_over_the_target():
    _, s = state(total=100.0, ratio=0.3)
    s.liq[:] = [50.0, 20.0]  # target 30
    k.restake(s, 0.3)
    assert s.liq.tolist() == [30.0, 20.0] and s.bonded.tolist() == [90.0, 70.0]


def test_reward_pays_the_bonded_stake_into_the_buffer():
    _, s = state(total=1000.0, ratio=0.27)  # 730 bonded
    k.reward(s, np.array([0.05, 0.0]), np.array([0.0365, 0.0]), 365.0)
    assert s.liq.tolist() == [270.0 + 730.0 * 0.05 / 365.0, 270.0]
    assert s.rew_cum.tolist() == [730.0 * 0.05 / 365.0, 0.0]
    assert s.u.tolist() == [1000.0 * (1 + 0.0001), 1000.0]


def test_three_days_of_a_queue_step_by_step():
    """Buffer 0, fixed:14: every request waits beyond the horizon.

    Day 1: 10 % of 1000 = 100 requested, none paid, 100 unbonded. Day 2: 5 % of 900 = 45,
    queue 145, 45 more unbonded. Day 3: nothing requested, the queue stays 145.
    """
    p = StressParams(total=1000.0, buffer_ratio=0.0, unbonding="fixed:14", days=3)
    s = State.start(p, 3, 1, daily=False, rewards=False)
    seen = []
    for t, rate in enumerate([0.1, 0.05, 0.0], start=1):
        step(s, t, p, np.array([rate]), None, None)
        seen.append((s.queued[0], s.inflight[0], s.delayed[0], s.unit_days[0],
                     s.max_delay[0], s.head[0], s.days_q[0]))
    assert seen == [(100.0, 100.0, 100.0, 100.0, 1.0, 1, 1),
                    (145.0, 145.0, 145.0, 245.0, 2.0, 1, 2),
                    (145.0, 145.0, 145.0, 390.0, 3.0, 1, 3)]
    assert s.first_q[0] == 1 and bool(s.had_q[0])


def test_the_head_moves_past_requests_paid_in_full():
    """Buffer 0, rule none, at most 30 unbonded (and so paid) a day.

    Day 1 asks 100 (10 % of 1000): 30 paid, 70 queued. Day 2 asks 90 (10 % of 900): 60 paid
    in all, 130 queued. Day 3: 90 paid, 100 queued, day 1's request (100) still not paid in
    full. Day 4: 120 paid, day 1's request is paid (3 days late), the head moves to day 2,
    whose request is still waiting at the horizon (4 + 1 - 2 = 3 days so far).
    """
    p = StressParams(total=1000.0, buffer_ratio=0.0, unbonding="none", days=4,
                     max_unbond_per_day=30.0)
    s = State.start(p, 4, 1, daily=False, rewards=False)
    queues, heads = [], []
    for t, rate in enumerate([0.1, 0.1, 0.0, 0.0], start=1):
        step(s, t, p, np.array([rate]), None, None)
        queues.append(s.queued[0])
        heads.append(int(s.head[0]))
    assert queues == [70.0, 130.0, 100.0, 70.0]
    assert heads == [1, 1, 1, 2]
    assert s.max_delay[0] == 3.0


# --- the kernel is the engine of simulate --------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0, 0.3), min_size=1, max_size=12),
       st.sampled_from(["none", "fixed:2", "boundary:3@1"]), st.booleans())
def test_simulate_is_the_kernel_stepped_day_by_day(rates, rule, restake):
    p = StressParams(total=500.0, buffer_ratio=0.05, unbonding=rule, days=len(rates),
                     restake=restake)
    r = np.array(rates)[:, None]
    s = State.start(p, len(rates), 1, daily=False, rewards=False)
    for t in range(1, len(rates) + 1):
        step(s, t, p, r[t - 1], None, None)
    m = simulate(p, r, daily=False).metrics
    assert m.at[0, "requested"] == s.req_cum[0] and m.at[0, "paid"] == s.paid_cum[0]
    assert m.at[0, "max_delay_days"] == s.max_delay[0]


# --- the unbonding grammar and the shocks --------------------------------------------------

#: The grammar as the catalogue wrote it before it used UNBONDING_RULE.
_CATALOG_GRAMMAR = re.compile(r"^(none|fixed:\d+|boundary:[1-9]\d*(@\d+)?)$")


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    st.text(alphabet="nonefixdbuary:@0123456789 ", max_size=16),
    st.builds(lambda a, b: f"{a}:{b}", st.sampled_from(["fixed", "boundary", "none"]),
              st.from_regex(r"\A[0-9]{0,3}(@[0-9]{0,2})?\Z"))))
def test_one_grammar_for_catalogue_and_model(text):
    assert bool(UNBONDING_RULE.match(text)) == bool(_CATALOG_GRAMMAR.match(text))
    if UNBONDING_RULE.match(text):
        rule = Unbonding.parse(text)
        assert Unbonding.parse(str(rule)) == rule


def test_every_catalogue_rule_follows_the_grammar():
    for token, text in load_catalog()["unbonding"].items():
        assert UNBONDING_RULE.match(text), token


@pytest.mark.parametrize("text, rule, longest", [
    ("fixed:7", Unbonding("fixed", 7), 7),
    ("fixed:0", Unbonding("none", 0), 0),
    (" none ", Unbonding("none", 0), 0),
    ("boundary:14@3", Unbonding("boundary", 0, 14, 3), 14),
])
def test_rules_read(text, rule, longest):
    assert Unbonding.parse(text) == rule and rule.longest == longest


def test_boundary_arrives_at_the_next_cycle_end():
    rule = Unbonding.parse("boundary:2")  # cycle ends on even days
    assert [rule.arrival(t) for t in range(1, 6)] == [2, 4, 4, 6, 6]


def test_shocks_read_from_pairs_and_texts():
    assert parse_shocks("3:0.5") == ((3, 0.5),)
    assert parse_shocks([(1, "0.25"), "7:1"]) == ((1, 0.25), (7, 1.0))
    for bad in (5, [(1,)], ["0:0.1"], [(2, 1.5)]):
        with pytest.raises(ParameterError) as e:
            parse_shocks(bad)
        assert e.value.param == "shocks"


# --- the package's structure ---------------------------------------------------------------

#: Every name the module exported before it became a package.
_EXPORTED = ["Unbonding", "StressParams", "RunModel", "StressResult", "METRICS",
             "DAILY_COLUMNS", "withdrawal_rates", "RNG_BLOCK", "simulate", "path_metrics",
             "summarize", "size_buffer", "coverage_ratio", "read_withdrawal_rates",
             "parse_shock", "drawdown_increase", "stress_sweep", "StressSweep",
             "scenario_params"]


def test_the_package_exports_what_the_module_did():
    assert set(_EXPORTED) <= set(liquidity.__all__)
    for name in liquidity.__all__:
        assert hasattr(liquidity, name), name


def _sibling_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {n.module.split(".")[0] for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.level == 1 and n.module}


def test_modules_have_one_job_each_within_the_budgets_and_no_circle():
    modules = {p.stem: p for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    graph = {m: _sibling_imports(p) for m, p in modules.items()}
    done: set[str] = set()

    def visit(m: str, seen: tuple[str, ...]) -> None:
        assert m not in seen, f"import circle {' -> '.join((*seen, m))}"
        if m not in done:
            for d in graph[m]:
                visit(d, (*seen, m))
            done.add(m)

    for m in graph:
        visit(m, ())
    for m, p in modules.items():
        text = p.read_text()
        assert len(text.splitlines()) <= 500, m
        tree = ast.parse(text)
        assert any(isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "__all__"
                                                      for t in n.targets) for n in tree.body), m
        for f in ast.walk(tree):
            if isinstance(f, ast.FunctionDef):
                assert f.end_lineno - f.lineno < 80, f"{m}.{f.name}"
    assert "np.random" not in modules["kernel"].read_text()  # the kernel draws nothing
