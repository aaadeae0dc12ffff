"""The explorer as a person uses it: in JupyterLab and as the Voilà dashboard of
``softstake explore``, in Debian's Chromium driven by Playwright (no browser download).

Each step waits for what it expects on the page (a new chart, a message), never for a time;
the timeouts are only a last guard against a server that never answers.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import threading
from importlib.resources import files
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

#: Last guard for a server or a kernel that never answers (ms); every wait is for an event.
GUARD = 240_000

#: The chart's pixels: a hash (changes with the drawing), the share of pixels with ink (a
#: blank chart has none) and the size; null until the image has loaded.
CHART = """() => {
  const i = document.querySelector('.softstake-chart');
  if (!i || !i.complete || !i.naturalWidth) return null;
  const c = document.createElement('canvas');
  c.width = i.naturalWidth; c.height = i.naturalHeight;
  const g = c.getContext('2d'); g.drawImage(i, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let h = 0, ink = 0;
  for (let k = 0; k < d.length; k += 4) {
    h = (Math.imul(h, 31) + d[k] + 7 * d[k + 1] + 13 * d[k + 2]) >>> 0;
    if (d[k] < 200 || d[k + 1] < 200 || d[k + 2] < 200) ink++;
  }
  return {hash: h, ink: ink / (c.width * c.height), width: c.width};
}"""

#: Each labelled control: its label's full and shown width, the control's width and the
#: width of what takes the value (input, select or slider track).
CONTROLS = """() => [...document.querySelectorAll(
    '.softstake-explorer .widget-inline-hbox')].filter(b => {
  const l = b.querySelector('.widget-label');
  return l && l.textContent.trim() !== '';
}).map(b => {
  const l = b.querySelector('.widget-label');
  const v = b.querySelector('input, select, .slider-container, .widget-slider');
  const r = b.querySelector('.widget-readout');
  return {label: l ? l.textContent : '', full: l ? l.scrollWidth : 0,
          shown: l ? l.clientWidth : 0, box: b.getBoundingClientRect().width,
          value: v ? v.getBoundingClientRect().width : 0,
          readout: r ? [r.scrollWidth, r.clientWidth] : [0, 0]};
})"""

#: The notebook's kernel has started and waits for work.
IDLE = """() => /\\|\\s*Idle/.test(document.querySelector('#jp-main-statusbar')?.innerText ?? '')"""

#: The text of every output that is not the dashboard itself, in lines.
OUTPUTS = """() => [...document.querySelectorAll('.jp-OutputArea-output')]
  .filter(o => !o.querySelector('.softstake-explorer'))
  .map(o => o.innerText.trim()).filter(t => t.length > 0)"""


def _chromium() -> str:
    for path in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if os.path.exists(path):
            return path
    if os.environ.get("CI"):
        pytest.fail("chromium is missing: .ci/run installs Debian's chromium package")
    pytest.skip("no chromium here; .ci/run installs it")


class _Server:
    """A server started as a subprocess; :meth:`wait_for` returns the first output line
    matching a pattern (its output is read by a thread, so that the pipe never fills)."""

    def __init__(self, cmd: list[str], **kw: object) -> None:
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, encoding="utf-8", errors="replace", **kw)
        self.lines: list[str] = []
        self.changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            with self.changed:
                self.lines.append(line)
                self.changed.notify_all()
        with self.changed:
            self.lines.append("")  # the end
            self.changed.notify_all()

    def wait_for(self, pattern: str) -> re.Match:
        def found() -> re.Match | bool:
            if self.lines and self.lines[-1] == "":
                return True
            return next((m for m in map(re.compile(pattern).search, self.lines) if m), False)

        with self.changed:
            got = self.changed.wait_for(found, timeout=GUARD / 1000)
        if not isinstance(got, re.Match):
            pytest.fail(f"no {pattern!r} from the server: {''.join(self.lines[-20:])}")
        return got

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _chart(page, old: int | None = None) -> dict:
    """The chart once it has loaded (and, with ``old``, once its pixels differ from it)."""
    page.wait_for_function(f"(old) => {{ const s = ({CHART})(); "
                           "return s !== null && s.hash !== old; }", arg=old, timeout=GUARD)
    shown = page.evaluate(CHART)
    assert shown["ink"] > 0.02, f"a blank chart: {shown}"
    return shown


def _use_every_kind_of_control(page, shots: Path, name: str) -> None:
    """Change the token, drag the budget slider, type a bad value; check what is shown."""
    first = _chart(page)
    assert first["width"] >= 800
    page.screenshot(path=str(shots / f"{name}-1-first.png"))
    # the token: a new chart (not a blank one), sentences in the new token
    page.select_option(".softstake-token select", "SOL")
    after_token = _chart(page, first["hash"])
    page.wait_for_selector(".softstake-sentences :text('SOL')", timeout=GUARD)
    page.locator(".softstake-chart").screenshot(path=str(shots / f"{name}-chart-SOL.png"))
    # the budget slider: long enough to use, and a drag redraws on release
    handle = page.locator(".softstake-budget_usd .noUi-handle")
    handle.scroll_into_view_if_needed()  # the chart's screenshot scrolled the page
    box = handle.bounding_box()
    track = page.locator(".softstake-budget_usd .slider-container").bounding_box()
    assert track["width"] >= 400, track  # six decades over 400 px or more
    readout = page.inner_text(".softstake-budget_usd .widget-readout")
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 120, box["y"] + box["height"] / 2,
                    steps=8)
    page.mouse.up()
    after_drag = _chart(page, after_token["hash"])
    assert page.inner_text(".softstake-budget_usd .widget-readout") != readout
    page.screenshot(path=str(shots / f"{name}-2-dragged.png"))
    # a bad value: one line under the controls naming the control; the chart stays
    box = page.locator(".softstake-min_holding input")
    box.fill("-5")
    box.press("Enter")
    message = page.wait_for_selector(".softstake-message :text('Not computed')",
                                     timeout=GUARD)
    said = page.inner_text(".softstake-message")
    assert said.startswith("Not computed: minimum (tokens) must be >= 0, got -5"), said
    assert len(said.splitlines()) == 1
    line = page.evaluate("(e) => parseFloat(getComputedStyle(e).lineHeight) || 20",
                         message)
    assert message.bounding_box()["height"] < 2.5 * line
    assert page.evaluate(CHART)["hash"] == after_drag["hash"]
    page.screenshot(path=str(shots / f"{name}-3-refused.png"))
    # every control is at least its label's width; no label or readout is cut
    controls = page.evaluate(CONTROLS)
    assert len(controls) == 11, controls
    for c in controls:
        assert c["full"] <= c["shown"] + 1, f"label cut: {c}"
        assert c["readout"][0] <= c["readout"][1] + 1, f"readout cut: {c}"
        assert c["value"] >= 80 and c["box"] >= c["full"] + c["value"], c
    # nothing printed but the controls, the sentences and the chart
    for text in page.evaluate(OUTPUTS):
        assert len(text.splitlines()) <= 3, text[:500]


def _browser(p):
    return p.chromium.launch(executable_path=_chromium(), args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"])


def _page(browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page, errors


def test_explorer_in_jupyterlab(tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    pytest.importorskip("jupyterlab")
    shutil.copy(files("softstake_model") / "notebooks" / "explore.ipynb", tmp_path)
    token = secrets.token_hex(16)
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    lab = _Server([sys.executable, "-m", "jupyterlab", "--no-browser", "--port=0",
                   "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
                   f"--ServerApp.root_dir={tmp_path}",
                   "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                   "--LabApp.news_url=None", "--LabApp.extension_manager=readonly",
                   "--allow-root"], env=env, cwd=tmp_path)
    try:
        base = lab.wait_for(r"(http://127\.0\.0\.1:\d+/)lab\?token=").group(1)
        with playwright.sync_playwright() as p:
            b = _browser(p)
            page, errors = _page(b)
            page.goto(f"{base}lab/tree/explore.ipynb?token={token}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=GUARD)
            # the kernel is ready (a cell run before it is would be dropped)
            page.wait_for_function(IDLE, timeout=GUARD)
            page.click(".lm-MenuBar-itemLabel:text-is('Run')")
            page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
            page.wait_for_selector(".softstake-explorer", timeout=GUARD)
            _use_every_kind_of_control(page, tmp_path, "lab")
            b.close()
    finally:
        lab.stop()
    assert errors == []


def test_explorer_as_a_voila_dashboard(tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    pytest.importorskip("voila")
    voila = _Server([sys.executable, "-m", "softstake_model.cli", "explore", "--port", "0"],
                    cwd=tmp_path)
    try:
        url = voila.wait_for(r"explorer: (http://127\.0\.0\.1:\d+/) \(Ctrl-C stops it\)")
        with playwright.sync_playwright() as p:
            b = _browser(p)
            page, errors = _page(b)
            page.goto(url.group(1))
            page.wait_for_selector(".softstake-explorer", timeout=GUARD)
            _use_every_kind_of_control(page, tmp_path, "voila")
            b.close()
    finally:
        voila.stop()
    assert errors == []
