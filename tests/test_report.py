"""The report runner: validation, scenario expansion, failures, index, browser check."""

import datetime
import json
import os
import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from softstake_model.cli import main
from softstake_model.errors import ParameterError
from softstake_model.report import validate
from softstake_model.report.params import YieldsParams
from softstake_model.report.runner import (
    Run,
    RunResult,
    _parse_value,
    load_scenarios,
    plan,
    shipped_notebooks,
    write_index,
)


def test_validation_messages():
    assert isinstance(validate("yields", {"token": "sol", "days": 30}), YieldsParams)
    assert validate("yields", {"budget_usd": 5}).budget_usd == 5.0  # ints are floats
    with pytest.raises(ParameterError, match=r"unknown parameter\(s\) \['colour'\]"):
        validate("yields", {"colour": 1})
    with pytest.raises(ParameterError, match="'apr_paths' should be int, got float 2.5"):
        validate("yields", {"apr_paths": 2.5})
    with pytest.raises(ParameterError, match=r"^caps: parameter 'buffer_ratio' must be in "
                       r"\[0, 1\], got 2$"):
        validate("caps", {"buffer_ratio": 2})
    with pytest.raises(ParameterError, match=r"^caps: parameter 'holders' must be in "
                       r"10\.\.10,000,000, got 5$"):
        validate("caps", {"holders": 5})
    with pytest.raises(ParameterError, match=r"'tokens' names unknown token\(s\) \['XYZ'\]"):
        validate("liquidity_stress", {"tokens": "BNB,XYZ"})
    with pytest.raises(ParameterError, match=r"'preset' must be one of 'binance_soft_staking'"):
        validate("caps", {"preset": "nope"})
    assert validate("caps", {"preset": "kucoin_savings"}).preset == "kucoin_savings"
    assert validate("liquidity_stress", {"catalog": None}).catalog is None
    # one message per problem, each naming the notebook and the parameter
    with pytest.raises(ParameterError) as e:
        validate("yields", {"days": 0, "seed": "x"})
    assert str(e.value).splitlines() == ["yields: parameter 'days' must be in 1..3,650, got 0",
                                         "yields: parameter 'seed' should be int, got str 'x'"]
    with pytest.raises(ParameterError, match="'balance' should be float | None, got bool True"):
        validate("yields", {"balance": True})


def test_parameters_are_frozen():
    p = validate("yields", {})
    with pytest.raises(ValidationError):
        p.days = 3


def test_dates_from_yaml_become_iso_text():
    # `-p activated_at 2025-11-20T08:00:00Z` arrives as a datetime; a bare date as a date
    when = _parse_value("2025-11-20T08:00:00Z")
    assert isinstance(when, datetime.datetime)
    assert validate("reconcile", {"activated_at": when}).activated_at == \
        "2025-11-20T08:00:00+00:00"
    assert validate("reconcile", {"activated_at": datetime.date(2025, 11, 20)}).activated_at \
        == "2025-11-20"
    with pytest.raises(ParameterError, match="'activated_at' should be"):
        validate("reconcile", {"activated_at": 5})


def test_shipped_example_is_found_as_package_data():
    p = validate("reconcile", {})
    assert Path(p.statement).name == "binance_statement.csv" and Path(p.statement).is_file()
    with shipped_notebooks() as folder:
        assert sorted(f.name for f in folder.glob("*.ipynb")) == [
            "caps.ipynb", "liquidity_stress.ipynb", "reconcile.ipynb", "yields.ipynb"]


def test_index_page_from_the_template(tmp_path):
    runs = [Run("yields", "token=<b>", {"token": "BNB", "days": 30}, "y1"),
            Run("caps", "default", {}, "c1")]
    results = [RunResult(runs[0], True, 1.25, {"apr": 0.0123456789, "token": "BNB"},
                         html="y1.html", ipynb="y1.ipynb"),
               RunResult(runs[1], False, 0.5, error="cell 3: ValueError: x < 0")]
    write_index(results, tmp_path)
    page = (tmp_path / "index.html").read_text()
    assert "<p>1 of 2 runs succeeded;" in page
    assert "<td>token=&lt;b&gt;</td>" in page  # escaped
    assert "<b>apr</b>: 0.0123457<br><b>token</b>: BNB" in page
    assert "token = BNB<br>days = 30" in page
    assert '<span class="fail">failed: cell 3: ValueError: x &lt; 0</span><br>0.5 s' in page
    assert '<a href="y1.html">report</a> <a href="y1.ipynb">notebook</a>' in page
    assert page.index("<td>caps</td>") < page.index("<td>yields</td>")  # by notebook
    assert [r["scenario"] for r in json.loads((tmp_path / "index.json").read_text())] == \
        ["token=<b>", "default"]


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
                       r"'days' must be in 1\.\.3,650, got 0\n"):
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
def test_quick_report_and_index(tmp_path, capsys):
    code, out, err = run(["report", "--quick", "--out", tmp_path, "--jobs", "2"], capsys)
    assert code == 0, err
    index = json.loads((tmp_path / "index.json").read_text())
    assert len(index) == 8 and all(r["ok"] for r in index)
    page = (tmp_path / "index.html").read_text()
    for r in index:
        assert (tmp_path / r["html"]).is_file() and (tmp_path / r["ipynb"]).is_file()
        assert r["html"] in page and r["headline"]
        for k in r["headline"]:
            assert k in page
    recon = next(r for r in index if r["notebook"] == "reconcile")
    assert recon["headline"]["missing"] == 1 and recon["headline"]["unexpected"] == 1
    html = (tmp_path / index[0]["html"]).read_text()
    assert "cdnjs.cloudflare.com" not in html  # readable offline
    assert "_report.validate" not in html  # no code cells


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
    code, _, err = run(["report", "--quick", "--notebook", "yields", "--notebook", "reconcile",
                        "--token", "ADA", "--out", tmp_path], capsys)
    assert code == 0, err
    pages = [tmp_path / "index.html", tmp_path / "yields-token=ADA.html"]
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
            if f.name != "index.html":
                assert len(images) >= 4  # the yields report's figures
        b.close()
    assert errors == []
    assert Path(tmp_path / "index.png").exists()
