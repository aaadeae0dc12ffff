"""The report runner: scenario files and planning, the index (its record, overview, sweeps
and page), formatting for people, and whole reports (slow: failures, the browser check; the
quick report's index and pages are tests/test_index_browser.py's)."""

import json
import os
import re
import shutil
from importlib.resources import files
from pathlib import Path

import pandas as pd
import pytest
from report_records import SOL_STRESS, caps_record, stress_record

from softstake_model.cli import main
from softstake_model.errors import ParameterError
from softstake_model.report import validate
from softstake_model.report.execute import shipped_notebooks
from softstake_model.report.format import (
    DASH,
    amount,
    fmt,
    interval,
    params_frame,
    pct,
    table,
    usd,
)
from softstake_model.report.index import write_index
from softstake_model.report.overview import (
    merge_records,
    overview_table,
    overview_view,
    sweep_groups,
    sweep_view,
)
from softstake_model.report.runs import Run, RunResult
from softstake_model.report.scenarios import load_scenarios, plan
from softstake_model.report.sweeps import SWEEP_FIGURES


def test_index_page_from_the_template(tmp_path):
    runs = [Run("yields", "token=<b>", {"token": "BNB", "days": 30}, "y1"),
            Run("caps", "default", {}, "c1")]
    results = [RunResult(runs[0], True, 1.25, {"effective_apr": 0.0123456789, "token": "BNB"},
                         html="y1.html", ipynb="y1.ipynb"),
               RunResult(runs[1], False, 0.5, error="cell 3: ValueError: x < 0")]
    write_index(results, tmp_path)
    page = (tmp_path / "index.html").read_text()
    assert "The last command ran 2 reports; 1 succeeded." in " ".join(page.split())
    assert "token=&lt;b&gt;" in page  # escaped
    assert "<span>token = BNB</span><span>days = 30 days</span>" in page  # name = value
    assert '<span class="fail">failed: cell 3: ValueError: x &lt; 0</span>' in page
    assert '<a href="y1.html">report</a> <a href="y1.ipynb">notebook</a>' in page
    assert page.index('<td class="text">caps</td>') < page.index('<td class="text">yields</td>')
    assert "Overview by token" not in page  # no caps or stress figures to show
    # the pages' own stylesheet, inlined: one source for the pages and the index
    css = (files("softstake_model") / "report" / "templates" / "offline" / "static" /
           "softstake.css").read_text()
    assert re.findall(r"<style>\n(.*?)</style>", page, re.S) == [css]
    records = json.loads((tmp_path / "index.json").read_text())
    assert [r["scenario"] for r in records] == ["token=<b>", "default"]
    assert records[0]["params"] == {"token": "BNB", "days": 30}
    assert records[0]["headline"]["effective_apr"] == 0.0123456789  # plain numbers kept


def test_index_keeps_earlier_reports_and_good_pages(tmp_path):
    # a first command: two caps pages
    (tmp_path / "a.html").write_text("A")
    (tmp_path / "b.html").write_text("B")
    (tmp_path / "index.json").write_text(json.dumps(
        [caps_record("BNB", "a", daily_cost=2.0), caps_record("SOL", "b", daily_cost=3.0),
         caps_record("ADA", "gone", daily_cost=1.0)]))  # its page was deleted
    # a second command: page a fails this time, a new yields page succeeds
    fail = RunResult(Run("caps", "token=BNB", {"token": "BNB"}, "a"), False, 0.2,
                     error="cell 4: RuntimeError: boom")
    new = RunResult(Run("yields", "token=SOL", {"token": "SOL"}, "y"), True, 1.0,
                    {"token": "SOL"}, html="y.html")
    write_index([fail, new], tmp_path)
    records = {r["slug"]: r for r in json.loads((tmp_path / "index.json").read_text())}
    assert sorted(records) == ["a", "b", "y"]
    assert records["a"]["latest"] and not records["a"]["ok"]
    assert records["a"]["html"] == "a.html" and records["a"]["kept_from"] == "earlier"
    assert records["a"]["headline"]["daily_cost"] == 2.0  # the good figures stay
    assert not records["b"]["latest"] and records["y"]["latest"]
    page = (tmp_path / "index.html").read_text()
    assert "The folder holds 3 reports." in " ".join(page.split())
    assert "the good report of earlier stays linked" in page
    assert page.count("last command</span>") == 2


