"""The engine against hand-worked histories."""

import numpy as np
import pandas as pd
import pytest
from conftest import make_ledger
from hypothesis import given, settings
from hypothesis import strategies as st

from softstake_model import Terms, load_catalog, preset, reward_history
from softstake_model.errors import InputError

HOLD_100 = [("2025-11-01T00:00:00Z", "a", "BNB", 100)]


def hist(rows, cat, terms=None, start="2025-11-20", end="2025-11-23", **kw):
    return reward_history(make_ledger(rows), cat, terms, start=start, end=end, **kw)


def test_spec_activation_example(catalog):
    # activated on 2025-11-19 at any time: first accrual day 11-20, first payout 11-21 00-08h
    for when in ("2025-11-19T00:00:01Z", "2025-11-19T23:59:59Z"):
        h = hist(HOLD_100, catalog, start="2025-11-15", end="2025-11-25", activated_at=when)
        assert h["date"].min() == pd.Timestamp("2025-11-20")
        first = h["paid_at"].iloc[0]
        assert first.date() == pd.Timestamp("2025-11-21").date()
        assert 0 <= first.hour < 8
        # nothing accrues before activation: and days 11-15..11-19 have no rows
        assert len(h) == 6


def test_deactivation_stops_accrual_the_day_before(catalog):
    h = hist(HOLD_100, catalog, start="2025-11-20", end="2025-11-30",
             deactivated_at="2025-11-25T10:00:00Z")
    assert h["date"].max() == pd.Timestamp("2025-11-24")


def test_compounding_by_hand(plain_catalog):
    # 100 held, 3.65 % APR: a day pays balance / 10,000; payout at 04:00 of D+1, so the new
    # credit counts for 20 of the 24 hours of D+1 and in full afterwards.
    h = hist(HOLD_100, plain_catalog)
    # day 1: 100 -> 0.01
    # day 2: 100 + 0.01*20/24 = 100.0083333.. -> 0.01000083
    # day 3: 100.01 + 0.01000083*20/24 = 100.018334025 -> 0.01000183
    # day 4: 100.02000083 + 0.01000183*20/24 = 100.0283356883.. -> 0.01000283
    assert h["reward"].tolist() == [0.01, 0.01000083, 0.01000183, 0.01000283]
    assert h["avg_balance"].iloc[2] == pytest.approx(100.018334025, rel=1e-14)
    assert h["paid_at"].dt.strftime("%Y-%m-%d %H:%M").tolist() == [
        "2025-11-21 04:00", "2025-11-22 04:00", "2025-11-23 04:00", "2025-11-24 04:00"]


def test_no_compounding_keeps_the_balance(plain_catalog):
    h = hist(HOLD_100, plain_catalog, compound=False)
    assert h["reward"].tolist() == [0.01] * 4


def test_reward_credits_in_the_ledger_are_not_counted_twice(plain_catalog):
    rows = HOLD_100 + [("2025-11-21T04:00:00Z", "a", "BNB", 0.01),
                       ("2025-11-22T04:00:00Z", "a", "BNB", 0.01000083)]
    kinds = ["", "reward", "reward"]
    led = make_ledger(rows, kinds)
    with_credits = reward_history(led, plain_catalog, start="2025-11-20", end="2025-11-23")
    without = hist(HOLD_100, plain_catalog)
    assert with_credits["reward"].tolist() == without["reward"].tolist()
    # not compounding: the ledger's own two credits are the balance (reconciliation's view);
    # day 4 holds 100.02000083 all day and no third credit -> 0.01000200
    as_is = reward_history(led, plain_catalog, start="2025-11-20", end="2025-11-23",
                           compound=False)
    assert as_is["reward"].tolist() == [0.01, 0.01000083, 0.01000183, 0.010002]


def test_minimum_and_cap_from_catalogue(catalog):
    # BNB: min 0.5, cap 1000, APR 2.5 %
    rows = [("2025-11-01T00:00:00Z", "small", "BNB", 0.49),
            ("2025-11-01T00:00:00Z", "whale", "BNB", 2000)]
    h = hist(rows, catalog, end="2025-11-20")
    small, whale = h.sort_values("account").itertuples()
    assert small.reward == 0.0 and small.eligible_balance == 0.0
    assert whale.eligible_balance == 1000.0
    assert whale.reward == 0.06849315  # 1000 * 0.025 / 365 = 0.068493150..


#: Bitget's bands read in token units (the hand-worked figures below are in tokens).
BITGET_IN_TOKENS = preset("bitget_flexible").replace(tiers_unit="token")


