"""The fast read (fastread.py) gives what the careful read gives, or steps aside.

Property: on any CSV text, ``read_table`` with the fast path gives the same frame, or the
same one-line error, as ``read_table`` with the fast path switched off; and where the fast
read returns a frame, the careful read accepts the file and returns that frame.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from softstake_model import fastread, tables
from softstake_model.errors import InputError
from softstake_model.tables import Column, read_table

SPECS = {
    "name": Column("name"),
    "note": Column("note", required=False, allow_empty=True),
    "x": Column("x", "number", low=0, high=10, high_open=True),
    "y": Column("y", "number", finite=False, allow_empty=True, required=False),
    "n": Column("n", "integer", low=1, required=False),
    "t": Column("t", "time", required=False),
    "u": Column("u", "time", allow_empty=True, required=False),
    "d": Column("d", "date", required=False),
    "b": Column("b", "time", format="%Y-%m-%d %H:%M:%S", required=False),
}

VALUES = {
    "name": ["a", "bob", "", " padded ", "x,y", '"q"', "é", "tab\t", "Z"],
    "note": ["", "free", " x", "ok"],
    "x": ["0", "1.5", "9.999", "10", "-1", "", "nan", "inf", " 2 ", "1e-5", "abc", "+3",
          "1,5", "0x10"],
    "y": ["", "inf", "-inf", "nan", "1", "2.5e300", "NA"],
    "n": ["1", "2", "3.0", "1e3", "0", "2.5", "", " 4", "-3", "99999999999"],
    "t": ["2025-11-20T08:00:00Z", "2025-11-20 08:00:00Z", "2025-11-20T08:00:00+02:00",
          "2025-11-20T08:00:00.123456Z", "2025-11-20T08:00Z", "2025-11-20T08:00:00-0530",
          "2025-11-20T08:00:00+05", "2025-11-20T08:00:00", "2025-11-20", "2025-02-30T08:00:00Z",
          "1969-12-31T23:59:59Z", "2201-01-01T00:00:00Z", "2025-11-20t08:00:00z", "",
          "2025-11-20T25:00:00Z", "2025-11-20T08:00:60Z", " 2025-11-20T08:00:00Z"],
    "u": ["", "2025-11-20T08:00:00Z", "2025-11-20T08:00:00+01:00", "junk"],
    "d": ["2025-11-20", "2025-1-2", "2025-11-20garbage", "", "1960-01-01", "2025-13-01",
          "2200-12-31"],
    "b": ["2025-11-20 08:00:00", "2025-11-20T08:00:00Z", ""],
}


def careful(path, columns, keep=()):
    """read_table with the fast path switched off."""
    saved = tables.read_checked
    tables.read_checked = lambda *a, **k: None
    try:
        return read_table(path, columns, keep=keep)
    finally:
        tables.read_checked = saved


def outcome(read, path, columns, keep=()):
    try:
        return read(path, columns, keep=keep)
    except InputError as e:
        return str(e)


@st.composite
def tables_text(draw):
    names = draw(st.lists(st.sampled_from(sorted(SPECS)), min_size=1, max_size=5,
                          unique=True))
    extra = draw(st.booleans())
    header = names + (["extra"] if extra else [])
    # each column draws from a few of its values (often only valid ones)
    pools = [draw(st.lists(st.sampled_from(VALUES[n]), min_size=1, max_size=3)) for n in names]
    rows = draw(st.lists(st.tuples(*[st.sampled_from(p) for p in pools],
                                   st.sampled_from(["", "k", "k2"])),
                         min_size=0, max_size=6))
    common = {n: st.sampled_from(VALUES[n][:2]) for n in names}
    many = draw(st.lists(st.tuples(*common.values()), max_size=4))

    def field(v):
        return f'"{v.replace(chr(34), chr(34) * 2)}"' if any(c in v for c in ',"\n') else v
    lines = [",".join(header)]
    for r in list(rows) + [(*m, "k") for m in many]:
        cells = [field(v) for v in r[:len(names)]] + ([r[-1]] if extra else [])
        lines.append(",".join(cells))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    tail = draw(st.sampled_from(["", end, end + end]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    return bom + end.join(lines) + tail, [SPECS[n] for n in names], extra


@settings(max_examples=int(os.environ.get("FASTREAD_EXAMPLES", "400")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=tables_text())
def test_fast_read_agrees_with_careful_read(tmp_path, case):
    text, columns, extra = case
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode("utf-8"))
    keep = ("extra",) if extra else ()
    fast, slow = outcome(read_table, path, columns, keep), outcome(careful, path, columns, keep)
    if isinstance(slow, str) or isinstance(fast, str):
        assert fast == slow
    else:
        pd.testing.assert_frame_equal(fast, slow)
        assert fast.attrs == slow.attrs


def _canonical(tmp_path, n=50):
    rng = np.random.default_rng(3)
    secs = np.sort(rng.integers(0, 86400 * 30, n))
    times = (pd.Timestamp("2025-12-01", tz="UTC") + pd.to_timedelta(secs, unit="s"))
    frame = pd.DataFrame({"time": times.strftime("%Y-%m-%dT%H:%M:%SZ"),
                          "account": [f"a{i % 7}" for i in range(n)], "token": "BNB",
                          "change": np.round(rng.uniform(1, 100, n), 6),
                          "day": pd.Series(times.strftime("%Y-%m-%d")),
                          "k": rng.integers(1, 9, n)})
    path = tmp_path / "ledger.csv"
    frame.to_csv(path, index=False, lineterminator="\n")
    return path, frame


SPEC = [Column("time", "time"), Column("account"), Column("token"),
        Column("change", "number", low=0), Column("day", "date"), Column("k", "integer")]


def test_fast_read_takes_a_clean_file_and_matches_by_hand(tmp_path):
    path, frame = _canonical(tmp_path)
    got = fastread.read_checked(path, SPEC, list(frame.columns), [], tables.YEARS)
    assert got is not None
    assert got["time"].iloc[0] == pd.Timestamp(frame["time"].iloc[0])
    assert got["time"].dtype == "datetime64[ns, UTC]"
    assert got["day"].dtype == "datetime64[ns]"
    assert got["k"].dtype == np.int64 and got["k"].tolist() == frame["k"].tolist()
    assert got["change"].tolist() == frame["change"].tolist()
    assert got["line"].tolist() == list(range(2, len(frame) + 2))
    pd.testing.assert_frame_equal(got, careful(path, SPEC))


@pytest.mark.parametrize("edit, message", [
    (lambda s: s.replace("BNB", " BNB", 1), None),
    (lambda s: s.replace("Z,", ",", 1), "has no time zone"),
    (lambda s: s + "\n", None),
    (lambda s: s.replace("\n", "\n\n", 3), None),
])
def test_fast_read_steps_aside(tmp_path, edit, message):
    """Text to strip, a zone-less time, blank lines: the careful read decides (and names
    the line)."""
    path, frame = _canonical(tmp_path)
    path.write_text(edit(path.read_text()))
    assert fastread.read_checked(path, SPEC, list(frame.columns), [], tables.YEARS) is None
    got = outcome(read_table, path, SPEC)
    if message is None:
        pd.testing.assert_frame_equal(got, careful(path, SPEC))
    else:
        assert message in got and "line 2" in got