def test_merge_records_rules():
    old = [caps_record("BNB", "a"), {**caps_record("SOL", "f"), "ok": False, "html": ""}]
    cur = [{**caps_record("BNB", "a", daily_cost=5.0), "finished": "now"}]
    merged = merge_records(old, cur)
    assert [(r["slug"], r["latest"], r["headline"].get("daily_cost")) for r in merged] == \
        [("a", True, 5.0)]  # replaced in place; the old failure without a page dropped


def test_overview_and_sweeps_from_headlines():
    stress = stress_record({"SOL": SOL_STRESS})
    caps = [caps_record("SOL", "c1", apr=0.058, spread=-0.001, daily_cost=19.0,
                         daily_cost_usd=2660.0),
            {**caps_record("BNB", "c2", apr=0.025, daily_cost=1.8), "params": {
                "token": "BNB", "cap": 100}}]
    table = overview_table([stress, *caps]).set_index("token")
    assert list(table.index) == ["BNB", "SOL"]  # catalogue order
    assert table.loc["SOL", "buffer_needed"] == 0.12 and table.loc["SOL", "apr"] == 0.058
    assert pd.isna(table.loc["BNB", "p_delay"]) and table.loc["SOL", "stress_run"] == "s.html"
    (group,) = sweep_groups(caps)
    assert group["swept"] == ["cap", "token"] and group["numeric"] is None
    assert "daily_cost" in group["figures"] and "token" not in group["figures"]
    one = [{**c, "params": {"token": "SOL", "cap": v}} for c, v in zip(caps, (10, 1000))]
    (group,) = sweep_groups(one)
    assert group["swept"] == ["cap"] and group["numeric"] == "cap"
    assert list(group["table"]["cap"]) == [10, 1000]


def test_formatting_for_people():
    assert (pct(0.058), pct(0.129), pct(0.004), pct(None)) == ("5.8 %", "12.9 %", "0.40 %",
                                                               DASH)
    assert (usd(1546620.4), usd(3.456), amount(200000.0), amount(0.00012345, "BNB")) == \
        ("$1,546,620", "$3.46", "200,000", "0.0001234 BNB")
    assert (fmt("daily_cost_usd", 1e6), fmt("gini", 0.951390), fmt("margin_apr", None),
            fmt("holders", 200000.0), fmt("shock_max_delay_days", 1.0)) == \
        ("$1,000,000", "0.95", DASH, "200,000", "1 day")
    frame = params_frame(validate("liquidity_stress", {"buffer_ratio": 0.129}))
    row = frame.set_index("parameter").loc["buffer_ratio"]
    assert row["value"] == "12.9 %" and row["meaning"].startswith("Liquid share")
    html = table(pd.DataFrame({"p_delay": [0.91, None]})).to_html()
    assert "91.0 %" in html and DASH in html and "P(delay)" in html


