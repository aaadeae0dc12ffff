"""The shipped data: one home, every file found, every table through the checked reader."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from softstake_model import catalog, shipped
from softstake_model.errors import InputError, ParameterError

DATA = Path(shipped.__file__).parent / "data"


def test_every_shipped_file_has_a_name():
    tables = {p.relative_to(DATA).as_posix() for p in DATA.rglob("*")
              if p.suffix in (".csv", ".json")}
    assert tables == set(shipped.FILES.values())
    for name in shipped.FILES:
        assert shipped.path(name).is_file()
    with pytest.raises(ParameterError, match="name"):
        shipped.path("nothing")


def test_loaders_give_the_files_values():
    # the values as the file has them, read here with pandas alone
    raw = pd.read_csv(DATA / "chain_params.csv", dtype=str, keep_default_na=False)
    assert shipped.chain_params().equals(raw)
    proc = shipped.apr_processes()
    assert proc.at["SOL", "kappa"] == 1.0 and proc.at["SOL", "step_sd"] == 0.3
    assert pd.isna(proc.at["ADA", "kappa"]) and proc.at["BNB", "process"] == "fallback"
    eth = shipped.eth_store()
    assert eth["apr"].iloc[0] == 0.1740251707100836  # the file's first row
    assert eth["date"].iloc[0] == pd.Timestamp("2020-12-01", tz="UTC")
    stats = shipped.cardano_epoch_statistics()
    assert stats.loc[0, "total_supply"] == "31721802447229607"  # exact beyond 2**53
    assert shipped.cardano_epochs()["block_count"].iloc[0] == 21556


def test_loaders_return_copies():
    a = shipped.chain_params()
    a.loc[0, "value"] = "changed"
    assert shipped.chain_params().loc[0, "value"] != "changed"


@pytest.mark.parametrize("name, line, column, old, new", [
    ("chain_params", 3, "date", "2021-02-10", "10/02/2021"),
    ("chain_params", 2, "confidence", ",assumed,,,", ",guessed,,,"),
    ("chain_params", 2, "high", ",0.0,0.1\n", ",0.2,0.1\n"),
    ("apr_processes", 2, "kappa", "SOL,schedule,1.0", "SOL,schedule,-1.0"),
    ("apr_processes", 2, "process", "SOL,schedule", "SOL,random"),
    ("eth_store", 2, "apr", "0.1740251707100836", "17.4"),
])
def test_a_damaged_file_is_refused_naming_line_and_column(monkeypatch, tmp_path, name, line,
                                                          column, old, new):
    src = shipped.path(name)
    bad = tmp_path / src.name
    text = src.read_text()
    assert old in text
    bad.write_text(text.replace(old, new, 1))
    monkeypatch.setattr(shipped, "path", lambda n: bad if n == name else src)
    loader = getattr(shipped, name)
    with pytest.raises(InputError) as e:
        loader.__wrapped__()  # the reading itself, not the cache
    assert f"line {line}" in str(e.value) and f"column '{column}'" in str(e.value)


def test_the_shipped_catalogue_goes_through_the_checked_reader(monkeypatch, tmp_path):
    bad = tmp_path / "catalog.csv"
    shutil.copy(shipped.path("catalog"), bad)
    lines = bad.read_text().splitlines()
    lines[2] = lines[2].replace(",fixed:", ",weekly:", 1) if ",fixed:" in lines[2] else \
        lines[2].replace(",boundary:", ",weekly:", 1)
    bad.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(shipped, "path", lambda n: bad)
    with pytest.raises(InputError, match="line 3, column 'unbonding'"):
        catalog.load_catalog()


def test_the_token_list_and_date_come_from_the_catalogue():
    from softstake_model.report.params import ALL_TOKENS

    raw = pd.read_csv(DATA / "catalog.csv")
    assert ALL_TOKENS.split(",") == catalog.tokens() == raw["token"].tolist()
    assert catalog.as_of() == "2025-11-19"  # the day its prices are "around"
