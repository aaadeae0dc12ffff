"""The report runner: validation, scenario expansion, failures, index, browser check."""

import json
import os
import shutil
from pathlib import Path

import pytest

from softstake_model.cli import main
from softstake_model.errors import ParameterError
from softstake_model.report import validate
from softstake_model.report.params import YieldsParams
from softstake_model.report.runner import NOTEBOOKS_DIR, load_scenarios, plan


def test_validation_messages():
    assert isinstance(validate("yields", {"token": "sol", "days": 30}), YieldsParams)
    assert validate("yields", {"budget_usd": 5}).budget_usd == 5.0  # ints are floats
    with pytest.raises(ParameterError, match=r"unknown parameter\(s\) \['colour'\]"):
        validate("yields", {"colour": 1})
    with pytest.raises(ParameterError, match="'apr_paths' should be int, got float 2.5"):
        validate("yields", {"apr_paths": 2.5})
    with pytest.raises(ParameterError, match="'buffer_ratio': 2.0 not in"):
        validate("caps", {"buffer_ratio": 2})
    with pytest.raises(ParameterError, match="'tokens': unknown token"):
        validate("liquidity_stress", {"tokens": "BNB,XYZ"})


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
    with pytest.raises(ParameterError, match="-p colour: no selected notebook"):
        plan(overrides=[("colour", "red")])
    with pytest.raises(ParameterError, match=r"yields \[.*days=0.*\]"):
        plan(overrides=[("days", "0")], notebooks=["yields"])


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
    assert recon["headline"]["mismatch"] == 1
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
    shutil.copytree(NOTEBOOKS_DIR, broken)
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
