# Two commands from a fresh clone: `make demo` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
# The newest interpreter >= 3.11 on PATH (a pyenv shim that cannot run counts as absent); PYTHON=... overrides.
ifndef PYTHON
PYTHON := $(shell for p in python3.13 python3.12 python3.11 python3; do \
	if $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then \
	$$p -c 'import sys; print(sys.executable)'; break; fi; done)
endif
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/uv/bin/uv
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.synced
DEMO_DIR := data/demo
DEMO_ARGS ?= --employees 150 --months 30 --as-of 2026-10-31 --seed 7 --erp-invoices
BACKTEST_FROM ?= 2025-11
BACKTEST_TO ?= 2026-09
CHROMIUM := /usr/bin/chromium
# tests/postgres starts a private cluster with these (Debian's layout)
PG_INITDB := $(firstword $(wildcard /usr/lib/postgresql/*/bin/initdb))
# tests/spark runs pyspark in local mode, which needs a Java runtime (Debian's OpenJDK)
JAVA_PACKAGE := openjdk-17-jre-headless
# uv must never fetch an interpreter of its own: only the package index is reachable.
export UV_PYTHON_DOWNLOADS := never

.PHONY: setup lock build build-spark demo test test-fast lint format chromium postgresql openjdk clean bench python

python:
	@test -n "$(PYTHON)" || { echo "wipcast needs Python 3.11 or newer: none of python3.13, python3.12, python3.11, python3 on PATH is"; exit 1; }
	@echo "using $$($(PYTHON) -c 'import sys; print("Python", sys.version.split()[0], "at", sys.executable)')"

# uv itself comes from PyPI into a bootstrap folder (pip --target; a venv where pip refuses --target).
$(UV):
	@$(MAKE) -s python
	@$(PYTHON) -m pip install --quiet --disable-pip-version-check --target $(TOOLS)/uv 'uv==$(UV_VERSION)' 2>/dev/null \
		|| { $(PYTHON) -m venv $(TOOLS)/uv && $(TOOLS)/uv/bin/pip install --quiet 'uv==$(UV_VERSION)'; }
	@test -x $(UV) || { echo "could not install uv $(UV_VERSION) into $(TOOLS)/uv"; exit 1; }

setup: $(STAMP)

# uv.lock pins every package; --frozen refuses to install anything the lock does not say.
$(STAMP): uv.lock pyproject.toml | $(UV)
	@$(MAKE) -s python
	$(UV) sync --frozen --quiet --python $(PYTHON)
	@touch $(STAMP)

# Regenerate uv.lock after changing the ranges in pyproject.toml.
lock: | $(UV)
	$(UV) lock --python $(PYTHON)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/sqlfluff lint dbt_project --processes 2

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/sqlfluff fix dbt_project --processes 2

# Generate the demo firm, ingest, dbt build, forecast, backtest (forecast history), publish.
build: setup
	$(BIN)/wipcast demo generate --out $(DEMO_DIR) $(DEMO_ARGS)
	$(BIN)/wipcast run --input $(DEMO_DIR)
	$(BIN)/wipcast backtest --from $(BACKTEST_FROM) --to $(BACKTEST_TO)
	$(BIN)/wipcast publish

# The same demo firm on Spark in local mode (docs/warehouses.md): raw, marts and forecasts as Spark tables
# under warehouse/spark-demo/spark, beside the DuckDB build.
SPARK_DEMO_DIR := warehouse/spark-demo
build-spark: setup openjdk
	$(BIN)/wipcast demo generate --out $(DEMO_DIR) $(DEMO_ARGS)
	WIPCAST_WAREHOUSE_KIND=spark WIPCAST_WAREHOUSE_DIR=$(SPARK_DEMO_DIR) $(BIN)/wipcast run --input $(DEMO_DIR)

demo: build
	$(BIN)/wipcast app --port 8501

# Browser tests drive Debian's chromium; install it when missing (CI runs as root).
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; \
	fi
	@test -x $(CHROMIUM) || { echo "chromium could not be installed at $(CHROMIUM)"; exit 1; }

# The PostgreSQL tests run a private cluster (initdb + pg_ctl, no service); install Debian's server when missing.
postgresql:
	@if [ -z "$(PG_INITDB)" ]; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
		else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; fi; \
	fi
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { echo "postgresql could not be installed (no initdb under /usr/lib/postgresql)"; exit 1; }

# The Spark tests (and `[warehouse] kind = "spark"`) start pyspark, which needs `java`; install Debian's when missing.
openjdk:
	@if ! command -v java >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(JAVA_PACKAGE) >/dev/null; \
		else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(JAVA_PACKAGE) >/dev/null; fi; \
	fi
	@command -v java >/dev/null 2>&1 || { echo "java could not be installed ($(JAVA_PACKAGE))"; exit 1; }

test: lint chromium postgresql openjdk
	$(BIN)/pytest -n 3 --dist loadfile

# Quick loop while developing: no browser, no end-to-end build, no linters.
test-fast: setup
	$(BIN)/pytest -n 2 -m "not browser and not slow"

bench: setup
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f; done

clean:
	rm -rf warehouse data/demo tests/artifacts .pytest_cache