def test_bitget_usd_bands_are_converted_at_the_price(catalog):
    # Bitget's bands are 500 / 5,000 USDT; BNB at $900 puts them at 0.5556 and 5.5556 BNB:
    # 6000 BNB earn 500/900 * 12 % + 4500/900 * 0.8 % + (6000 - 5000/900) * 0.3 %
    # = 0.0666667 + 0.04 + 17.9833333 = 18.09 a year, 0.04956164 a day truncated
    cat = catalog.copy()
    cat.loc["BNB", ["cap", "price_usd"]] = [np.inf, 900.0]
    h = hist([("2025-11-01T00:00:00Z", "a", "BNB", 6000)], cat, preset("bitget_flexible"),
             end="2025-11-20", compound=False)
    assert h["reward"].tolist() == [0.04956164]
    assert "at $900: bands at 0.555556/5.55556 tokens" in h.attrs["rule_basis"]
    assert "Binance's own" in hist([("2025-11-01T00:00:00Z", "a", "BNB", 6000)], cat,
                                   end="2025-11-20").attrs["rule_basis"]


def test_statement_credits_can_be_left_out(catalog):
    # compound=False credits nothing; the ledger's own reward credit of 1000 BNB on day 2
    # counts in the balance unless statement_credits=False (cap lifted, APR 36.5 %)
    cat = catalog.copy()
    cat.loc["BNB", ["cap", "apr"]] = [np.inf, 0.365]
    led = make_ledger([("2025-11-01T00:00:00Z", "a", "BNB", 1000),
                       ("2025-11-02T00:00:00Z", "a", "BNB", 1000)], kinds=["deposit", "reward"])
    kept = reward_history(led, cat, start="2025-11-02", end="2025-11-02", compound=False)
    left = reward_history(led, cat, start="2025-11-02", end="2025-11-02", compound=False,
                          statement_credits=False)
    assert kept["reward"].tolist() == [2.0] and left["reward"].tolist() == [1.0]


def test_bitget_tiers_and_midnight_payout(catalog):
    # 6000 constant; first day: 99/365 = 0.27123287; paid at 00:00 of D+1, so day 2 holds it
    # all day: (6000.27123287 - 5000) * 0.003 + 60 + 36 = 99.00081369.. / 365 = 0.27123510..
    cat = catalog.copy()
    cat.loc["BNB", "cap"] = np.inf
    h = hist([("2025-11-01T00:00:00Z", "a", "BNB", 6000)], cat, BITGET_IN_TOKENS,
             end="2025-11-21")
    assert h["reward"].tolist() == [0.27123287, 0.2712351]
    assert (h["paid_at"].dt.hour == 0).all()


def test_okx_fee_and_hourly_accrual(catalog):
    # 100 for hours 0-11, 40 for 12-23; minimum 60. The day's mean (70) clears the minimum,
    # but OKX accrues hour by hour: 12 hours at 100, 12 hours at 0 -> mean eligible 50;
    # 50 * 0.0365 / 365 * (1 - 0.15) = 0.00425
    cat = catalog.copy()
    cat.loc["BNB", ["min_holding", "apr"]] = [60.0, 0.0365]
    rows = [("2025-11-01T00:00:00Z", "a", "BNB", 100), ("2025-11-20T12:00:00Z", "a", "BNB", -60)]
    h = hist(rows, cat, preset("okx_simple_earn"), end="2025-11-20")
    assert h["eligible_balance"].iloc[0] == 50.0
    assert h["reward"].iloc[0] == 0.00425
    daily = hist(rows, cat, Terms(snapshot="hourly"), end="2025-11-20")
    assert daily["reward"].iloc[0] == 0.007  # 70 * 0.0001


def test_kucoin_pays_two_days_later(catalog):
    h = hist(HOLD_100, catalog, preset("kucoin_savings"), end="2025-11-20")
    assert h["paid_at"].iloc[0] == pd.Timestamp("2025-11-22T00:00:00Z")


def test_gate_fixed_snapshot(catalog):
    # Gate measures at 08:00: a balance that leaves at 07:59 earns nothing that day
    cat = catalog.copy()
    cat.loc["BNB", "apr"] = 0.0365
    rows = [("2025-11-01T00:00:00Z", "a", "BNB", 100), ("2025-11-20T07:59:00Z", "a", "BNB", -100),
            ("2025-11-20T08:01:00Z", "a", "BNB", 100)]
    h = hist(rows, cat, preset("gate_soft_staking"), end="2025-11-21")
    assert h["reward"].tolist() == [0.0, 0.01]


