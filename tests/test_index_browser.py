"""A quick report as a person reads it: its index and every page in Debian's Chromium
driven by Playwright (no browser download), at a 1,280 px laptop screen.

One quick report (``softstake report --quick``) is built for the module: its index and
record, the index fitting the screen with every link to a page that exists, and no Python
words, shared parameter descriptions or bare intervals of no width on any page.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from test_explore_browser import _browser, _page

from softstake_model.cli import main
from softstake_model.report.format import usd
from softstake_model.report.scenarios import plan

pytestmark = pytest.mark.slow

#: The laptop screen the index must fit.
WIDTH = 1280

#: How wide the document is, and where each table ends on the screen.
WIDTHS = """() => ({doc: [document.documentElement.scrollWidth,
                          document.documentElement.clientWidth],
  tables: [...document.querySelectorAll('table')].map(t => ({
    head: [...t.querySelectorAll('th')].slice(0, 3).map(h => h.innerText.trim()),
    right: t.getBoundingClientRect().right}))})"""

#: Every link's address as the browser resolved it, and its text.
LINKS = """() => [...document.querySelectorAll('a[href]')].map(a => [a.href, a.innerText])"""

#: The parameter tables of a page: each row's name and meaning.
PARAMETERS = """() => [...document.querySelectorAll('table')].filter(t => {
  const h = [...t.querySelectorAll('thead th')].map(x => x.innerText.trim());
  return h.includes('parameter') && h.includes('meaning');
}).map(t => [...t.querySelectorAll('tbody tr')].map(r => [r.cells[0].innerText.trim(),
                                                          r.cells[2].innerText.trim()]))"""

#: Python's words for nothing, yes, no and not-a-number, as a reader must never see them.
PYTHON_WORDS = re.compile(r"\b(None|True|False|nan|NaN|NaT)\b")
#: An interval whose two ends read the same and that does not say why.
BARE_NO_WIDTH = re.compile(r"(?<![\w.,])(-?[\d.,]+(?:\s?%|\s\w+)?)(?:–\u2060?|\sto\s)\1"
                           r"(?![\w.,%])(?! \(rounded\))")


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A quick report's folder (``softstake report --quick``), built once for the module."""
    out = tmp_path_factory.mktemp("quick")
    err = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stderr(err):
        # no user's store, as for every test (conftest's fixture is per test)
        mp.setenv("SOFTSTAKE_STORE", str(out.parent / "no-store.sqlite"))
        code = main(["report", "--quick", "--out", str(out), "--jobs", "2"])
    assert code == 0, err.getvalue()
    return out


def test_quick_report_and_index(quick):
    index = json.loads((quick / "index.json").read_text())
    assert len(index) == 8 and all(r["ok"] for r in index)
    # in the plan's order, not the order the runs finished in
    assert [r["slug"] for r in index] == [r.slug for r in plan(quick=True)]
    page = (quick / "index.html").read_text()
    for r in index:
        assert (quick / r["html"]).is_file() and (quick / r["ipynb"]).is_file()
        assert r["html"] in page and r["headline"] and r["params"] is not None
    # the overview shows the caps run's figure, formatted
    assert "Overview by token" in page and "By token, in detail" in page
    bnb = next(r for r in index if r["notebook"] == "caps" and r["headline"]["token"] == "BNB")
    assert usd(bnb["headline"]["daily_cost_usd"]) in page
    stress = next(r for r in index if r["notebook"] == "liquidity_stress")
    assert set(stress["headline"]["per_token"]) == {"BNB", "SOL", "ADA"}
    assert "0.000000" not in page
    recon = next(r for r in index if r["notebook"] == "reconcile")
    assert recon["headline"]["missing"] == 1 and recon["headline"]["unexpected"] == 1
    html = (quick / index[0]["html"]).read_text()
    assert "cdnjs.cloudflare.com" not in html  # readable offline
    assert "_report.validate" not in html  # no code cells


def test_the_index_fits_a_laptop_screen(quick):
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = _browser(p)
        page, errors = _page(browser)
        page.set_viewport_size({"width": WIDTH, "height": 800})
        page.goto((quick / "index.html").as_uri())
        page.wait_for_load_state("load")
        page.screenshot(path=str(quick.parent / "index-1280.png"), full_page=True)
        widths, links = page.evaluate(WIDTHS), page.evaluate(LINKS)
        browser.close()
    assert errors == []
    doc, shown = widths["doc"]
    assert doc <= shown, f"the index is {doc} px wide on a {shown} px screen"
    assert len(widths["tables"]) >= 4  # the overview's two, a sweep, every report
    for t in widths["tables"]:
        assert t["right"] <= WIDTH, f"table {t['head']} ends at {t['right']:.0f} px"
    # every link to a page or a notebook resolves to a file of the folder
    pages = [(unquote(urlparse(href).path), text) for href, text in links
             if href.startswith("file:")]
    assert len(pages) >= 2 * 8  # each run's page and notebook, at least
    for path, text in pages:
        assert Path(path).is_file(), f"{text!r} links to {path}, which does not exist"
        assert Path(path).parent == quick


def test_no_python_words_or_bare_intervals_on_any_page(quick):
    playwright = pytest.importorskip("playwright.sync_api")
    files = sorted(quick.glob("*.html"))
    assert len(files) == 9  # eight reports and the index
    with playwright.sync_playwright() as p:
        browser = _browser(p)
        page, errors = _page(browser)
        seen = {}
        for f in files:
            page.goto(f.as_uri())
            page.wait_for_load_state("load")
            seen[f.name] = (page.inner_text("body"), page.evaluate(PARAMETERS))
        browser.close()
    assert errors == []
    for name, (text, tables) in seen.items():
        words = [text[max(0, m.start() - 60):m.end() + 20] for m in PYTHON_WORDS.finditer(text)]
        assert words == [], f"{name} shows Python words: {words}"
        bare = [m.group(0) for m in BARE_NO_WIDTH.finditer(text)]
        assert bare == [], f"{name} shows intervals of no width without why: {bare}"
        # each parameter's description is its own: no sentence is two fields'
        for rows in tables:
            said: dict[str, str] = {}
            for field, meaning in rows:
                for sentence in filter(None, (s.strip() for s in meaning.split(". "))):
                    assert said.setdefault(sentence, field) == field, \
                        f"{name}: {field} and {said[sentence]} both say {sentence!r}"
    assert any(tables for _, tables in seen.values())  # the pages' parameter tables were read
