import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from softstake_model.errors import ParameterError
from softstake_model.rules import (
    EDGE_TOLERANCE,
    daily_reward,
    eligible,
    gross,
    parse_tiers,
    payout,
    truncate,
)

BITGET = ((500.0, 0.12), (5000.0, 0.008), (np.inf, 0.003))


def test_bitget_published_example_truncates_not_rounds():
    # Bitget: 100 at 8 % for one day pays 0.02191780 (100*0.08/365 = 0.021917808...)
    assert daily_reward(100, 0.08) == pytest.approx(0.0219178, abs=0)
    assert truncate(0.021917808219, 8) == 0.0219178  # rounding would give 0.02191781


def test_exact_decimal_is_not_lost_to_float_noise():
    # 0.5 * 0.0365 / 365 = 0.00005 exactly; a naive floor of 4999.999... would give 0.00004999
    assert daily_reward(0.5, 0.0365) == 0.00005
    assert truncate(0.1 + 0.2, 1) == 0.3


def test_minimum_and_cap():
    assert eligible([0.4, 0.5, 10, 2000], 0.5, 1000).tolist() == [0.0, 0.5, 10.0, 1000.0]


def test_tiers_by_hand():
    # 6000 in Bitget's bands: 500*12% + 4500*0.8% + 1000*0.3% = 60 + 36 + 3 = 99 a year
    assert gross(6000, 0.0, BITGET) == pytest.approx(99 / 365, rel=1e-15)
    assert daily_reward(6000, 0.0, tiers=BITGET) == 0.27123287  # 0.271232876...
    # 300 stays in the first band: 300 * 0.12 / 365 = 0.0986301369...
    assert daily_reward(300, 0.0, tiers=BITGET) == 0.09863013


@pytest.mark.parametrize(("kw", "words"), [
    ({"fee": 1.0}, "fee must be in [0, 1), got 1"),  # a fee of 1 pays nothing: refused
    ({"fee": -0.01}, "fee must be in [0, 1), got -0.01"),
    ({"precision": 13}, "precision must be in 0..12, got 13"),
    ({"precision": -1}, "precision must be in 0..12, got -1"),
])
def test_daily_reward_and_terms_refuse_the_same_fee_and_precision(kw, words):
    from softstake_model.terms import Terms

    with pytest.raises(ParameterError) as rule:
        daily_reward(100, 0.08, **kw)
    with pytest.raises(ParameterError) as terms:
        Terms(**kw)
    assert str(rule.value) == str(terms.value) == words


def test_daily_reward_takes_the_edges_of_fee_and_precision():
    assert daily_reward(100, 0.08, fee=0.0, precision=0) == 0.0  # 0.0219... truncated
    # 100 * 0.08 / 365 * 0.001 = 0.0000219178082...: 12 decimals kept
    assert daily_reward(100, 0.08, fee=0.999, precision=12) == 0.000021917808


def test_fee_then_truncation():
    # 100 * 0.08 / 365 * 0.85 = 0.018630136986... -> 0.01863013
    assert daily_reward(100, 0.08, fee=0.15) == 0.01863013


def test_days_per_year_is_used():
    assert daily_reward(100, 0.08, days_per_year=360) == 0.02222222


@pytest.mark.parametrize("text", ["500:0.12,5000", "500:x,inf:0.1", "500:0.1,400:0.1,inf:0",
                                  "500:0.1,1000:0.1", "inf:-0.1", ""])
def test_bad_tiers(text):
    with pytest.raises(ParameterError, match="^tiers "):
        parse_tiers(text)


def test_parse_tiers():
    assert parse_tiers("500:0.12,5000:0.008,inf:0.003") == BITGET


balances = st.floats(0, 1e7, allow_nan=False)
rates = st.floats(0, 2, allow_nan=False)


@given(share=st.floats(0, 1, exclude_max=True), apr=rates, mn=st.floats(1e-6, 1e4),
       cap=st.floats(1e-3, 1e6))
def test_zero_below_minimum(share, apr, mn, cap):
    avg = share * mn  # below the minimum by construction
    assume(avg < mn - EDGE_TOLERANCE)  # (within it, a balance is at the minimum)
    assert daily_reward(avg, apr, mn, cap) == 0.0


