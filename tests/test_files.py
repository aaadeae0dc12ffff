"""Output files: CSV text (as pandas writes it), Parquet, atomic replacement."""

import math
import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softstake_model import files
from softstake_model.errors import ParameterError
from softstake_model.files import atomic_write, csv_chunks, csv_text, write_csv, write_table


def text_of(frame: pd.DataFrame, chunk_rows: int = 1_000_000) -> str:
    return b"".join(csv_chunks(frame, chunk_rows)).decode()


def pandas_text(frame: pd.DataFrame) -> str:
    """How the package wrote CSV before: strftime per row, then pandas ``to_csv``."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            out[col] = s.dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        elif pd.api.types.is_datetime64_dtype(s):
            out[col] = s.dt.strftime("%Y-%m-%d")
    return out.to_csv(index=False, lineterminator="\n")


@pytest.fixture
def history():
    return pd.DataFrame({
        "date": pd.to_datetime(["2025-11-20", "2025-11-21", None]),
        "account": ["a", 'b,"c"', None],
        "token": pd.Categorical(["BNB", "SOL", "BNB"]),
        "avg_balance": [100.0, 1e-05, np.nan],
        "reward": [0.01, float("inf"), -0.0],
        "days": [1, 2, 3],
        "eligible": [True, False, True],
        "paid_at": pd.to_datetime(["2025-11-21T04:00:00Z", "2025-11-22T12:30:05+02:00",
                                   None], utc=True),
    })


def test_csv_text_written_by_hand(history):
    assert text_of(history) == (
        "date,account,token,avg_balance,reward,days,eligible,paid_at\n"
        "2025-11-20,a,BNB,100.0,0.01,1,True,2025-11-21T04:00:00Z\n"
        '2025-11-21,"b,""c""",SOL,1e-05,inf,2,False,2025-11-22T10:30:05Z\n'
        ",,BNB,,-0.0,3,True,\n")


def test_same_text_as_pandas_in_any_chunking(history):
    rng = np.random.default_rng(3)
    n = 5000
    big = pd.DataFrame({
        "date": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 40, n), "D"),
        "account": [f"u{i}" for i in rng.integers(0, 300, n)],
        "x": rng.lognormal(0, 12, n) * rng.choice([-1, 1], n),
        "y": np.round(rng.lognormal(-3, 2, n), 8),
        "k": rng.integers(-10**12, 10**12, n),
        "t": pd.Timestamp("2025-01-01", tz="UTC") + pd.to_timedelta(
            rng.integers(0, 10**7, n), "s"),
    })
    for frame in (history, big):
        expected = pandas_text(frame)
        assert text_of(frame) == expected
        assert text_of(frame, chunk_rows=7) == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=50))
def test_floats_are_python_repr_and_read_back(values):
    frame = pd.DataFrame({"v": values, "n": 0})
    fields = [line.split(",")[0] for line in text_of(frame).splitlines()[1:]]
    for v, f in zip(values, fields, strict=True):
        assert f == ("" if math.isnan(v) else repr(v))
        assert math.isnan(v) if f == "" else float(f) == v


def test_float_edges():
    values = [0.0, 1e-4, 9.999999999999999e-05, 1e16, 9999999999999998.0, 123456789012345.6,
              2.0**53, 5e-324, 1.7976931348623157e308, 0.1 + 0.2]
    fields = text_of(pd.DataFrame({"v": values})).splitlines()[1:]
    assert fields == ["0.0", "0.0001", "9.999999999999999e-05", "1e+16", "9999999999999998.0",
                      "123456789012345.6", "9007199254740992.0", "5e-324",
                      "1.7976931348623157e+308", "0.30000000000000004"]


def test_lone_empty_field_is_quoted_and_odd_headers():
    assert text_of(pd.DataFrame({"s": ["", "x"]})) == 's\n""\nx\n'
    assert text_of(pd.DataFrame({"a,b": [1], 'q"': [2]})) == '"a,b","q"""\n1,2\n'
    assert text_of(pd.DataFrame({"a": pd.Series([], dtype=float)})) == "a\n"


def test_other_dtypes_as_str():
    frame = pd.DataFrame({"o": [1, "x", None], "d": pd.to_timedelta([1, 2, 3], unit="h")})
    assert text_of(frame) == pandas_text(frame)


def test_csv_text_formats_datetimes_only(history):
    t = csv_text(history)
    assert t["date"].tolist()[:2] == ["2025-11-20", "2025-11-21"] and pd.isna(t["date"][2])
    assert t["paid_at"][1] == "2025-11-22T10:30:05Z"
    assert t["avg_balance"][0] == 100.0


def test_write_csv_stdout_and_file(history, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(files, "CSV_CHUNK_ROWS", 1000)
    write_csv(history, None)
    assert capsys.readouterr().out == text_of(history)
    out = tmp_path / "h.csv"
    write_csv(history, out)
    assert out.read_bytes() == text_of(history).encode()
    # rows without quoted fields and rows with them, in turn, into one file
    mixed = pd.DataFrame({"account": [f"u{i}" for i in range(3000)], "x": np.arange(3000) / 7})
    mixed.loc[1500, "account"] = "a,b"
    write_csv(mixed, out)
    assert out.read_text() == pandas_text(mixed)


def test_write_table_parquet_round_trip(history, tmp_path):
    out = tmp_path / "h.parquet"
    write_table(history, out)
    back = pd.read_parquet(out)
    pd.testing.assert_frame_equal(back, history, check_dtype=False)
    assert str(back["paid_at"].dt.tz) == "UTC"
    assert out.read_bytes()[:4] == b"PAR1"
    csv = tmp_path / "h.csv"
    write_table(history, csv)
    assert csv.read_text() == text_of(history)


def test_failed_write_keeps_the_good_file(tmp_path):
    out = tmp_path / "h.csv"
    out.write_text("good")

    def broken(handle):
        handle.write("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(out, broken)
    assert out.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["h.csv"]


def test_missing_folder_names_the_parameter(history, tmp_path):
    with pytest.raises(ParameterError) as e:
        write_table(history, tmp_path / "nope" / "h.parquet")
    assert e.value.param == "out"
    assert str(e.value) == f"out folder '{tmp_path / 'nope'}' does not exist"


def test_chunk_rows_must_be_positive(history):
    with pytest.raises(ParameterError, match="chunk_rows must be >= 1"):
        text_of(history, chunk_rows=0)


def test_constant_and_repeated_float_columns():
    # a column with few distinct values is formatted value by value; equal columns share
    # their text, but only when equal bit for bit (0.0 and -0.0 differ)
    rng = np.random.default_rng(8)
    n = 20_000
    a = rng.lognormal(0, 3, n)
    apr = np.full(n, 0.025)
    apr[[5, 17_000]] = [np.nan, 1e-05]
    frame = pd.DataFrame({"a": a, "b": a.copy(), "apr": apr, "zero": 0.0, "neg": -0.0,
                          "c": -a})
    text = text_of(frame, chunk_rows=8_192)
    assert text == pandas_text(frame)
    lines = text.splitlines()
    assert lines[1].split(",")[3:5] == ["0.0", "-0.0"]
    assert lines[6].split(",")[2] == "" and lines[17_001].split(",")[2] == "1e-05"


def test_written_files_get_the_usual_mode(history, tmp_path):
    out = tmp_path / "h.csv"
    write_csv(history, out)
    mask = os.umask(0)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~mask
    out.chmod(0o640)
    write_table(history, out)  # replacing a file keeps its mode
    assert out.stat().st_mode & 0o777 == 0o640
