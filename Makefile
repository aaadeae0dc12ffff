# Two set-up commands on a fresh machine (Python 3.11, no conda):
#   make report   build the default report from the shipped catalogue and examples
#   make test     lint and run the tests
# Each creates .venv and installs the project into it first.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: report test lint bench lab clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

report: $(STAMP)
	@mkdir -p reports
	$(BIN)/softstake rewards softstake_model/data/examples/ledger.csv \
		--activations softstake_model/data/examples/activations.csv \
		--start 2025-11-20 --end 2025-12-19 --out reports/example_rewards.csv
	@echo "reward history of the example ledger: $(CURDIR)/reports/example_rewards.csv"

lint: $(STAMP)
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_rewards.py
	$(BIN)/python benchmarks/bench_stress.py
	$(BIN)/python benchmarks/bench_caps.py

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(VENV) reports/*.csv reports/*.html
