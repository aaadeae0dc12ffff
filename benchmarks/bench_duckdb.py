"""``softstake rewards`` against DuckDB doing the same job in SQL (issue 24), run on demand.

DuckDB is installed for this benchmark only (``pip install duckdb``), never a dependency.

The ledger is ``bench_cli.make_ledger``'s (default 100,000 accounts x 30 days, 1,000,000
changes; every balance between the 0.5 minimum and the 1,000 cap... mostly), as CSV and as a
converted folder of Parquet partitions (``softstake ledger convert``). Each case is its own
process, the cases in turn (a, b, c, ..., a, b, c, ...), ``--runs`` times after a warm-up
round; wall time and peak RSS from ``os.wait4``:

- ``softstake rewards LEDGER --no-compound --out history.csv``, and without
  ``--no-compound`` (compounding: each reward credited at its payout);
- DuckDB (``duckdb LEDGER OUT`` of this file): read the CSV, the time-weighted daily
  average per account and day (each change weighted by the share of its day left), the
  minimum and the cap of BNB, the reward truncated to 8 decimals, paid the next day at
  04:00 UTC, the same 8 columns in the same order (day, then account), written as CSV;
- the same three with Parquet in (the converted folder) and Parquet out;
- with ``--before DIR``: the first command with the package in ``DIR`` (the code before).

DuckDB has no compounding (a recursive query per day): the compounding cases are
measured against the same DuckDB run, which does less. After the runs the histories of
softstake (no compounding) and DuckDB are compared row by row: the balances agree to
``1e-9`` relative (DuckDB sums in another order), the rewards are counted equal and
within one unit of the 8th decimal (a sum a few ulps apart may truncate one unit apart).

Usage: python benchmarks/bench_duckdb.py [--accounts N] [--changes M] [--runs R]
       python benchmarks/bench_duckdb.py duckdb LEDGER OUT
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_cli import DAYS, END, START, make_ledger, run

HERE = Path(__file__).resolve()
MIN_HOLDING, CAP, APR = 0.5, 1000.0, 0.025  # the catalogue's BNB
COLUMNS = ["date", "account", "token", "avg_balance", "eligible_balance", "apr", "reward",
           "paid_at"]


def query(source: str, out: str) -> str:
    """The SQL of the whole job, from ``source`` (a ``read_csv``/``read_parquet`` call) to
    ``out`` (CSV, or Parquet if it ends in ``.parquet``)."""
    t0, day = int(START.timestamp()), 86400
    fmt = "(FORMAT parquet)" if out.endswith(".parquet") else "(FORMAT csv, HEADER)"
    return f"""
    COPY (
      WITH l AS (
        SELECT account, token, change, epoch(time) AS s FROM {source}
        WHERE epoch(time) < {t0 + DAYS * day}),
      k AS (SELECT *, greatest(floor((s - {t0}) / {day}), -1)::INTEGER AS k FROM l),
      agg AS (
        SELECT account, token, k, sum(change) AS total,
               sum(CASE WHEN k >= 0 THEN change * ({t0} + (k + 1) * {day} - s) / {day}
                   ELSE 0 END) AS part
        FROM k GROUP BY account, token, k),
      grid AS (
        SELECT account, token, dd::INTEGER AS d FROM (SELECT DISTINCT account, token FROM agg),
        range(-1, {DAYS}) AS t(dd)),
      j AS (
        SELECT g.account, g.token, g.d, coalesce(a.total, 0) AS total,
               coalesce(a.part, 0) AS part
        FROM grid g LEFT JOIN agg a
          ON a.account = g.account AND a.token = g.token AND a.k = g.d),
      w AS (
        SELECT *, coalesce(sum(total) OVER (PARTITION BY account, token ORDER BY d
                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) + part AS avg
        FROM j),
      e AS (
        SELECT *, CASE WHEN avg < {MIN_HOLDING} THEN 0 ELSE least(avg, {CAP}) END AS elig
        FROM w WHERE d >= 0),
      r AS (SELECT *, elig * {APR} / 365 * 1e8 AS y FROM e)
      SELECT DATE '{START.date()}' + d AS date, account, token, avg AS avg_balance,
             elig AS eligible_balance, {APR} AS apr,
             (CASE WHEN abs(y - round(y)) <= 2e-15 * greatest(1, abs(y)) THEN round(y)
                   ELSE trunc(y) END) / 1e8 AS reward,
             strftime(TIMESTAMP '{START.date()} 04:00:00' + INTERVAL (d + 1) DAY,
                      '%Y-%m-%dT%H:%M:%SZ') AS paid_at
      FROM r ORDER BY d, account
    ) TO '{out}' {fmt}"""


def duckdb_job(ledger: str, out: str) -> None:
    """Run the job in DuckDB (all cores): CSV or a Parquet folder in, CSV or Parquet out."""
    import duckdb

    if Path(ledger).is_dir():
        source = f"read_parquet('{ledger}/**/*.parquet')"
    else:
        source = (f"read_csv('{ledger}', header=true, columns={{'time': 'TIMESTAMPTZ', "
                  "'account': 'VARCHAR', 'token': 'VARCHAR', 'change': 'DOUBLE'})")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(query(source, out))


def _history(path: Path) -> pa.Table:
    table = pq.read_table(path) if path.suffix == ".parquet" else pacsv.read_csv(path)
    table = table.select(["date", "account", "avg_balance", "reward"])
    table = table.set_column(1, "account", table["account"].cast(pa.string()))
    return table.sort_by(
        [("date", "ascending"), ("account", "ascending")])


def compare(ours: Path, theirs: Path) -> dict:
    """Row by row: rows, balances within 1e-9 relative, rewards equal / within 1e-8."""
    a, b = _history(ours), _history(theirs)
    same_keys = a.num_rows == b.num_rows and a["account"].equals(b["account"])
    if not same_keys:
        return {"rows": [a.num_rows, b.num_rows], "same_rows": False}
    avg_a, avg_b = a["avg_balance"].to_numpy(), b["avg_balance"].to_numpy()
    r_a, r_b = a["reward"].to_numpy(), b["reward"].to_numpy()
    return {"rows": a.num_rows, "same_rows": True,
            "balances_within_1e-9": bool(np.allclose(avg_a, avg_b, rtol=1e-9, atol=1e-9)),
            "rewards_equal": int((r_a == r_b).sum()),
            "rewards_within_1e-8": bool((np.abs(r_a - r_b) <= 1e-8 + 1e-15).all()),
            "reward_total": [float(r_a.sum()), float(r_b.sum())]}


def _cases(work: Path, softstake: str, before: str | None) -> dict[str, list[str]]:
    span = ["--start", str(START.date()), "--end", str(END.date())]
    csv, folder = str(work / "ledger.csv"), str(work / "ledger_dir")
    old = {} if before is None else {
        "before_csv": ["env", f"PYTHONPATH={before}", sys.executable, "-m",
                       "softstake_model.cli", "rewards", csv, *span,
                       "--no-compound", "--out", str(work / "before.csv")]}
    return {**old,
        "softstake_csv": [softstake, "rewards", csv, *span, "--no-compound",
                          "--out", str(work / "history.csv")],
        "softstake_csv_compound": [softstake, "rewards", csv, *span,
                                   "--out", str(work / "history_c.csv")],
        "duckdb_csv": [sys.executable, str(HERE), "duckdb", csv, str(work / "duck.csv")],
        "softstake_parquet": [softstake, "rewards", folder, *span, "--no-compound",
                              "--out", str(work / "history.parquet")],
        "softstake_parquet_compound": [softstake, "rewards", folder, *span,
                                       "--out", str(work / "history_c.parquet")],
        "duckdb_parquet": [sys.executable, str(HERE), "duckdb", folder,
                           str(work / "duck.parquet")],
    }


def _summary(runs: dict[str, list[dict]]) -> dict:
    out = {}
    for name, rs in runs.items():
        walls = [r["wall_s"] for r in rs]
        cpu = [r["cpu_s"] for r in rs]
        out[name] = {"wall_min_s": min(walls), "wall_median_s": float(np.median(walls)),
                     "cpu_min_s": min(cpu), "peak_rss_gib": max(r["peak_rss_gib"] for r in rs)}
        print(f"{name:27s} wall min {min(walls):6.2f} s, median {np.median(walls):6.2f} s; "
              f"cpu min {min(cpu):6.2f} s; peak RSS {out[name]['peak_rss_gib']:.2f} GiB")
    for ours, peer in (("before_csv", "softstake_csv"), ("softstake_csv", "duckdb_csv"),
                       ("softstake_csv_compound", "duckdb_csv"),
                       ("softstake_parquet", "duckdb_parquet"),
                       ("softstake_parquet_compound", "duckdb_parquet")):
        if ours not in runs:
            continue
        ratio = [a["wall_s"] / b["wall_s"] for a, b in zip(runs[ours], runs[peer])]
        out[f"{ours}/{peer}"] = ratio
        print(f"{ours}/{peer} run by run: min {min(ratio):.2f}, median "
              f"{np.median(ratio):.2f}, max {max(ratio):.2f}")
    return out


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "duckdb":
        duckdb_job(sys.argv[2], sys.argv[3])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--changes", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", help="folder for the ledgers and outputs (default: temporary)")
    ap.add_argument("--out", default="benchmarks/results/duckdb.json")
    ap.add_argument("--before", help="a folder holding the package before (softstake_model/, "
                    "e.g. from git archive): its command runs as a baseline case")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.keep or tmp)
        work.mkdir(parents=True, exist_ok=True)
        make_ledger(work / "ledger.csv", args.accounts, args.changes)
        softstake = str(Path(sys.executable).with_name("softstake"))
        subprocess.run([softstake, "ledger", "convert", str(work / "ledger.csv"), "--out",
                        str(work / "ledger_dir")], check=True, stdout=subprocess.DEVNULL)
        cases = _cases(work, softstake, args.before)
        for cmd in cases.values():  # warm-up round (file cache, imports)
            run(cmd)
        runs: dict[str, list[dict]] = {k: [] for k in cases}
        for _ in range(args.runs):
            for name, cmd in cases.items():
                runs[name].append(run(cmd))
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps({"cases": runs}) + "\n")  # kept if a check fails
        agree = {"csv": compare(work / "history.csv", work / "duck.csv"),
                 "parquet": compare(work / "history.parquet", work / "duck.parquet")}
        if args.before:
            agree["before_csv_identical"] = (work / "before.csv").read_bytes() == \
                (work / "history.csv").read_bytes()
    print(json.dumps(agree, indent=1))
    result = {"accounts": args.accounts, "changes": args.changes, "runs": args.runs,
              "machine": platform.platform(), "cpus": os.cpu_count(),
              "load_after": os.getloadavg(), "cases": runs, "summary": _summary(runs),
              "agree": agree}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    if not all(agree[k]["same_rows"] and agree[k]["rewards_within_1e-8"]
               for k in ("csv", "parquet")):
        raise SystemExit("softstake and DuckDB disagree")


if __name__ == "__main__":
    main()
