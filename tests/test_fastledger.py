"""The ledger's sort and balance check on arrays (fastledger.py) agrees with the careful one.

Property: on any ledger frame, ``order_and_check`` gives the same frame, or the same
one-line error, with the array path on and off.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softstake_model import ledger
from softstake_model.errors import InputError
from softstake_model.fastledger import as_text, sorted_and_checked


def careful(frame, file=None):
    saved = ledger.sorted_and_checked
    ledger.sorted_and_checked = lambda f: None
    try:
        return ledger.order_and_check(frame, file)
    finally:
        ledger.sorted_and_checked = saved


def outcome(check, frame):
    try:
        return check(frame, "l.csv")
    except InputError as e:
        return str(e)


rows = st.tuples(st.integers(0, 5), st.sampled_from(["a", "b", "c"]),
                 st.sampled_from(["BNB", "ETH"]), st.sampled_from(["free", "locked"]),
                 st.sampled_from([5.0, -2.0, 0.1, -0.1, 0.3, -1e-10, 1e308, -3.0]))


@settings(max_examples=300, deadline=None)
@given(st.lists(rows, min_size=1, max_size=12), st.booleans())
def test_array_check_agrees_with_careful_check(data, text):
    secs, acc, tok, wal, chg = map(list, zip(*data))
    frame = ledger.frame_of(
        time=pd.to_datetime(np.array(secs) * 3600, unit="s", utc=True),
        account=pd.Series(acc, dtype="str") if text else acc, token=tok,
        change=np.array(chg), wallet=np.array(wal, dtype=object),
        line=np.random.default_rng(len(data)).permutation(len(data)) + 2)
    fast, slow = outcome(ledger.order_and_check, frame), outcome(careful, frame)
    if isinstance(fast, str) or isinstance(slow, str):
        assert fast == slow
    else:
        pd.testing.assert_frame_equal(fast, slow)


def test_sorts_by_time_then_line_and_refuses_a_negative_balance():
    t = pd.to_datetime(["2025-01-02", "2025-01-01", "2025-01-01"], utc=True)
    frame = ledger.frame_of(time=t, account=["a", "a", "a"], token=["BNB"] * 3,
                            change=np.array([-4.0, 3.0, 2.0]), line=np.array([2, 4, 3]))
    out = sorted_and_checked(frame)
    assert out["line"].tolist() == [3, 4, 2]
    assert out["change"].tolist() == [2.0, 3.0, -4.0]
    frame.loc[0, "change"] = -6.0  # 2 + 3 - 6 = -1
    assert sorted_and_checked(frame) is None
    with pytest.raises(InputError, match="goes negative") as e:
        ledger.order_and_check(frame, "l.csv")
    assert "line 2" in str(e.value)


def test_as_text_keeps_text_and_converts_the_rest():
    s = pd.Series(["x", "y"], dtype="str")
    assert as_text(s) is s.array
    assert as_text([1, "b"]).tolist() == ["1", "b"]


def _converted(tmp_path):
    from softstake_model.scale import convert_ledger

    rng = np.random.default_rng(7)
    n = 400
    src = tmp_path / "l.csv"
    pd.DataFrame({
        "time": pd.to_datetime(np.sort(rng.integers(0, 86400 * 5, n)), unit="s", utc=True)
        .strftime("%Y-%m-%dT%H:%M:%SZ"),
        "account": [f"a{i}" for i in rng.integers(0, 30, n)],
        "token": rng.choice(["BNB", "ETH"], n),
        "change": np.round(rng.uniform(1, 5, n), 4),
    }).to_csv(src, index=False)
    out = tmp_path / "parts"
    convert_ledger(src, out, buckets=3)
    return out


def test_converted_ledger_in_one_read_equals_partition_by_partition(tmp_path, monkeypatch):
    from softstake_model import scale

    out = _converted(tmp_path)
    fast = scale.read_ledger_dir(out)
    assert len(fast) == 400 and fast["time"].is_monotonic_increasing
    monkeypatch.setattr(scale, "_read_all", lambda files: None)
    pd.testing.assert_frame_equal(fast, scale.read_ledger_dir(out))


@pytest.mark.parametrize("value, message", [(np.nan, "non-finite"), (-1e9, "goes negative")])
def test_bad_partition_of_a_converted_ledger_is_named(tmp_path, value, message):
    import pyarrow.parquet as pq

    from softstake_model import scale

    out = _converted(tmp_path)
    f = scale.partition_files(out)[1]
    t = pq.read_table(f).to_pandas()
    t.loc[5, "change"] = value
    t.to_parquet(f, index=False)
    with pytest.raises(InputError, match=message) as e:
        scale.read_ledger_dir(out)
    assert str(e.value).startswith(str(f))
