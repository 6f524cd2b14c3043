# One task runner, the same entry points locally and in CI.
# `make run` and `make test` install whatever is missing first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.DEFAULT_GOAL := help
.PHONY: help install run test lint typecheck unit bench chaos cluster clean

help:
	@echo "make run    start restate-server, serve every service, register them, serve the chat page"
	@echo "make test   lint, type check and the whole test suite (against a real restate-server)"
	@echo "make bench  benchmarks side by side (writes BENCHMARKS.md)"
	@echo "make lint   ruff and mypy only"
	@echo "make chaos  agent sessions under SIGKILLs and server restarts; prints the counts (CHAOS_ARGS=--help)"
	@echo "make cluster  a three-node Restate cluster on loopback serving every app"

$(PY_STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "resilient-agents needs Python 3.11 or newer: found " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { echo "could not create a virtual environment: install python3-venv (apt-get install python3-venv)"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 20+ (apt-get install nodejs npm) to get restate-server"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(PY_STAMP) $(NODE_STAMP)

run: install
	$(BIN)/resilient-agents dev

LINT_PATHS := $(wildcard src tests scripts benchmarks)

lint: $(PY_STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy

typecheck: lint

unit: $(PY_STAMP)
	$(BIN)/pytest tests/unit -q

# The chat page's browser tests drive Debian's Chromium through Playwright (browser downloads fail here).
CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q chromium; \
	elif sudo -n true 2>/dev/null; then sudo -n apt-get update -q && sudo -n apt-get install -y -q chromium; \
	else echo "Chromium is missing (the chat page tests need it): run 'sudo apt-get install -y chromium'"; exit 1; fi

test: install $(CHROMIUM) lint
	$(BIN)/pytest -q

BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): pyproject.toml $(PY_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	@touch $@

bench: install $(BENCH_STAMP)
	$(BIN)/python -m benchmarks

# Bounded: 40 sessions, 12 kills, 2 server restarts by default; e.g. CHAOS_ARGS="--sessions 100 --hard".
chaos: install
	$(BIN)/python -m tests.apps.chaos $(CHAOS_ARGS)

cluster: install
	$(BIN)/python scripts/cluster.py

clean:
	rm -rf $(VENV) node_modules .restate .pytest_cache .mypy_cache .ruff_cache
