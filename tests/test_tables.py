"""The checked table reader and the time parser: what they accept, and where they say it is
wrong (file, line with the header as line 1, column)."""

import numpy as np
import pandas as pd
import pytest

from softstake_model.caps import read_balances
from softstake_model.errors import InputError, ParameterError
from softstake_model.liquidity import read_withdrawal_rates
from softstake_model.tables import (
    Column,
    iter_table,
    parse_date,
    parse_dates,
    parse_time,
    parse_times,
    read_header,
    read_prices,
    read_table,
    reject_rows,
)

LEDGER = [Column("time", "time"), Column("account"), Column("token"),
          Column("change", "number")]


def write(tmp_path, text, name="t.csv", raw=False):
    p = tmp_path / name
    if raw:
        p.write_bytes(text)
    else:
        p.write_text(text)
    return p


def error(fn, *args, **kw):
    with pytest.raises(InputError) as e:
        fn(*args, **kw)
    return e.value


def test_reads_parses_and_keeps_lines(tmp_path):
    p = write(tmp_path, "time,account,token,change,note\n"
              "2025-11-20T10:00:00+02:00, a ,BNB,1.5,x\n"
              "2025-11-20T07:00:00Z,b,SOL,-2,y\n")
    t = read_table(p, LEDGER)
    assert list(t.columns) == ["time", "account", "token", "change", "line"]
    assert t["time"].tolist() == [pd.Timestamp("2025-11-20T08:00Z"),
                                  pd.Timestamp("2025-11-20T07:00Z")]
    assert str(t["time"].dtype) == "datetime64[ns, UTC]"
    assert t["account"].tolist() == ["a", "b"]
    assert t["change"].tolist() == [1.5, -2.0]
    assert t["line"].tolist() == [2, 3]
    assert t.attrs["file"] == str(p)
    assert read_table(p, LEDGER, keep=["note"])["note"].tolist() == ["x", "y"]


@pytest.mark.parametrize("text, bad_line", [
    ("\ufefftime,account,token,change\r\n2025-11-20T07:00:00Z,\"a,b\",BNB,1\r\n"
     "2025-11-20T07:00:00Z,c,BNB,1\r\n2025-11-20T07:00:00,d,BNB,1\r\n", 4),
    # a record on two lines (2-3) and a blank line (4) both shift the lines after them
    ("time,account,token,change\n2025-11-20T07:00:00Z,\"a\nb\",BNB,1\n\n"
     "2025-11-20T07:00:00,d,BNB,1\n", 5),
    # a space before a quoted field: the C engine reads it
    ("time,account,token,change\n2025-11-20T07:00:00Z, \"a,b\",BNB,1\n"
     "2025-11-20T07:00:00Z,c,BNB,1\n2025-11-20T07:00:00,d,BNB,1\n", 4),
])
def test_line_numbers_with_bom_crlf_quotes_and_blank_lines(tmp_path, text, bad_line):
    p = write(tmp_path, text.encode(), raw=True)
    e = error(read_table, p, LEDGER)
    assert (e.file, e.line, e.column) == (str(p), bad_line, "time")
    assert "has no time zone" in e.reason
    good = text.replace("2025-11-20T07:00:00,d", "2025-11-20T07:00:00Z,d")
    t = read_table(write(tmp_path, good.encode(), raw=True), LEDGER)
    assert t["account"].iloc[0].replace("\n", ",") == "a,b"
    assert t["line"].iloc[-1] == bad_line


def test_chunks_number_lines_across_chunks(tmp_path):
    rows = "".join(f"2025-11-20T07:00:00Z,a{i},BNB,{i}\n" for i in range(5))
    p = write(tmp_path, "time,account,token,change\n" + rows + "2025-11-20,z,BNB,1\n")
    chunks = []
    with pytest.raises(InputError, match="line 7, column 'time'"):
        for c in iter_table(p, LEDGER, chunksize=2):
            chunks.append(c)
    assert [c["line"].tolist() for c in chunks] == [[2, 3], [4, 5]]
    p = write(tmp_path, "time,account,token,change\n" + rows.replace("a1,", '"a,1",') + "\n")
    lines = [c["line"].tolist() for c in iter_table(p, LEDGER, chunksize=2)]
    assert lines == [[2, 3], [4, 5], [6]]


