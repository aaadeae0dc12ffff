# Two set-up commands on a fresh machine (Python 3.11, no conda):
#   make report   build the default HTML report for all 15 tokens (reports/index.html)
#   make test     lint and run the tests (all of them, with the package's doctests)
# While editing: make test-fast (lint, then every test not marked slow: no notebook runs,
# no wheel build).
# Each creates .venv and installs the project into it first, at the versions pinned in
# constraints.txt (make constraints regenerates it; make drift runs the fast tests on the
# latest releases in .venv-latest and says whether they still pass).

SHELL  := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: report test test-fast lint bench bench-scale lab clean constraints drift

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' -c constraints.txt
	touch $(STAMP)

# the pinned versions: a dev install at the latest releases, frozen
constraints:
	rm -rf .venv-freeze
	$(PYTHON) -m venv .venv-freeze
	.venv-freeze/bin/python -m pip install --quiet -e '.[dev]'
	{ sed -n '1,/^# the latest/p' constraints.txt; \
	  .venv-freeze/bin/python -m pip freeze --exclude-editable | grep -vi '^softstake'; \
	} > constraints.txt.new && mv constraints.txt.new constraints.txt
	rm -rf .venv-freeze

# the fast tests on the latest releases (no constraints), and what differs from the pins
drift:
	rm -rf .venv-latest
	$(PYTHON) -m venv .venv-latest
	.venv-latest/bin/python -m pip install --quiet --upgrade pip
	.venv-latest/bin/python -m pip install --quiet -e '.[dev]'
	.venv-latest/bin/python -m pip freeze --exclude-editable | grep -vi '^softstake' \
	  | diff <(grep -v '^#' constraints.txt) - | sed -n 's/^> /newer: /p' || true
	.venv-latest/bin/python -m pytest -q -m "not slow" -p no:cacheprovider

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
	rm -rf $(VENV) .venv-latest reports/*.csv reports/*.html