@given(avg=st.floats(0, 1e6), apr=rates, cap=st.floats(1e-3, 1e6))
def test_linear_up_to_cap(avg, apr, cap):
    e = min(avg, cap)
    assert gross(eligible(avg, 0, cap), apr) == pytest.approx(e * apr / 365, rel=1e-12)
    # truncation takes off less than one unit of the 8th decimal (and adds at most float noise)
    true, r = e * apr / 365, daily_reward(avg, apr, 0, cap)
    assert -4e-15 * true <= true - r < 1e-8 * (1 + 1e-9)


@given(cap=st.floats(1e-3, 1e6), extra=st.floats(0, 1e6), apr=rates)
def test_flat_above_cap(cap, extra, apr):
    assert daily_reward(cap + extra, apr, 0, cap) == daily_reward(cap, apr, 0, cap)


@given(a=balances, b=balances, apr=rates, mn=st.floats(0, 1e3), cap=st.floats(1e-3, 1e6))
def test_monotone_in_balance(a, b, apr, mn, cap):
    lo, hi = min(a, b), max(a, b)
    assert daily_reward(lo, apr, mn, cap, tiers=BITGET) <= daily_reward(hi, apr, mn, cap,
                                                                         tiers=BITGET)
    assert daily_reward(lo, apr, mn, cap) <= daily_reward(hi, apr, mn, cap)


# --- the inverse of the rule: the APR a reward implies, the rate tiers paid -------------------

def test_implied_apr_by_hand():
    from softstake_model.rules import implied_apr

    # 0.00425 paid on 50 eligible, 15 % fee: 0.00425 / 0.85 * 365 / 50 = 0.0365
    assert implied_apr(0.00425, 50, fee=0.15) == pytest.approx(0.0365, rel=1e-12)
    assert np.isnan(implied_apr(1.0, 0.0))  # nothing eligible: no rate


@given(st.floats(1, 1e7), st.floats(0.0001, 1), st.sampled_from([0.0, 0.1, 0.15]))
def test_the_true_apr_lies_in_the_interval_truncation_leaves(balance, apr, fee):
    from softstake_model.rules import implied_apr, payout

    r = payout(balance, apr, fee=fee)
    low = implied_apr(r, balance, fee=fee)
    high = implied_apr(r + 1e-8, balance, fee=fee)
    assert low <= apr * (1 + 1e-9) and apr < high * (1 + 1e-9)


def test_rate_paid_by_tiers_by_hand():
    from softstake_model.rules import rate_paid

    # 6000 in Bitget's bands pays 99 a year: 99 / 6000 = 1.65 %, whatever the flat APR says
    e = np.array([6000.0, 0.0])
    assert rate_paid(gross(e, 0.5, BITGET), e, 0.5, BITGET).tolist() == pytest.approx(
        [0.0165, 0.12], rel=1e-12)
    assert rate_paid(gross(e, 0.5), e, 0.5).tolist() == [0.5, 0.5]  # flat: the APR itself


# --- the edges within the 8-decimal tolerance (issue 20) -------------------------------

def test_sum_of_decimals_at_the_minimum_earns():
    # 0.06 + 0.57 + 0.37 = 0.9999999999999999 in floats, 1 SOL at 8 decimals: at the
    # 1 SOL minimum, so it earns; 1 SOL at 3.65 % pays 1 * 0.0365 / 365 = 0.0001 a day
    held = 0.06 + 0.57 + 0.37
    assert held < 1.0
    assert float(eligible(held, 1.0, np.inf)) == 1.0
    assert float(daily_reward(held, 0.0365, 1.0)) == 0.0001
    # two units of the 8th decimal short is below the minimum
    assert float(daily_reward(0.99999998, 0.0365, 1.0)) == 0.0


def test_sum_of_decimals_at_the_cap_and_a_tier_bound():
    held = 0.1 + 0.2 + 0.7 + 9.0  # 10.000000000000002 in floats, 10 at 8 decimals
    assert float(eligible(held, 1.0, 10.0)) == 10.0
    assert float(eligible(10.00000002, 1.0, 10.0)) == 10.0  # above the cap: the cap
    # tiers 10 at 3.65 %, then 0 %: 10 * 0.0365 / 365 = 0.001
    t = ((10.0, 0.0365), (np.inf, 0.0))
    assert float(payout(held, 0.0, tiers=t)) == 0.001
    assert float(payout(9.99999999999999, 0.0, tiers=t)) == 0.001


def test_yields_curve_applies_the_tolerance():
    from softstake_model.projection import effective_apr_curve

    c = effective_apr_curve([0.06 + 0.57 + 0.37, 0.5], 0.0365, min_holding=1.0)
    assert c["daily_reward"].tolist() == [0.0001, 0.0]
