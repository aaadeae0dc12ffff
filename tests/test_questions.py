"""One question, one answer: the command and the report ask the same question object and get
the same figures to the last digit; every output lists every parameter it ran with."""

import dataclasses
import json

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from softstake_model import spec
from softstake_model.cap_question import CapQuestion, cap_cost
from softstake_model.cli import build_parser, main
from softstake_model.errors import ParameterError
from softstake_model.product import TokenRule, build_terms, token_rule
from softstake_model.report import validate
from softstake_model.report.views import caps_view, yields_view
from softstake_model.rules import EDGE_TOLERANCE
from softstake_model.yields import HolderQuestion, outlook


def _json(args, tmp_path, capsys):
    out = tmp_path / "out.json"
    code = main([*map(str, args), "--out", str(out)])
    capsys.readouterr()
    assert code == 0
    return json.loads(out.read_text())


def test_yields_command_and_page_give_the_same_figures(tmp_path, capsys):
    given = {"token": "SOL", "budget_usd": 1000.0, "days": 30, "apr_paths": 20,
             "price_paths": 50, "seed": 3}
    cli = _json(["yields", "project", "--token", "SOL", "--budget-usd", "1000", "--days", "30",
                 "--apr-paths", "20", "--paths", "50", "--seed", "3"], tmp_path, capsys)
    page = yields_view(validate("yields", given))
    paths = page["projection_paths"].summary()["total_rewards"]
    assert cli["total_rewards"] == paths  # mean and quantiles over the 20 APR paths
    assert cli["fiat"]["fiat_return"] == page["fiat"]["fiat_return"]
    assert cli["fiat"]["paths"] == 20  # one price path per APR path
    # the page's constant-APR figure is the command's without APR paths
    flat = _json(["yields", "project", "--token", "SOL", "--budget-usd", "1000", "--days",
                  "30"], tmp_path, capsys)
    assert flat["total_rewards"] == page["headline"]["total_rewards"]
    # 1,000 USD at 140 (assumed) = 7.142857 SOL; day 1 at 5.8 %: 0.0011349… -> 0.00113502
    assert page["projection"].reward[0, 0] == 0.00113502
    # every parameter, defaults included, with the question's names
    names = [f.name for f in dataclasses.fields(HolderQuestion)]
    assert list(cli["parameters"]) == names
    assert cli["parameters"] == {**spec.values(HolderQuestion(**given)), "token": "SOL"}


def test_caps_command_and_page_give_the_same_figures(tmp_path, capsys):
    cli = _json(["caps", "--token", "SOL", "--holders", "3000", "--buffer", "0.2"],
                tmp_path, capsys)
    page = caps_view(validate("caps", {"token": "SOL", "holders": 3000, "buffer_ratio": 0.2}))
    h = page["headline"]
    assert (cli["daily_cost"], cli["daily_cost_usd"], cli["gini"]) == \
        (h["daily_cost"], h["daily_cost_usd"], h["gini"])
    assert cli["margin"]["margin_apr"] == h["margin_apr"]
    assert cli["parameters"]["population_usd"] == CapQuestion().population_usd
    assert list(cli["parameters"]) == [f.name for f in dataclasses.fields(CapQuestion)]
    # the cost is the rule's, holder by holder: sum of truncated daily rewards
    r = token_rule("SOL")
    b = page["balances"]
    by_hand = sum(np.trunc(min(x, r.cap) * r.apr / 365 * 1e8) / 1e8 for x in b
                  if x >= r.min_holding)
    assert cli["daily_cost"] == pytest.approx(by_hand, rel=1e-9)


def _defaults(command, exclude):
    args = build_parser(command[0]).parse_args(command)
    return {k: v for k, v in vars(args).items() if k not in exclude}


@pytest.mark.parametrize("command, cls, exclude", [
    (["caps"], CapQuestion, {"token"}),
    (["yields", "project", "--balance", "1"], HolderQuestion, {"token", "balance",
                                                               "budget_usd"}),
])
def test_the_command_defaults_are_the_question_defaults(command, cls, exclude):
    # one set of defaults: the command's options are the question's fields (the command has
    # no default token: without --token the terms are the ones given)
    given = _defaults(command, exclude)
    for f in dataclasses.fields(cls):
        if f.name not in exclude:
            assert given[f.name] == f.default, f.name


