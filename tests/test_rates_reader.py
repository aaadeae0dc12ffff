"""The fast read of a withdrawal-rates file (issue 24): same array as the checked reader,
and every file it cannot vouch for goes to the checked reader (same errors)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softstake_model.errors import InputError
from softstake_model.liquidity import read_withdrawal_rates
from softstake_model.liquidity.reader import _checked_rates, _fast_rates


def write(tmp_path, text: str, name: str = "r.csv") -> str:
    p = tmp_path / name
    p.write_bytes(text.encode())
    return str(p)


def test_sorted_integer_file_read_fast_by_hand(tmp_path):
    f = write(tmp_path, "path,day,rate\n3,1,0.1\n3,2,0.25\n7,1,0\n7,2,1\n")
    want = [[0.1, 0.0], [0.25, 1.0]]  # (days, paths): path 3 then path 7
    assert _fast_rates(f, None).tolist() == want
    assert read_withdrawal_rates(f).tolist() == want
    assert _checked_rates(f, None).tolist() == want


@pytest.mark.parametrize("text", [
    "path,day,rate\na,1,0.1\na,2,0.2\n",          # ids are not integers
    "path,day,rate\n1,2,0.1\n1,1,0.2\n",          # days out of order
    "path,day,rate\n2,1,0.1\n1,1,0.2\n",          # paths out of order
    "path,day,rate\n1,1,0.1\n1,2,nan\n",          # NaN
    "path,day,rate\n1,1,0.1\n1,2,1.5\n",          # above 1
    "path,day,rate\n1,1,0.1\n1,2,\n",             # blank
    "day,path,rate\n1,1,0.1\n2,1,0.2\n",          # another header order
    "path,day,rate,x\n1,1,0.1,a\n1,2,0.2,b\n",    # another column
    "path,day,rate\n1,1,0.1\n1,1,0.2\n",          # a repeated day
    "path,day,rate\n",                            # no rows
])
def test_files_it_cannot_vouch_for_go_to_the_checked_reader(tmp_path, text):
    f = write(tmp_path, text)
    assert _fast_rates(f, None) is None


def test_a_bad_file_gives_the_checked_readers_message(tmp_path):
    f = write(tmp_path, "path,day,rate\n1,1,0.1\n1,2,1.5\n")
    with pytest.raises(InputError) as e:
        read_withdrawal_rates(f)
    assert "line 3" in str(e.value) and "rate" in str(e.value)


def test_horizon_shorter_than_the_file_is_refused_by_the_checked_reader(tmp_path):
    f = write(tmp_path, "path,day,rate\n1,1,0.1\n1,2,0.2\n")
    assert _fast_rates(f, 1) is None
    with pytest.raises(InputError, match="beyond the horizon of 1 days"):
        read_withdrawal_rates(f, days=1)


@settings(max_examples=60, deadline=None)
@given(ids=st.lists(st.integers(-10**6, 10**6), min_size=1, max_size=6, unique=True),
       h=st.integers(1, 5), data=st.data())
def test_fast_and_checked_readers_agree(tmp_path_factory, ids, h, data):
    ids = sorted(ids)
    rates = data.draw(st.lists(st.floats(0, 1), min_size=len(ids) * h,
                               max_size=len(ids) * h))
    lines = [f"{p},{d + 1},{rates[i * h + d]!r}" for i, p in enumerate(ids) for d in range(h)]
    f = write(tmp_path_factory.mktemp("r"), "path,day,rate\n" + "\n".join(lines) + "\n")
    fast, checked = _fast_rates(f, None), _checked_rates(f, None)
    assert fast is not None
    assert np.array_equal(fast, checked)
    assert fast.shape == (h, len(ids))
    assert fast[:, 0].tolist() == rates[:h]
