"""Scenario files of every shape: each mistake a one-line message naming the file (and the
line where YAML has one), exit 1, nothing run; duplicate YAML keys refused."""

import pytest
import yaml

from softstake_model.checks import text_dates_loader, unique_keys_loader
from softstake_model.cli import main

CASES = {
    "yields:\n  - {token: BNB}\nyields:\n  - {token: SOL}\n":
        "line 3: not valid YAML: found duplicate key 'yields' (first on line 1)",
    "caps:\n  - {token: BNB, token: SOL}\n":
        "line 2: not valid YAML: found duplicate key 'token' (first on line 2)",
    "caps:\n  - grid: {token: [BNB, SOL]}\n    params: [1, 2]\n":
        "caps: scenario 1: params needs a mapping of name -> value shared by the grid, "
        "got a list",
    "caps:\n  - grid: {token: [BNB]}\n    zip: {token: [SOL]}\n":
        "caps: scenario 1 has both grid and zip",
    "caps: 3\n": "caps: expected a list of scenarios",
    "- caps\n": "expected a mapping of notebook name -> list of scenarios",
    "caps:\n  - 5\n": "caps: scenario 1 is not a mapping",
    "caps:\n  - grid: [1]\n": "caps: scenario 1: grid needs a mapping of name -> list",
    "caps:\n  - grid: {token: BNB}\n":
        "caps: scenario 1: sweep parameter 'token' needs a list of values",
    "caps:\n  - grid: {token: [BNB]}\n    label: x\n":
        "caps: scenario 1: unexpected key(s) ['label'] beside grid/zip",
}


@pytest.mark.parametrize("text", list(CASES))
def test_scenario_file_mistake_is_one_line(text, tmp_path, capsys):
    f = tmp_path / "s.yaml"
    f.write_text(text)
    assert main(["report", "--scenarios", str(f), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "s.yaml" in err and CASES[text] in err, err
    assert not (tmp_path / "out").exists()


def test_unique_keys_loader_keeps_what_the_safe_loader_reads():
    text = "a: 1\nb: [1, {c: 2}]\nbase: &b {x: 1}\nd:\n  <<: *b\n  x: 2\nwhen: 2024-01-01\n"
    assert yaml.load(text, Loader=unique_keys_loader()) == yaml.safe_load(text)
    assert yaml.load(text, Loader=text_dates_loader())["when"] == "2024-01-01"
    assert yaml.load(text, Loader=text_dates_loader())["d"] == {"x": 2}


@pytest.mark.parametrize("text,key,first,line", [
    ("a: 1\na: 2\n", "a", 1, 2),
    ("{a: 1, b: 2, a: 3}", "a", 1, 1),
    ("x:\n  y: 1\n  z: 2\n  y: 3\n", "y", 2, 4),
    ("1: a\n1: b\n", 1, 1, 2),
])
def test_duplicate_keys_refused_where_they_repeat(text, key, first, line):
    for loader in (unique_keys_loader(), text_dates_loader()):
        with pytest.raises(yaml.YAMLError) as e:
            yaml.load(text, Loader=loader)
        assert e.value.problem == f"found duplicate key {key!r} (first on line {first})"
        assert e.value.problem_mark.line + 1 == line
