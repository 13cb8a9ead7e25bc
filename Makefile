# Two commands from a fresh clone: `make demo` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR := data/demo
DEMO_ARGS ?= --employees 150 --months 30 --as-of 2026-10-31 --seed 7
BACKTEST_FROM ?= 2025-11
BACKTEST_TO ?= 2026-09
CHROMIUM := /usr/bin/chromium

.PHONY: setup build demo test test-fast chromium clean bench

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "wipcast needs Python 3.11 (found %s)" % sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(STAMP)

# Generate the demo firm, ingest, dbt build, forecast, backtest (forecast history), publish.
build: setup
	$(BIN)/wipcast demo generate --out $(DEMO_DIR) $(DEMO_ARGS)
	$(BIN)/wipcast run --input $(DEMO_DIR)
	$(BIN)/wipcast backtest --from $(BACKTEST_FROM) --to $(BACKTEST_TO)
	$(BIN)/wipcast publish

demo: build
	$(BIN)/wipcast app --port 8501

# Browser tests drive Debian's chromium; install it when missing (CI runs as root).
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; \
	fi
	@test -x $(CHROMIUM) || { echo "chromium could not be installed at $(CHROMIUM)"; exit 1; }

test: setup chromium
	$(BIN)/pytest -n 2 --dist loadfile

# Quick loop while developing: no browser, no end-to-end build.
test-fast: setup
	$(BIN)/pytest -n 2 -m "not browser and not slow"

bench: setup
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f; done

clean:
	rm -rf warehouse data/demo tests/artifacts .pytest_cache