@pytest.mark.parametrize("text, reason", [
    ("time,account,change,change\n", "duplicate header column(s) ['change']"),
    ("time,account,change\n", "missing column(s) ['token']; the header has "
                              "['time', 'account', 'change']"),
    ("", "empty file"),
])
def test_header_errors_are_on_line_1(tmp_path, text, reason):
    e = error(read_table, write(tmp_path, text), LEDGER)
    assert e.line == 1 and e.reason.startswith(reason)


def test_missing_file_and_directory(tmp_path):
    e = error(read_table, tmp_path / "nope.csv", LEDGER)
    assert str(e) == f"{tmp_path / 'nope.csv'}: file not found"
    e = error(read_table, tmp_path, LEDGER)
    assert e.reason.startswith("is a directory")
    with pytest.raises(InputError, match="file not found"):
        read_header(tmp_path / "nope.csv")


@pytest.mark.parametrize("value, column, reason", [
    ("2025-11-20T07:00:00Z,a,BNB,inf", "change", "'inf' is not a finite number"),
    ("2025-11-20T07:00:00Z,a,BNB,nan", "change", "'nan' is not a finite number"),
    ("2025-11-20T07:00:00Z,a,BNB,1e", "change", "'1e' is not a finite number"),
    ("2025-11-20T07:00:00Z,a,BNB,", "change", "'' is not a finite number"),
    ("2025-11-20T07:00:00Z,,BNB,1", "account", "empty value"),
    (",a,BNB,1", "time", "empty value"),
    ("2025-11-20 07:00:00,a,BNB,1", "time", "time '2025-11-20 07:00:00' has no time zone"),
    ("2025-11-20,a,BNB,1", "time", "time '2025-11-20' has no time zone"),
    ("2025-13-20T07:00:00Z,a,BNB,1", "time", "'2025-13-20T07:00:00Z' is not an ISO-8601"),
])
def test_first_bad_value_names_line_and_column(tmp_path, value, column, reason):
    p = write(tmp_path, f"time,account,token,change\n2025-11-20T07:00:00Z,a,BNB,1\n{value}\n")
    e = error(read_table, p, LEDGER)
    assert (e.file, e.line, e.column) == (str(p), 3, column)
    assert e.reason.startswith(reason)


def test_number_constraints(tmp_path):
    p = write(tmp_path, "n,i\n0.5,3\n1.5,4\n")
    e = error(read_table, p, [Column("n", "number", low=0, high=1)])
    assert (e.line, e.column, e.reason) == (3, "n", "'1.5' is not a number in [0, 1]")
    e = error(read_table, p, [Column("n", "number", low=0.5, low_open=True)])
    assert (e.line, e.reason) == (2, "'0.5' is not a number > 0.5")
    e = error(read_table, p, [Column("n", "number", high=1, what="a fraction")])
    assert e.reason == "'1.5' is not a fraction"
    e = error(read_table, p, [Column("n", "integer")])
    assert (e.line, e.reason) == (2, "'0.5' is not an integer")
    t = read_table(p, [Column("i", "integer")])
    assert t["i"].dtype == np.int64 and t["i"].tolist() == [3, 4]
    p = write(tmp_path, "cap\ninf\n\n5\n")
    t = read_table(p, [Column("cap", "number", finite=False, allow_empty=True)])
    assert t["cap"].tolist() == [np.inf, 5.0] and t["line"].tolist() == [2, 4]


def test_optional_columns_and_empty_values(tmp_path):
    p = write(tmp_path, "d,t\n2025-11-20,\n")
    t = read_table(p, [Column("d", "date"), Column("t", "time", allow_empty=True),
                       Column("x", required=False)])
    assert t["d"].iloc[0] == pd.Timestamp("2025-11-20") and pd.isna(t["t"].iloc[0])
    assert "x" not in t


@pytest.mark.parametrize("value", ["2025-11-20garbage", "2025-11-31", "20-11-2025",
                                   "2025-1-5", "2025-11-20T00:00:00Z"])