def test_an_apr_together_with_tiers_is_refused(tmp_path, capsys):
    ledger = tmp_path / "l.csv"
    ledger.write_text("time,account,token,change\n2025-11-01T00:00:00Z,a,BNB,100\n")
    for args in (["rewards", ledger, "--start", "2025-11-20", "--end", "2025-11-20"],
                 ["yields", "project", "--balance", "100"],
                 ["caps", "--population", "lognormal:1,1", "--holders", "10"]):
        code = main([*map(str, args), "--apr", "0.5", "--tiers", "500:0.12,inf:0.003"])
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1
        assert "--apr cannot be combined with --tiers" in err
    tiers = build_terms(tiers="500:0.12,inf:0.003")
    with pytest.raises(ParameterError) as e:
        token_rule("SOL", apr=0.05, terms=tiers)
    assert e.value.param == "apr"
    with pytest.raises(ParameterError, match="apr cannot be combined with tiers"):
        HolderQuestion(apr=0.05, tiers="500:0.12,inf:0.003")
    # tiers alone pay the bands: 100 tokens at 12 % a day, 100 * 0.12 / 365 -> 0.03287671
    q = HolderQuestion(token=None, balance=100.0, tiers="500:0.12,inf:0.003", days=1,
                       start="2025-11-20")
    assert outlook(q).summary["total_rewards"] == 0.03287671


def test_one_bound_per_parameter():
    # the horizon is the kernel's 1..36,525 days in the report as on the command line
    with pytest.raises(ParameterError, match=r"'days' must be in 1\.\.36,525, got 36,526"):
        validate("yields", {"days": 36_526})
    assert validate("yields", {"days": 3_651}).days == 3_651
    # precision is Terms' 0..12, for the report's terms and the ledger commands alike
    with pytest.raises(ParameterError, match=r"precision must be in 0\.\.12, got 13"):
        build_terms(precision=13)
    helps = {a.dest: a.help for a in build_parser("rewards")._subparsers._group_actions[0]
             .choices["rewards"]._actions}
    assert helps["fee"].startswith("Share of the gross reward the exchange keeps (share); "
                                   "in [0, 1)")
    assert helps["precision"].startswith("Decimals a reward is truncated to")


def test_the_question_objects_check_their_fields():
    with pytest.raises(ParameterError, match="token must be a catalogue token"):
        HolderQuestion(token="DOGE")
    with pytest.raises(ParameterError, match="token must name one token, got 'BNB,SOL'"):
        CapQuestion(token="BNB,SOL")
    with pytest.raises(ParameterError, match="population_usd needs a token's price"):
        CapQuestion(token=None, apr=0.05)
    # a balance in tokens takes the place of the budget; a file that of the population
    assert HolderQuestion(balance=5.0).budget_usd is None
    q = CapQuestion(balances="b.csv")
    assert (q.population_usd, q.holders) == (None, None)
    with pytest.raises(ParameterError, match="give a balance in tokens or a budget"):
        HolderQuestion(budget_usd=None)


def test_the_eligible_balance_is_the_rules():
    r = TokenRule(min_holding=2.0, cap=10.0)
    assert [r.eligible(b) for b in (1.999, 2.0, 7.5, 10.0, 11.0)] == [0.0, 2.0, 7.5, 10.0, 10.0]
    res = cap_cost(CapQuestion(token=None, population="lognormal:1,1", holders=50, apr=0.0365,
                               min_holding=2.0, cap=10.0, sweep_points=5))
    b = res.balances
    assert res.summary["eligible_share"] == pytest.approx(
        sum(r.eligible(x) for x in b) / b.sum(), rel=1e-12)


@given(st.floats(0, 1e9), st.floats(0, 1e6), st.floats(1e-6, 1e9))
def test_the_eligible_balance_property(balance, minimum, cap):
    assume(minimum <= cap)
    e = TokenRule(min_holding=minimum, cap=cap).eligible(balance)
    if balance < minimum - EDGE_TOLERANCE:  # within it, a balance is at the minimum
        assert e == 0.0
    else:  # the balance, or an edge it is within the tolerance of
        assert 0 <= e <= cap and abs(e - min(max(balance, minimum), cap)) <= 1e-8 + 1e-15 * e