def test_scenario_file_with_grid_and_zip(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("""
yields:
  - {token: BNB, budget_usd: 5000}
  - grid: {token: [SOL, ADA], days: [90, 365]}
    params: {apr_paths: 10}
liquidity_stress:
  - zip: {buffer_ratio: [0.05, 0.1], shock_fraction: [0.2, 0.4]}
""")
    runs = plan(load_scenarios(f))
    got = [(r.notebook, r.params) for r in runs]
    assert got == [
        ("yields", {"token": "BNB", "budget_usd": 5000}),
        ("yields", {"apr_paths": 10, "token": "SOL", "days": 90}),
        ("yields", {"apr_paths": 10, "token": "SOL", "days": 365}),
        ("yields", {"apr_paths": 10, "token": "ADA", "days": 90}),
        ("yields", {"apr_paths": 10, "token": "ADA", "days": 365}),
        ("liquidity_stress", {"buffer_ratio": 0.05, "shock_fraction": 0.2}),
        ("liquidity_stress", {"buffer_ratio": 0.1, "shock_fraction": 0.4}),
    ]
    assert len({r.slug for r in runs}) == len(runs)
    f.write_text("liquidity_stress:\n  - zip: {buffer_ratio: [0.05, 0.1], days: [30]}\n")
    with pytest.raises(Exception, match="equal length"):
        load_scenarios(f)


def test_plan_defaults_filters_and_overrides():
    runs = plan()
    assert sum(r.notebook == "yields" for r in runs) == 15
    assert sum(r.notebook == "caps" for r in runs) == 15
    quick = plan(quick=True, tokens=["trx"], overrides=[("days", "30")],
                 notebooks=["yields", "liquidity_stress"])
    assert [(r.notebook, r.params.get("token", r.params.get("tokens"))) for r in quick] == \
        [("yields", "TRX"), ("liquidity_stress", "TRX")]
    assert all(r.params["days"] == 30 for r in quick)
    with pytest.raises(ParameterError, match="set 'colour', a parameter no selected") as e:
        plan(overrides=[("colour", "red")])
    assert e.value.param == "overrides"
    with pytest.raises(ParameterError, match=r"\n  yields \[token=BNB, days=0\]: parameter "
                       r"'days' must be in 1\.\.36,525, got 0\n"):
        plan(overrides=[("days", "0")], notebooks=["yields"])
    with pytest.raises(ParameterError, match="names unknown notebook") as e:
        plan(notebooks=["yield"])
    assert e.value.param == "notebooks"
    with pytest.raises(ParameterError, match=r"names unknown token\(s\) \['XYZ'\]") as e:
        plan(tokens=["bnb,xyz"])
    assert e.value.param == "tokens"


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow
def test_failing_run_keeps_the_old_report(tmp_path, capsys):
    out = tmp_path / "reports"
    code, _, _ = run(["report", "--notebook", "reconcile", "--out", out], capsys)
    assert code == 0
    good = (out / "reconcile-default.html").read_text()
    broken = tmp_path / "notebooks"
    with shipped_notebooks() as folder:
        shutil.copytree(folder, broken)
    nb = json.loads((broken / "reconcile.ipynb").read_text())
    nb["cells"].insert(4, {"cell_type": "code", "metadata": {}, "outputs": [],
                           "execution_count": None, "id": "boom",
                           "source": "raise RuntimeError('planted failure')"})
    (broken / "reconcile.ipynb").write_text(json.dumps(nb))
    code, stdout, err = run(["report", "--notebook", "reconcile", "--notebook", "yields",
                             "--token", "BNB", "--quick", "--out", out, "--notebooks-dir",
                             broken], capsys)
    assert code == 1
    assert "reconcile [default] failed at cell" in err and "planted failure" in err
    assert (out / "reconcile-default.html").read_text() == good
    assert (out / "yields-token=BNB.html").is_file()  # the other run still finished
    index = json.loads((out / "index.json").read_text())
    failed = [r for r in index if not r["ok"]]
    assert len(failed) == 1 and "RuntimeError: planted failure" in failed[0]["error"]
    assert not [p for p in out.iterdir() if p.name.startswith(".build-")]


def _chromium() -> str | None:
    for path in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if os.path.exists(path):
            return path
    return None


@pytest.mark.slow
def test_report_in_a_browser(tmp_path, capsys):
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs Debian's chromium package")
        pytest.skip("no chromium here; .ci/run installs it")
    playwright = pytest.importorskip("playwright.sync_api")
    scenarios = tmp_path / "sweep.yaml"
    scenarios.write_text("""
yields:
  - {token: ADA, days: 30, apr_paths: 10, price_paths: 50}
caps:
  - grid: {cap: [1000, 100000]}
    params: {token: ADA, holders: 2000, sweep_points: 8}
liquidity_stress:
  - {tokens: "ADA,TRX", days: 30, paths: 50}
""")
    code, _, err = run(["report", "--scenarios", scenarios, "--out", tmp_path], capsys)
    assert code == 0, err
    index = (tmp_path / "index.html").read_text()
    assert "Overview by token" in index and "caps: by cap" in index  # overview and a sweep
    pages = [tmp_path / "index.html", tmp_path / "yields-token=ADA_days=30_apr_paths=10_"
             "price_paths=50.html"]
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=browser, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = b.new_page(viewport={"width": 1200, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        for f in pages:
            page.goto(f.as_uri())
            page.wait_for_load_state("load")
            shot = tmp_path / f"{f.stem}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 20_000, "blank page"
            assert len(page.inner_text("body").strip()) > 200
            images = page.evaluate(
                "Array.from(document.images).map(i => [i.complete, i.naturalWidth])")
            assert all(done and width > 0 for done, width in images), images
            assert len(images) >= 3  # the figures: the report's; the overview's and the sweep's
            # nothing wider than the screen: no table, no page
            assert page.evaluate("""() => Math.max(document.documentElement.scrollWidth,
                ...[...document.querySelectorAll('table')].map(
                    t => t.getBoundingClientRect().right))""") <= 1200, f.name
        b.close()
    assert errors == []
    assert Path(tmp_path / "index.png").exists()


def _by_token(view):
    """Each token's cells by column label, over both tables of the overview."""
    out = {}
    for t in view["tables"]:
        for r in t["rows"]:
            out.setdefault(r["cells"][0]["text"], {}).update(zip(t["head"], r["cells"],
                                                                 strict=True))
    return out


def test_overview_view_marks_and_formats():
    stress = stress_record({"SOL": SOL_STRESS, "ADA": {
        "p_delay": 0.3, "p_delay_low": None, "p_delay_high": 0.4, "buffer_needed": None,
        "shock_max_delay_days": 1.0, "unbonding": ""}})
    caps = [caps_record("SOL", "c1", apr=0.058, spread=-0.001, daily_cost=19.0,
                        daily_cost_usd=2660.0, earning_share=0.4),
            caps_record("BNB", "c2", apr=0.025, spread=0.004, daily_cost=1234.5)]
    view = overview_view(overview_table([stress, *caps]))
    # two tables, of short columns: the main figures, and the rest in detail
    main, detail = view["tables"]
    assert main["head"] == ["token", "catalogue APR", "net network APR", "spread",
                            "reward cost a day", "P(delay)", "buffer needed",
                            "longest delay, 99th percentile"]
    # no row has an as-of date or flags: both columns are left out
    assert detail["head"] == ["token", "APR source", "holders earning",
                              "eligible share of balances", "longest delay in the shock alone",
                              "unbonding rule"]
    assert detail["numeric"] == [False, False, True, True, True, False]
    assert ("spread", "net network APR − catalogue APR, with the interval the chain model's "
            "ranges give") in main["legend"]
    # every column of both, in one
    assert view["head"] == main["head"] + detail["head"][1:]
    cells = _by_token(view)
    assert list(cells) == ["BNB", "SOL", "ADA"]  # catalogue order
    sol, bnb, ada = cells["SOL"], cells["BNB"], cells["ADA"]
    assert (sol["spread"]["text"], sol["spread"]["css"]) == ("▼ -0.10 %", "bad")  # -0.001
    assert bnb["spread"] == {"text": "0.40 %", "css": "", "title": "from caps: token=BNB",
                             "sub": ""}
    p = sol["P(delay)"]
    assert (p["text"], p["css"], p["sub"]) == ("⚠ 90.0 %", "bad", "80.0\xa0%–\u206095.0\xa0%")
    # each cell names the run it comes from
    assert p["title"] == "more than 50% of paths see a delay; from stress: default"
    need = sol["buffer needed"]
    assert (need["text"], need["sub"]) == ("⚠ 12.0 %", "11.0\xa0%–\u206013.0\xa0%")
    assert need["title"] == "above the current buffer of 5.0 %; from stress: default"
    # ADA: a delay risk below 50 %, no buffer enough; an end of the interval missing
    p = ada["P(delay)"]
    assert (p["text"], p["css"], p["sub"]) == ("30.0 %", "", "")
    assert (ada["buffer needed"]["text"], ada["buffer needed"]["sub"]) == ("⚠ none enough", "")
    assert ada["unbonding rule"]["text"] == DASH and ada["catalogue APR"]["text"] == DASH
    assert ada["reward cost a day"]["text"] == DASH
    # BNB: caps only, no stress figures; no price: the cost in tokens
    assert bnb["buffer needed"]["text"] == DASH
    assert (bnb["reward cost a day"]["text"], bnb["reward cost a day"]["sub"]) == \
        ("1,234 BNB", "")
    # SOL: in dollars, the tokens below
    assert (sol["reward cost a day"]["text"], sol["reward cost a day"]["sub"]) == \
        ("$2,660", "19 SOL")
    assert sol["longest delay in the shock alone"]["text"] == "2 days"
    assert sol["holders earning"]["text"] == "40.0 %"
    links = {r["cells"][0]["text"]: [(x["text"], x["href"], x["title"]) for x in r["links"]]
             for r in main["rows"]}
    assert links == {"BNB": [("caps", "c2.html", "caps: token=BNB")],
                     "SOL": [("caps", "c1.html", "caps: token=SOL"),
                             ("stress", "s.html", "stress: default")],
                     "ADA": [("stress", "s.html", "stress: default")]}
    assert all(r["links"] == [] for r in detail["rows"])  # the links once, in the first
    assert [t for t, _ in view["charts"]] == ["spread by token",
                                              "buffer needed against the current buffer"]


def test_an_interval_of_no_width_says_why():
    # ADA: no path is delayed even without a buffer, on every resample of the paths
    stress = stress_record({"ADA": {"p_delay": 0.0, "p_delay_low": 0.0, "p_delay_high": 0.037,
                                    "buffer_needed": 0.0, "buffer_low": 0.0,
                                    "buffer_high": 0.0, "unbonding": "none"}})
    ada = _by_token(overview_view(overview_table([stress])))["ADA"]
    assert (ada["buffer needed"]["text"], ada["buffer needed"]["sub"]) == \
        ("0 %", "no width: every resample of the paths agrees")
    assert ada["P(delay)"]["sub"] == "0\xa0%–\u20603.7\xa0%"
    assert interval(0.0, 0.0, "spread") == \
        "no width: the chain model's parameters have no ranges"
    assert interval(0.2128, 0.2132) == "21.3\xa0%–\u206021.3\xa0% (rounded)"  # not zero: rounded
    assert interval(3.0, 5.0, "longest_delay_p99_days") == "3\xa0days–\u20605\xa0days"
    assert interval(-0.0193, -0.0063, "spread") == "-1.9\xa0%\xa0to\xa0-0.63\xa0%"


def test_long_text_moves_to_a_note_below_its_table():
    reason = "no model since 2025-04-15: the pool was removed and nothing else pays " \
        "staking on this chain"
    ape = caps_record("APE", "a", apr=0.03, spread=None, no_model=reason)
    main = overview_view(overview_table([ape]))["tables"][0]
    spread = dict(zip(main["head"], main["rows"][0]["cells"], strict=True))["spread"]
    assert (spread["text"], spread["sub"]) == ("no model", "see note 1")
    assert main["notes"] == [f"APE: {reason}"]
    # the view of every column keeps the text in its cell
    view = overview_view(overview_table([ape]))
    assert dict(zip(view["head"], view["rows"][0]["cells"], strict=True))["spread"]["sub"] \
        == reason


def test_sweep_view_formats_cells_and_draws_one_axis():
    runs = [{**caps_record("SOL", f"c{v}", daily_cost=c, daily_cost_usd=c * 140, holders=500,
                           no_model=""), "params": {"token": "SOL", "cap": v}}
            for v, c in ((1000, 19.5), (10, 2.0))]
    (group,) = sweep_groups(runs)
    assert "no_model" not in group["figures"]  # blank in every run: no column
    view = sweep_view(group)
    assert view["head"] == ["cap", "daily reward cost (tokens)", "daily reward cost (USD)",
                            "holders"]
    assert [[c["text"] for c in r["cells"]] for r in view["rows"]] == \
        [["10", "2", "$280", "500"], ["1,000", "19.5", "$2,730", "500"]]
    assert [r["html"] for r in view["rows"]] == ["c10.html", "c1000.html"]  # by cap
    # shown: the figures that differ; the one every run shares in a sentence
    (table,) = view["tables"]
    assert table["head"] == view["head"][:3] and table["numeric"] == [True] * 3
    assert view["same"] == "holders 500"
    assert view["chart"].startswith("data:image/")
    runs[1]["params"]["cap"] = "none"  # not numeric: a table, no chart
    view = sweep_view(sweep_groups(runs)[0])
    assert view["chart"] is None and view["tables"][0]["numeric"][0] is False


def test_a_sweep_of_many_figures_is_several_tables_that_each_fit():
    figures = {f"figure_{i}": float(i) for i in range(1, 15)}  # 14, and the spread
    runs = [{**caps_record("SOL", f"c{v}", **{k: x * v for k, x in figures.items()},
                           spread=0.01 * v, spread_low=0.005 * v, spread_high=0.02 * v,
                           spread_sign="positive"),
             "params": {"token": "SOL", "cap": v}} for v in (1, 2)]
    (group,) = sweep_groups(runs)
    # the interval's ends and sign are the spread's interval, not columns of their own
    assert not {"spread_low", "spread_high", "spread_sign"} & set(group["figures"])
    view = sweep_view(group)
    heads = [t["head"] for t in view["tables"]]
    assert [len(h) for h in heads] == [1 + SWEEP_FIGURES, 1 + SWEEP_FIGURES, 1 + 3]
    assert all(h[0] == "cap" for h in heads)  # each with the swept parameter and the link
    assert [r["html"] for r in view["tables"][2]["rows"]] == ["c1.html", "c2.html"]
    spread = view["tables"][2]["rows"][1]["cells"][-1]
    assert (spread["text"], spread["sub"]) == ("2.0 %", "1.0\xa0%–\u20604.0\xa0%")
