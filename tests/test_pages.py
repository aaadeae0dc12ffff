"""The report's pages are light: a few KB of the report's own CSS, not JupyterLab's."""

import re

import pytest

from softstake_model.cli import main


@pytest.mark.slow
def test_a_report_page_carries_a_few_kb_of_css(tmp_path, capsys):
    assert main(["report", "--quick", "--notebook", "caps", "--token", "BNB", "--out",
                 str(tmp_path)]) == 0, capsys.readouterr().err
    page = (tmp_path / "caps-token=BNB.html").read_text()
    styles = re.findall(r"<style[^>]*>(.*?)</style>", page, re.S)
    assert "a few rules of our own" in styles[1]  # static/softstake.css, inlined
    assert sum(map(len, styles)) < 10_000  # JupyterLab's stylesheet alone was 263 KB
    head = page.split("<body", 1)[0]
    assert "--jp-layout-color0:" not in head and ".jp-OutputArea-child" not in head  # no theme
    assert page.count("data:image/png;base64,") >= 1  # the figures, inline
    assert ">True<" not in page and ">None<" not in page  # no Python words in the tables
