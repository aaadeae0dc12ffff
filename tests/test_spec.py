"""One definition per parameter: the field's spec drives the checks, the options and the
parameter tables."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from softstake_model import spec
from softstake_model.errors import ParameterError
from softstake_model.liquidity import RunModel, StressParams
from softstake_model.spec import param
from softstake_model.terms import Terms


@dataclass(frozen=True)
class Demo:
    amount: float = param(doc="An amount.", unit="tokens", low=0, low_open=True)
    share: float = param(0.1, doc="A share.", unit="share", kind="ratio", flag="--buffer")
    apr: float = param(0.05, doc="An APR.", unit="fraction per year", kind="rate")
    days: int = param(90, doc="Horizon.", unit="days", kind="whole", low=1, high=3650)
    cap: float | None = param(None, doc="A cap (none: no cap).", low=0, optional=True)
    mode: str = param("a", doc="A mode.", kind="text", choices=("a", "b"))
    on: bool = param(False, doc="A switch.", kind="flag")

    def __post_init__(self) -> None:
        spec.check(self)


@pytest.mark.parametrize("kw, message", [
    ({"amount": 0}, "amount must be > 0, got 0"),
    ({"amount": 1, "share": 1.5}, "share must be in [0, 1], got 1.5"),
    ({"amount": 1, "apr": 5}, "apr must be a fraction in [0, 1] (0.05 = 5%), got 5: it "
     "looks like a percentage; write 0.05"),
    ({"amount": 1, "days": 0}, "days must be in 1..3,650, got 0"),
    ({"amount": 1, "days": 2.5}, "days must be a whole number, got 2.5"),
    ({"amount": 1, "cap": -1}, "cap must be >= 0, got -1"),
    ({"amount": 1, "mode": "c"}, "mode must be one of a, b, got 'c'"),
    ({"amount": 1, "on": 1}, "on must be true or false, got 1"),
    ({"amount": None}, "amount must be given (it has no 'none' value)"),
    ({"amount": float("nan")}, "amount must be a finite number, got nan"),
])
def test_check_names_the_parameter(kw, message):
    with pytest.raises(ParameterError) as e:
        Demo(**kw)
    assert str(e.value) == message
    assert e.value.param == message.split()[0]


def test_values_are_normalised():
    d = Demo(amount=3, days=7.0)
    assert isinstance(d.amount, float) and d.days == 7 and isinstance(d.days, int)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_ratio_accepts_exactly_the_unit_interval(x):
    if 0 <= x <= 1:
        assert Demo(amount=1, share=x).share == x
    else:
        with pytest.raises(ParameterError):
            Demo(amount=1, share=x)


def test_options_are_derived_from_the_fields():
    p = argparse.ArgumentParser()
    spec.add_options(p, Demo)
    args = p.parse_args(["--amount", "2", "--buffer", "0.3", "--on"])
    assert (args.amount, args.share, args.days, args.on, args.cap) == (2.0, 0.3, 90, True, None)
    d = spec.from_args(Demo, args)
    assert d == Demo(amount=2, share=0.3, on=True)
    helps = {a.dest: a.help for a in p._actions}
    assert helps["share"] == "A share (share); in [0, 1]; default 0.1"
    assert helps["days"] == "Horizon (days); in 1..3,650; default 90"
    with pytest.raises(SystemExit):  # a required field is a required option
        p.parse_args([])


def test_build_lists_every_problem():
    with pytest.raises(ParameterError) as e:
        spec.build(Demo, {"amount": -1, "days": 0, "nope": 1}, where="demo")
    assert str(e.value).splitlines() == [
        "demo: unknown parameter(s) ['nope']; known: ['amount', 'apr', 'cap', 'days', "
        "'mode', 'on', 'share']",
        "demo: parameter 'amount' must be > 0, got -1",
        "demo: parameter 'days' must be in 1..3,650, got 0",
    ]
    assert spec.build(Demo, {"amount": 1}) == Demo(amount=1)


def test_describe_lists_every_value_with_its_default_flag():
    rows = spec.describe(Demo(amount=1, days=30))
    by = {r["name"]: r for r in rows}
    assert [r["name"] for r in rows] == ["amount", "share", "apr", "days", "cap", "mode", "on"]
    assert by["days"]["value"] == 30 and not by["days"]["default"]
    assert by["share"]["default"] and by["share"]["unit"] == "share"
    assert spec.values(Demo(amount=1))["cap"] is None


def test_the_model_parameters_have_one_definition_each():
    # every field of the scenario objects carries its spec: meaning and unit are written once
    for cls in (StressParams, RunModel, Terms):
        specs = spec.specs(cls)
        assert specs, cls
        assert all(s.doc and s.doc[0].isupper() for s in specs.values()), cls
    # fee is [0, 1) in Terms (a fee of 100 % would pay nothing)
    with pytest.raises(ParameterError, match=r"fee must be in \[0, 1\), got 1"):
        Terms(fee=1.0)
    assert StressParams(total=1, buffer_ratio=0.1, shocks=["2:0.3"]).shocks == ((2, 0.3),)