def test_dates_are_exactly_yyyy_mm_dd(tmp_path, value):
    e = error(read_table, write(tmp_path, f"date\n2025-11-19\n{value}\n"), [Column("date", "date")])
    assert (e.line, e.column, e.reason) == (3, "date", f"'{value}' is not a date YYYY-MM-DD")
    with pytest.raises(ParameterError) as p:
        parse_date(value, "start")
    assert str(p.value) == f"start is not a date YYYY-MM-DD: '{value}'"
    assert p.value.param == "start"


def test_time_with_a_format_is_utc(tmp_path):
    p = write(tmp_path, "UTC_Time\n2025-01-04 11:20:13\n05/01/2025 09:00\n")
    col = Column("UTC_Time", "time", format="%Y-%m-%d %H:%M:%S")
    e = error(read_table, p, [col])
    assert (e.line, e.reason) == (3, "'05/01/2025 09:00' is not a time like 2025-01-04 11:20:13")
    s = parse_times(pd.Series(["2025-01-04 11:20:13"]), format=col.format)
    assert s.iloc[0] == pd.Timestamp("2025-01-04T11:20:13Z")


def test_vectorised_parsers_and_reject_rows():
    s = parse_times(pd.Series(["2025-11-20T08:00:00.5-0500", "2025-11-20T08:00Z"]))
    assert s.tolist() == [pd.Timestamp("2025-11-20T13:00:00.5Z"),
                          pd.Timestamp("2025-11-20T08:00Z")]
    with pytest.raises(InputError, match="^f.csv, line 9, column 'c': time '2025-11-20T08:00'"):
        parse_times(pd.Series(["2025-11-20T08:00Z", "2025-11-20T08:00"]), np.array([4, 9]),
                    file="f.csv", column="c")
    assert parse_dates(pd.Series(["2025-02-28"])).iloc[0] == pd.Timestamp("2025-02-28")
    table = pd.DataFrame({"x": [1, -1], "line": [2, 7]})
    table.attrs["file"] = "f.csv"
    reject_rows(table, table["x"] > 5, "x", lambda i: "never")
    with pytest.raises(InputError, match="^f.csv, line 7, column 'x': -1 is negative$"):
        reject_rows(table, table["x"] < 0, "x", lambda i: f"{table['x'].iloc[i]} is negative")


def test_parse_time():
    assert parse_time("2025-11-20T10:00:00+02:00", "at") == pd.Timestamp("2025-11-20T08:00Z")
    assert parse_time(pd.Timestamp("2025-11-20 10:00", tz="Europe/Paris"), "at") == \
        pd.Timestamp("2025-11-20T09:00Z")
    for value, reason in [("2025-11-19", "has no time zone: '2025-11-19'"),
                          (pd.Timestamp("2025-11-19"), "has no time zone"),
                          ("2025-13-19T00:00Z", "is not an ISO-8601 time"),
                          (None, "is required"), (5, "is not an ISO-8601 time")]:
        with pytest.raises(ParameterError) as e:
            parse_time(value, "activated_at")
        assert e.value.param == "activated_at" and e.value.reason.startswith(reason), value


def test_parse_date():
    assert parse_date("2025-11-20", "start") == pd.Timestamp("2025-11-20")
    assert parse_date(pd.Timestamp("2025-11-20T00:00Z"), "start") == pd.Timestamp("2025-11-20")
    assert parse_date(pd.Timestamp("2025-11-20").date(), "start") == pd.Timestamp("2025-11-20")
    with pytest.raises(ParameterError, match="^start is not a whole day: "):
        parse_date(pd.Timestamp("2025-11-20T01:00Z"), "start")
    with pytest.raises(ParameterError, match="^end is required"):
        parse_date(None, "end")


