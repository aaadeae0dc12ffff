# Two set-up commands on a fresh machine (Python 3.11, no conda):
#   make report   build the default HTML report for all 15 tokens (reports/index.html)
#   make test     lint and run the tests (all of them, with the package's doctests)
# While editing: make test-fast (lint, then every test not marked slow: no notebook runs,
# no wheel build).
# Each creates .venv and installs the project into it first.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: report test test-fast lint bench bench-scale lab clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/softstake report --out reports

lint: $(STAMP)
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest

test-fast: lint
	$(BIN)/python -m pytest -m "not slow"

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_rewards.py
	$(BIN)/python benchmarks/bench_stress.py
	$(BIN)/python benchmarks/bench_caps.py

bench-scale: $(STAMP)
	$(BIN)/python benchmarks/bench_scale.py

lab: $(STAMP)
	cd notebooks && ../$(BIN)/jupyter lab explore.ipynb

clean:
	rm -rf $(VENV) reports/*.csv reports/*.html
