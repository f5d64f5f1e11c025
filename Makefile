# PressLog — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Install from PyPI exactly as locked (hashes), whatever local pip settings say.
PIP := PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS= PIP_DISABLE_PIP_VERSION_CHECK=1 $(BIN)/pip
STAMP := $(VENV)/.installed
# Lighthouse for the page-load test (tests/e2e/test_lighthouse.py), from npm as locked.
LIGHTHOUSE := tools/lighthouse/node_modules/.package-lock.json
export PRESSLOG_INSTANCE_PATH ?= $(CURDIR)/instance

.PHONY: run test test-sqlite lint fmt typecheck bench install clean help

help:
	@echo "make run    install, migrate, seed demo data on first start, serve on http://127.0.0.1:5000"
	@echo "           with the background worker beside it (jobs; mail to instance/outbox/)"
	@echo "make test   the whole test suite (SQLite; PostgreSQL too when TEST_DATABASE_URL is set)"
	@echo "make lint   ruff and mypy;  make fmt  format;  make bench  benchmark (see bench/README.md)"

$(STAMP): requirements/main.txt requirements/dev.txt pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	@# The locks list every package: --no-deps keeps pip from re-resolving extras such as
	@# coverage[toml] against newer releases (which --require-hashes then refuses).
	$(PIP) install -q --require-hashes --no-deps -r requirements/main.txt -r requirements/dev.txt
	$(BIN)/pip check
	$(PIP) install -q --no-deps -e .
	touch $(STAMP)

$(LIGHTHOUSE): tools/lighthouse/package.json tools/lighthouse/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix tools/lighthouse --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: no Lighthouse, so tests/e2e/test_lighthouse.py is skipped"; fi

install: $(STAMP) $(LIGHTHOUSE)

run: $(STAMP)
	$(BIN)/presslog db upgrade
	@if [ ! -f "$(PRESSLOG_INSTANCE_PATH)/demo-credentials.txt" ]; then \
		$(BIN)/presslog seed-demo --orders 500 >/dev/null && echo "Demo data loaded."; fi
	@echo ""
	@echo "  PressLog is starting on http://127.0.0.1:5000"
	@$(BIN)/presslog demo-login | sed 's/^/  /'
	@echo "  Background jobs run beside it; with no MAIL_URL, e-mail goes to instance/outbox/"
	@echo ""
	@# The worker (mail, imports, scheduled jobs) runs in the background, in a process group
	@# of its own so that Ctrl+C stops the server only; whenever the server ends, the trap
	@# sends the worker one SIGINT: it finishes the jobs in hand and stops (a second
	@# SIGINT would abandon them).
	@trap 'kill -INT $$worker 2>/dev/null; wait $$worker' EXIT; \
	$(BIN)/python -c 'import os, sys; os.setpgid(0, 0); os.execv(sys.argv[1], sys.argv[1:])' \
		$(BIN)/presslog worker & worker=$$!; \
	$(BIN)/presslog serve --bind 127.0.0.1:5000 --workers 2

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --cov --cov-report=term --cov-report=xml $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check presslog tests bench
	$(BIN)/ruff format --check presslog tests bench
	$(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff format presslog tests bench
	$(BIN)/ruff check --fix presslog tests bench

bench: $(STAMP)
	$(BIN)/python bench/run.py --orders $${ORDERS:-100000} --db $${DB:-both}

clean:
	rm -rf $(VENV) .coverage coverage.xml htmlcov .pytest_cache .mypy_cache .ruff_cache tools/lighthouse/node_modules