def test_read_prices(tmp_path):
    p = write(tmp_path, "Date,Close\n2025-11-01,\"1,000\"\n", "p.csv")
    e = error(read_prices, p)
    assert (e.line, e.column, e.reason) == (2, "Close", "'1,000' is not a positive price")
    p = write(tmp_path, "date,close,price\n2025-11-01,9,600.5\n2025-11-02,9,601\n", "p.csv")
    s = read_prices(p)
    assert s.tolist() == [600.5, 601.0] and s.name == "price"
    for body in ["price\n1\n0\n", "price\n1\n-3\n", "price\n1\ninf\n", "price\n1\n\n2\nx\n"]:
        e = error(read_prices, write(tmp_path, body, "p.csv"))
        assert e.column == "price" and e.line == (5 if "x" in body else 3), body
    e = error(read_prices, write(tmp_path, "date,value\n", "p.csv"))
    assert e.line == 1 and "'price' or 'close'" in e.reason


def test_read_balances(tmp_path):
    assert read_balances(write(tmp_path, "balance\n0\n2.5\n")).tolist() == [0.0, 2.5]
    e = error(read_balances, write(tmp_path, "balance\n1\n-1\n"))
    assert (e.line, e.column, e.reason) == (3, "balance", "'-1' is not a non-negative number")
    with pytest.raises(InputError, match="no balances"):
        read_balances(write(tmp_path, "balance\n"))


RATES = [(0, 1, 0.1), (0, 2, 0.0), (0, 3, 0.2), (10, 1, 0.3), (10, 2, 0.4), (10, 3, 0.5),
         (2, 1, 0.6), (2, 2, 0.7), (2, 3, 0.8)]


def rates_file(tmp_path, rows):
    return str(write(tmp_path, "path,day,rate\n" + "".join(f"{p},{d},{r}\n" for p, d, r in rows),
                     "rates.csv"))


def test_withdrawal_rates_sorted_and_shuffled_agree(tmp_path):
    # columns are paths in numeric order 0, 2, 10; rows are days 1..3
    want = [[0.1, 0.6, 0.3], [0.0, 0.7, 0.4], [0.2, 0.8, 0.5]]
    by_path = sorted(RATES)
    assert read_withdrawal_rates(rates_file(tmp_path, by_path)).tolist() == want
    shuffled = [RATES[i] for i in (4, 0, 8, 1, 3, 7, 2, 6, 5)]
    assert read_withdrawal_rates(rates_file(tmp_path, shuffled)).tolist() == want
    assert read_withdrawal_rates(rates_file(tmp_path, by_path), days=3).tolist() == want


@pytest.mark.parametrize("rows, days, line, column, reason", [
    (sorted(RATES)[:-1], None, None, "day", "path 10 has no rate for day 3"),
    (sorted(RATES), 2, 4, "day", "day 3 is beyond the horizon of 2 days"),
    ([*sorted(RATES), (2, 3, 0.1)], None, 11, "day", "path 2 day 3 appears twice"),
    ([(0, 1, 1.5)], None, 2, "rate", "'1.5' is not a number in [0, 1]"),
    ([(0, 1, 0.1), (0, 0, 0.1)], None, 3, "day", "'0' is not a number >= 1"),
    ([(0, 1.5, 0.1)], None, 2, "day", "'1.5' is not an integer"),
])
def test_withdrawal_rates_errors(tmp_path, rows, days, line, column, reason):
    e = error(read_withdrawal_rates, rates_file(tmp_path, rows), days)
    assert (e.line, e.column) == (line, column) and e.reason.startswith(reason)


def test_catalog_csv_override(tmp_path):
    from softstake_model.catalog import load_catalog

    p = write(tmp_path, "token,cap,apr\nBNB,inf,\n\"SOL\",,0.5x\n", "cat.csv")
    e = error(load_catalog, p)
    assert (e.line, e.column, e.reason) == (3, "apr", "'0.5x' is not a finite number")
    cat = load_catalog(write(tmp_path, "token,cap,apr\nBNB,inf,\nSOL,,0.05\n", "cat.csv"))
    assert cat.loc["BNB", "cap"] == np.inf and cat.loc["SOL", "apr"] == 0.05
    e = error(load_catalog, write(tmp_path, "token,apr\nBNB,0.01\nbnb,0.02\n", "cat.csv"))
    assert (e.line, e.column, e.reason) == (3, "token", "token 'BNB' appears twice")