def test_kraken_weekly_payout(plain_catalog):
    # 2025-11-20 is a Thursday: days Thu..Sun are paid on Monday 11-24, Mon 11-24 on 12-01;
    # no compounding inside the week, so the first four days pay 0.01 each
    h = hist(HOLD_100, plain_catalog, preset("kraken_auto_earn"), end="2025-11-24")
    assert h["paid_at"].dt.strftime("%Y-%m-%d").tolist() == ["2025-11-24"] * 4 + ["2025-12-01"]
    assert h["reward"].tolist()[:4] == [0.01] * 4
    # Monday 11-24 holds the four credits (0.04) from 00:00
    assert h["avg_balance"].iloc[4] == pytest.approx(100.04, rel=1e-14)


def test_excluded_accounts_and_activation_file(catalog):
    t0 = "2025-11-01T00:00:00Z"
    rows = [(t0, "us_person", "BNB", 5), (t0, "x", "BNB", 5), (t0, "y", "SOL", 5),
            (t0, "z", "SOL", 5)]
    acts = pd.DataFrame({"account": ["x", "y", "us_person"],
                         "activated_at": pd.to_datetime(["2025-11-20T10:00Z"] * 3, utc=True),
                         "deactivated_at": pd.to_datetime([None, "2025-11-22T01:00Z", None],
                                                          utc=True),
                         "token": ["", "", ""]})
    h = hist(rows, catalog, activations=acts, excluded={"us_person"}, end="2025-11-25")
    days = h.groupby("account", observed=True)["date"].agg(["min", "max", "size"])
    assert set(days.index) == {"x", "y"}  # z never activated, us_person excluded
    assert days.loc["x", "min"] == pd.Timestamp("2025-11-21")
    assert days.loc["y", "max"] == pd.Timestamp("2025-11-21")


def test_apr_history_is_used_and_must_be_complete(plain_catalog):
    apr = pd.DataFrame({"date": pd.to_datetime(["2025-11-20", "2025-11-21"]),
                        "token": "BNB", "apr": [0.0365, 0.073]})
    h = hist(HOLD_100, plain_catalog, end="2025-11-21", apr_history=apr, compound=False)
    assert h["reward"].tolist() == [0.01, 0.02]
    with pytest.raises(InputError, match="no APR for BNB on 2025-11-22"):
        hist(HOLD_100, plain_catalog, end="2025-11-22", apr_history=apr)


def test_locked_wallet_does_not_earn(plain_catalog):
    rows = HOLD_100 + [("2025-11-20T00:00:00Z", "a", "BNB", -40),
                       ("2025-11-20T00:00:00Z", "a", "BNB", 40, "locked")]
    h = hist(rows, plain_catalog, end="2025-11-20")
    assert h["avg_balance"].iloc[0] == 60.0


@settings(max_examples=40, deadline=None)
@given(bal=st.floats(0, 5000), extra=st.floats(0, 5000))
def test_more_balance_never_pays_less(bal, extra):
    catalog = load_catalog()

    def total(b):
        rows = [("2025-11-01T00:00:00Z", "a", "BNB", b)]
        return hist(rows, catalog)["reward"].sum()

    assert total(bal) <= total(bal + extra) + 1e-12


def test_range_defaults_to_the_ledger(plain_catalog):
    led = make_ledger([("2025-11-01T10:00:00Z", "a", "BNB", 100),
                       ("2025-11-03T18:00:00Z", "a", "BNB", -50)])
    h = reward_history(led, plain_catalog)
    # first and last day of the ledger: Nov 1 (100 from 10:00: 100 * 14/24) to Nov 3
    assert h["date"].dt.day.tolist() == [1, 2, 3]
    assert h["avg_balance"].iloc[0] == pytest.approx(100 * 14 / 24, rel=1e-12)
    assert reward_history(led, plain_catalog, end="2025-11-02")["date"].dt.day.tolist() == \
        [1, 2]


def test_history_shows_the_rate_the_tiers_paid(catalog):
    # an APR of 50 % with Bitget's tiers: the tiers set the reward, and the history's apr
    # column says the rate they paid on 6000 (99 a year / 6000 = 1.65 %), not 50 %
    cat = catalog.copy()
    cat.loc["BNB", ["apr", "cap"]] = [0.5, np.inf]
    h = hist([("2025-11-01T00:00:00Z", "a", "BNB", 6000)], cat, BITGET_IN_TOKENS,
             start="2025-11-20", end="2025-11-20", compound=False)
    assert h["reward"].iloc[0] == 0.27123287  # 99 / 365, truncated
    assert h["apr"].iloc[0] == pytest.approx(0.0165, rel=1e-12)
