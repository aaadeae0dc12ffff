"""Hostile and careless use (issue 14): every case gives its exit code and a one-line
message naming what is wrong, no traceback, no "internal error", and leaves an earlier
output untouched.

Each case is a command line run through :func:`softstake_model.cli.main` in this process
(cases that would allocate gigabytes are refused before allocating); the few that need a
real process (SIGTERM, pipes) run one.
"""

import math
import os
import signal
import stat
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from softstake_model import checks
from softstake_model.cli import main
from softstake_model.errors import InputError, ParameterError

LEDGER = "time,account,token,change\n2025-11-01T00:00:00Z,a,BNB,100\n"
EARLIER = "an earlier output\n"

FILES = {
    "l.csv": LEDGER,
    "big.csv": "time,account,token,change\n2025-11-01T00:00:00Z,a,BNB,1e308\n"
               "2025-11-02T00:00:00Z,a,BNB,1e308\n",
    "extra.csv": "time,account,token,change\n2025-11-01T00:00:00Z,a,BNB,100,extra\n",
    # a quoted newline (lines 2-3), then extra fields on line 4
    "extra2.csv": 'time,account,token,change\n2025-11-01T00:00:00Z,"a\nb",BNB,100\n'
                  "2025-11-01T00:00:00Z,a,BNB,100,9\n",
    "y1600.csv": "time,account,token,change\n1600-11-01T00:00:00Z,a,BNB,100\n",
    "y2300.csv": "time,account,token,change\n2300-11-01T00:00:00Z,a,BNB,100\n",
    "bal.csv": "balance\n1\n2\n",
    "rates_big_day.csv": "path,day,rate\n0,1,0.01\n0,100000000,0.01\n",
    "rates_header.csv": "path,day,rate\n",
    "cat5.csv": "token,apr\nBNB,5\n",
    "catmin.csv": "token,min_holding,cap\nBNB,10,5\n",
    "aprh.csv": "date,token,apr\n2025-11-20garbage,BNB,0.02\n",
    "bad.yaml": "yields: [\n",
    "tag.yaml": "yields: !!python/object/apply:os.system ['true']\n",
    # 9 axes of 8 values through one anchor: 8**9 = 134 M runs if expanded
    "grid.yaml": "yields:\n  - grid:\n      token: &v [1, 2, 3, 4, 5, 6, 7, 8]\n"
                 "      days: *v\n      apr_paths: *v\n      budget_usd: *v\n      seed: *v\n"
                 "      a: *v\n      b: *v\n      c: *v\n      d: *v\n",
}
LAUGHS = ("[&a [x,x,x,x,x,x,x,x,x], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a], "
          "&c [*b,*b,*b,*b,*b,*b,*b,*b,*b], &d [*c,*c,*c,*c,*c,*c,*c,*c,*c], "
          "&e [*d,*d,*d,*d,*d,*d,*d,*d,*d], &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]]")
R = ["rewards", "l.csv", "--start", "2025-11-20", "--end", "2025-11-21"]
S = ["stress", "--token", "BNB", "--total", "100", "--buffer", "0.1"]

