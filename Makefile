# kollega: `make run` sets everything up and starts the server; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
EMPLOYEES ?= 1200

.PHONY: run test setup venv assets i18n i18n-missing migrate seed lint format bench clean

setup: $(VENV)/.installed static/vendor/.built i18n

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "kollega needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	@node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null \
	  || { echo "kollega needs Node.js 20 or newer (with npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/.built: node_modules/.installed scripts/build_assets.mjs $(wildcard assets/chat/*.js)
	node scripts/build_assets.mjs
	touch $@

assets: static/vendor/.built

i18n: $(VENV)/.installed
	$(BIN)/python scripts/i18n.py compile

# Lists user-facing strings without a bokmål translation (see scripts/i18n.py).
i18n-missing: $(VENV)/.installed
	$(BIN)/python scripts/i18n.py missing

migrate: setup
	$(BIN)/kollega db upgrade

# The production server model on SQLite: gunicorn, one gevent worker (gunicorn.conf.py),
# the scheduled jobs inside it (kollega run).
run: migrate
	$(BIN)/kollega seed demo --if-empty --employees $(EMPLOYEES)
	$(BIN)/kollega run --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# ruff first; the tests run even when it complains, and either failing fails `make test`.
test: setup
	@lint=0; $(MAKE) --no-print-directory lint || lint=1; \
	$(BIN)/python -m pytest -n 2 --dist loadgroup --durations=30 $(PYTEST_ARGS); status=$$?; \
	if [ $$lint -ne 0 ]; then echo "make test: ruff found problems (see above the tests)"; fi; \
	if [ $$status -ne 0 ]; then exit $$status; fi; exit $$lint

# BENCH_PLAN=standard (default: every item of issue 11, about 32 min) | full | quick | smoke
bench: setup
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) node_modules static/vendor instance/test-*