# (id, argv, exit code, message fragment); "OUT" is an output path holding EARLIER
CASES = [
    # 1. outputs that destroy what they shouldn't
    ("out-is-input", R + ["--out", "l.csv"], 2, "--out 'l.csv' is the input 'l.csv'"),
    ("caps-out-is-input", ["caps", "--token", "BNB", "--balances", "bal.csv", "--out",
                           "bal.csv"], 2, "is the input 'bal.csv'"),
    ("reconcile-out-is-statement", ["reconcile", "l.csv", "--out", "l.csv"], 2,
     "is the input"),
    ("stress-two-outputs-one-file", S + ["--out", "OUT", "--daily-out", "OUT"], 2,
     "--daily-out 'OUT' is also where --out writes"),
    ("out-is-a-folder", R + ["--out", "folder/"], 0, ""),  # a folder output is allowed
    ("out-is-a-device", S + ["--out", "/dev/null"], 2, "is a special file"),
    ("out-empty", R + ["--out", ""], 2, "--out is empty"),
    ("report-out-file", ["report", "--out", "OUT", "--quick", "--notebook", "caps"], 2,
     "--out 'OUT' is a file; give a folder"),
    # 3. unbounded work
    ("stress-paths", S + ["--paths", "3000000"], 2, "--paths asks for about"),
    ("caps-holders", ["caps", "--token", "BNB", "--population", "lognormal:0,1",
                      "--holders", "600000000"], 2,
     "--holders must be in 10..10,000,000, got 600,000,000"),
    ("stress-days", S + ["--days", "100000000"], 2, "--days must be in 1..36,525"),
    ("rates-far-day", ["stress", "--token", "BNB", "--total", "100", "--buffer", "0.1",
                       "--withdrawal-rates", "rates_big_day.csv"], 1,
     "rates_big_day.csv, line 3, column 'day': day 100,000,000 is beyond"),
    ("rates-header-only", ["stress", "--token", "BNB", "--total", "100", "--buffer", "0.1",
                           "--withdrawal-rates", "rates_header.csv"], 1,
     "rates_header.csv: no rates"),
    ("scenario-grid", ["report", "--scenarios", "grid.yaml", "--out", "rep"], 1,
     "more than the 10,000 allowed"),
    ("billion-laughs", ["report", "--quick", "--notebook", "caps", "--out", "rep", "-p",
                        "token", LAUGHS], 2, "-p value expands to more than 10,000 items"),
    ("yields-days", ["yields", "project", "--balance", "100", "--token", "BNB", "--days",
                     "100000"], 2, "--days must be in 1..36,525"),
    # 4. non-finite and mis-scaled numbers
    ("overflowing-balance", ["rewards", "big.csv", "--start", "2025-11-20", "--end",
                             "2025-11-21"], 1, "big.csv, line 3, column 'change'"),
    ("tiers-nan", R + ["--tiers", "nan:0.1,inf:0.003"], 2, "--tiers"),
    ("catalogue-apr-percent", S + ["--catalog", "cat5.csv"], 1,
     "cat5.csv, column 'apr': token BNB: APR 5 is not a fraction"),
    ("apr-percent", R + ["--apr", "5"], 2, "looks like a percentage; write 0.05"),
    ("apr-convert-nan", ["apr", "convert", "--apr", "nan"], 2, "--apr must be a finite"),
    ("apy-inf", ["apr", "convert", "--apy", "inf"], 2, "--apy must be a finite"),
    ("chain-year-negative", ["apr", "chain", "SOL", "--year", "-5"], 2,
     "--year must be in [0, 200]"),
    ("chain-year-nan", ["apr", "chain", "SOL", "--year", "nan"], 2, "--year must be a finite"),
    ("chain-param-negative", ["apr", "chain", "SOL", "--param", "initial=-5"], 2,
     "initial=-5 must be a finite number >= 0"),
    ("staked-fraction-0", ["apr", "chain", "SOL", "--staked-fraction", "0"], 2,
     "--staked-fraction must be above 0"),
    ("fee-above-1", R + ["--fee", "1.5"], 2, "--fee must be in [0, 1), got 1.5"),
    ("precision-negative", R + ["--precision", "-1"], 2, "--precision must be in 0..12"),
    # 5. contradictions
    ("stress-days-0", S + ["--days", "0"], 2, "--days must be in 1..36,525, got 0"),
    ("shock-after-horizon", S + ["--days", "10", "--shock", "20:0.3"], 2,
     "--shock '20:0.3' falls after the horizon of 10 days"),
    ("rush-after-horizon", S + ["--days", "5", "--shock-fraction", "0.2"], 2,
     "--shock-day 10 falls after the horizon of 5 days"),
    ("stress-alpha-1", S + ["--alpha", "1"], 2, "--alpha must be in [0, 1), got 1"),
    ("stress-old-alias-checked", S + ["--max-delay", "-1"], 2,
     "--max-delay-days must be >= 0, got -1"),
    ("reconcile-start-after-end", ["reconcile", "l.csv", "--start", "2025-11-22", "--end",
                                   "2025-11-20"], 2, "--start 2025-11-22 is after end"),
    ("rewards-end-before-start", ["rewards", "l.csv", "--start", "2025-11-22", "--end",
                                  "2025-11-20"], 2, "--end"),
    ("minimum-above-cap", R + ["--min-holding", "10", "--cap", "5"], 2,
     "--min-holding 10 is above the cap 5"),
    ("catalogue-minimum-above-cap", S + ["--catalog", "catmin.csv"], 1,
     "minimum 10 is above the cap 5"),
    ("caps-minimum-above-cap", ["caps", "--token", "BNB", "--balances", "bal.csv",
                                "--min-holding", "10", "--cap", "5"], 2, "above the cap"),
    ("deactivation-before-activation", R + ["--activated-at", "2025-11-10T00:00:00Z",
                                            "--deactivated-at", "2025-11-05T00:00:00Z"], 2,
     "--deactivated-at 2025-11-05T00:00:00+00:00 is not after activated_at"),
    ("apr-history-garbage-date", R + ["--apr-history", "aprh.csv"], 1,
     "aprh.csv, line 2, column 'date': '2025-11-20garbage' is not a date"),
    ("jobs-0", ["report", "--jobs", "0", "--out", "rep"], 2, "--jobs must be >= 1, got 0"),
    # 8. messages
    ("extra-fields", ["rewards", "extra.csv", "--start", "2025-11-20", "--end",
                      "2025-11-21"], 1, "extra.csv, line 2: the record has 5 fields"),
    ("extra-fields-after-quoted-newline", ["rewards", "extra2.csv", "--start", "2025-11-20",
                                           "--end", "2025-11-21"], 1, "extra2.csv, line 4:"),
    ("bad-byte-line-3", ["rewards", "badbyte.csv", "--start", "2025-11-20", "--end",
                         "2025-11-21"], 1, "badbyte.csv, line 3: byte 0xff"),
    ("latin1-catalogue", S + ["--catalog", "latin1.csv"], 1, "latin1.csv, line 2: byte 0xe9"),
    ("usage-one-line", ["rewards"], 2, "the following arguments are required"),
    ("bad-choice-one-line", ["stress", "--engine", "spark"], 2, "invalid choice"),
    ("yaml-one-line", ["report", "--scenarios", "bad.yaml", "--out", "rep"], 1,
     "bad.yaml, line 2: not valid YAML"),
    ("yaml-object-tag", ["report", "--scenarios", "tag.yaml", "--out", "rep"], 1,
     "tag.yaml"),
    ("year-1600", ["rewards", "y1600.csv", "--start", "2025-11-20", "--end", "2025-11-21"],
     1, "y1600.csv, line 2, column 'time': '1600-11-01T00:00:00Z' is outside the years"),
    ("year-2300", ["rewards", "y2300.csv", "--start", "2025-11-20", "--end", "2025-11-21"],
     1, "is outside the years 1970-2200"),
    ("end-9999", ["rewards", "l.csv", "--start", "2025-11-20", "--end", "9999-12-31"], 2,
     "--end '9999-12-31' is a date outside the years"),
    ("start-1969", ["rewards", "l.csv", "--start", "1969-12-31", "--end", "2025-11-21"], 2,
     "--start '1969-12-31' is a date outside the years 1970-2200"),
    ("chunksize-0", ["ledger", "convert", "l.csv", "--out", "conv", "--chunksize", "0"], 2,
     "--chunksize must be >= 1, got 0"),
    ("seed-negative", R + ["--seed", "-1", "--snapshot", "hourly_random"], 2,
     "--seed must be >= 0, got -1"),
]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "badbyte.csv").write_bytes(
        LEDGER.encode() + b"2025-11-02T00:00:00Z,\xff,BNB,1\n")
    (tmp_path / "latin1.csv").write_bytes("token,name\nBNB,Bin\u00e9\n".encode("latin-1"))
    (tmp_path / "folder").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("argv, code, fragment", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_hostile_command_line(workdir, capsys, argv, code, fragment):
    out = workdir / "OUT"
    out.write_text(EARLIER)
    inputs = {p.name: p.read_bytes() for p in workdir.iterdir() if p.is_file()}
    argv = [str(out) if a == "OUT" else a for a in argv]
    try:
        got = main(argv)
    except SystemExit as e:  # argparse
        got = e.code
    _, err = capsys.readouterr()
    err = err.replace(str(out), "OUT")
    assert got == code, err
    assert fragment in err
    assert "Traceback" not in err and "internal error" not in err
    if code:
        assert len(err.strip().splitlines()) == 1, err  # one line, no usage block
    # every input and the earlier output are as they were
    assert out.read_text() == EARLIER
    for name, data in inputs.items():
        if name != "OUT":
            assert (workdir / name).read_bytes() == data, name


# --- outputs ----------------------------------------------------------------------------

def test_symlink_output_writes_its_target(workdir, capsys):
    target = workdir / "target.csv"
    target.write_text(EARLIER)
    link = workdir / "link.csv"
    link.symlink_to(target)
    assert main(R + ["--out", str(link)]) == 0
    assert link.is_symlink() and target.read_text().startswith("date,account")


def test_output_keeps_mode_and_umask(workdir, capsys):
    old = os.umask(0o022)
    try:
        assert main(R + ["--out", "new.csv"]) == 0
        assert stat.S_IMODE(os.stat("new.csv").st_mode) == 0o644
        os.chmod("new.csv", 0o640)
        assert main(R + ["--out", "new.csv"]) == 0
        assert stat.S_IMODE(os.stat("new.csv").st_mode) == 0o640
    finally:
        os.umask(old)


def test_output_folder_keeps_a_users_file_and_recovers_a_crash(workdir, capsys):
    assert main(R + ["--out", "hist"]) == 0
    mine = workdir / "hist" / "notes.txt"
    mine.write_text("mine")
    assert main(R + ["--out", "hist"]) == 2
    assert "holds 'notes.txt', which this command did not write" in capsys.readouterr().err
    assert mine.read_text() == "mine"
    mine.unlink()
    # a crash between the two renames left the earlier output as .hist.old: recovered
    os.replace("hist", ".hist.old")
    assert main(R + ["--out", "hist"]) == 0
    assert (workdir / "hist" / "daily_totals.csv").exists()
    assert not (workdir / ".hist.old").exists()
    # a stale .hist.old beside a good output no longer blocks a rerun
    (workdir / ".hist.old").mkdir()
    (workdir / ".hist.old" / "daily_totals.csv").write_text("")
    assert main(R + ["--out", "hist"]) == 0


def test_stress_daily_failure_leaves_no_new_summary(workdir, capsys, monkeypatch):
    out = workdir / "s.json"
    out.write_text(EARLIER)
    import softstake_model.files as files

    def fail(frame, path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files, "write_table", fail)
    assert main(S + ["--out", str(out), "--daily-out", "daily.csv"]) == 1
    assert out.read_text() == EARLIER


#: A last guard against a hang, never a measure of speed: each test waits for an event
#: (a file appearing, the process ending), and only a process that never gets there fails.
GUARD_SECONDS = 300


def _softstake(args, cwd, **kw):
    return subprocess.Popen([sys.executable, "-m", "softstake_model.cli", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, **kw)


def test_sigterm_mid_write_leaves_no_temporary_file(workdir):
    """A write that waits until it is terminated (patched in through sitecustomize): no
    hidden temp file, the earlier output is kept, exit 143."""
    (workdir / "OUT.csv").write_text(EARLIER)
    site = workdir / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import time, softstake_model.files as f\n"
        "_w = f._write_rows\n"
        "def slow(*a, **k):\n"
        "    open('started', 'w').close()\n"
        "    while True:  # until SIGTERM: the test waits for 'started', not for seconds\n"
        "        time.sleep(0.05)\n"
        "f._write_rows = slow\n")
    env = {**os.environ, "PYTHONPATH": f"{site}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = _softstake(R + ["--out", "OUT.csv"], workdir, env=env)
    try:
        deadline = time.monotonic() + GUARD_SECONDS
        while not (workdir / "started").exists():
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=GUARD_SECONDS)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 143, err
    assert "Traceback" not in err
    assert (workdir / "OUT.csv").read_text() == EARLIER
    assert not list(workdir.glob(".OUT.csv.*"))


def test_pipes_are_refused_with_a_reason_and_do_not_hang(workdir):
    proc = _softstake(["rewards", "/dev/stdin", "--start", "2025-11-20", "--end",
                       "2025-11-21"], workdir, stdin=subprocess.PIPE)
    try:
        _, err = proc.communicate(LEDGER, timeout=GUARD_SECONDS)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 1
    assert "pipe, FIFO or device" in err and "save it to a file first" in err


def test_fifo_is_refused_without_reading(workdir, capsys):
    os.mkfifo("fifo.csv")
    assert main(["rewards", "fifo.csv", "--start", "2025-11-20", "--end", "2025-11-21"]) == 1
    assert "fifo.csv: is a pipe, FIFO or device" in capsys.readouterr().err


# --- the Python API ---------------------------------------------------------------------

def _ledger(change):
    return pd.DataFrame({"time": pd.to_datetime(["2025-11-01T00:00:00Z"], utc=True),
                         "account": ["a"], "token": ["BNB"], "change": [change],
                         "wallet": ["free"], "kind": ["transfer"], "line": [2]})


@pytest.mark.parametrize("change, fragment", [
    (np.nan, "ledger must hold finite numbers"),
    (-1_000_000.0, "ledger holds a negative balance (-1000000 BNB) for account 'a'"),
])
def test_api_ledgers_are_checked(change, fragment):
    from softstake_model.product import product_catalog
    from softstake_model.rewards import reward_history
    from softstake_model.terms import Terms

    with pytest.raises(ParameterError) as e:
        reward_history(_ledger(change), product_catalog(), Terms(), start="2025-11-20",
                       end="2025-11-21")
    assert fragment in str(e.value)


def test_api_ledger_with_wrong_columns():
    from softstake_model.balances import DayGrid

    with pytest.raises(ParameterError, match="ledger needs a 'time' column"):
        DayGrid(pd.DataFrame({"x": [1]}), "2025-11-20", 2)


@pytest.mark.parametrize("rates, fragment", [
    (np.array([[np.nan]]), "rates must hold finite numbers"),
    (np.array([[-0.1]]), "rates must be daily shares in [0, 1]"),
    (np.array([[1.5]]), "rates must be daily shares in [0, 1]"),
])
def test_api_simulate_checks_rates(rates, fragment):
    from softstake_model.liquidity import StressParams, simulate

    with pytest.raises(ParameterError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        simulate(StressParams(total=100.0, buffer_ratio=0.1, unbonding="fixed:1", days=1),
                 rates)


@pytest.mark.parametrize("kw, fragment", [
    ({"fee": 1.5}, "fee must be in [0, 1), got 1.5"),
    ({"fee": math.nan}, "fee must be a finite number"),
    ({"precision": -1}, "precision must be in 0..12, got -1"),
    ({"precision": 2.5}, "precision must be a whole number"),
])
def test_api_daily_reward_checks_fee_and_precision(kw, fragment):
    from softstake_model.rules import daily_reward

    with pytest.raises(ParameterError) as e:
        daily_reward(100, 0.05, **kw)
    assert str(e.value) == fragment or fragment in str(e.value)


def test_daily_reward_still_pays_the_published_example():
    from softstake_model.rules import daily_reward

    # Bitget's example: 100 tokens at 8 % a year, truncated to 8 decimals
    assert float(daily_reward(100, 0.08)) == 0.0219178


@pytest.mark.parametrize("call, error, fragment", [
    (lambda: checks.rate(5, "apr"), ParameterError, "looks like a percentage; write 0.05"),
    (lambda: checks.rate(150, "apr"), ParameterError, "apr must be a fraction in [0, 1]"),
    (lambda: checks.ratio("x", "buffer_ratio"), ParameterError, "must be a number"),
    (lambda: checks.whole(True, "days"), ParameterError, "must be a whole number"),
    (lambda: checks.date_range("2025-11-22", "2025-11-20"), ParameterError,
     "start 2025-11-22 is after end 2025-11-20"),
    (lambda: checks.work(3 * 1024**3, "paths", "x"), ParameterError,
     "paths asks for about 3.0 GiB"),
    (lambda: checks.yaml_value("x" * 20_000, "overrides"), ParameterError,
     "20,000 characters long"),
    (lambda: checks.chain_request(year=-1), ParameterError, "year must be in [0, 200]"),
])
def test_checks(call, error, fragment):
    with pytest.raises(error) as e:
        call()
    assert fragment in str(e.value)


def test_yaml_value_reads_plain_values():
    assert checks.yaml_value("30", "p") == 30
    assert checks.yaml_value("[1, 2]", "p") == [1, 2]
    assert checks.yaml_value("a: [", "p") == "a: ["  # not YAML: the text itself


def test_grid_refuses_before_expanding():
    from softstake_model.sweeps import grid

    with pytest.raises(ParameterError, match="100 x 100 x 100 = 1,000,000 scenarios"):
        grid(a=range(100), b=range(100), c=range(100))
    assert len(grid(a=range(100), b=range(100))) == 10_000


def test_catalogue_frame_with_percentage_apr():
    from softstake_model.catalog import load_catalog
    from softstake_model.product import product_catalog

    cat = load_catalog().copy()
    cat.loc["BNB", "apr"] = 2.5
    with pytest.raises(ParameterError, match="catalog token BNB, column 'apr'"):
        product_catalog(cat)


def test_input_error_names_line_of_bad_byte(tmp_path):
    from softstake_model.ledger import read_ledger

    p = tmp_path / "x.csv"
    p.write_bytes(LEDGER.encode() + LEDGER.splitlines()[1].encode() + b"\n" + b"\xfe,,,\n")
    with pytest.raises(InputError) as e:
        read_ledger(p)
    assert e.value.line == 4


def test_dates_given_as_parameters_stay_text():
    from softstake_model.checks import yaml_value
    from softstake_model.report.runner import plan

    assert yaml_value("2025-11-20", "overrides") == "2025-11-20"
    assert yaml_value("2025-11-19T11:30:00Z", "overrides") == "2025-11-19T11:30:00Z"
    assert yaml_value("0.05", "overrides") == 0.05
    (run,) = plan(notebooks=["reconcile"], overrides=[("start", "2025-11-20")])
    assert run.params["start"] == "2025-11-20"


def test_shocks_that_are_not_pairs_are_named():
    import softstake_model as ss

    with pytest.raises(ss.ParameterError) as e:
        ss.StressParams(total=1000, buffer_ratio=0.1, days=20, shocks={5: 0.3})
    assert e.value.param == "shocks"


def test_the_date_aware_fit_is_exported():
    import softstake_model as ss

    # 12 observations over 14 days (two gaps): the fit keeps all 12 and their dates
    dates = pd.date_range("2025-01-01", periods=14).delete([4, 9])
    apr = 0.05 * np.exp(0.01 * np.sin(np.arange(12)))
    fit = ss.fit_history(dates, apr, bootstrap=0)
    assert fit.n == 12 and str(fit.end)[:10] == "2025-01-14"
