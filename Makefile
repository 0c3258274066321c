# Debrief's two commands: `make run` (a working app with demo data) and `make test`.
# Everything happens in .venv/, built from pyproject.toml with the Python that
# .python-version names (python3 resolves to it under pyenv).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install dev-tools run test test-postgres bench loadtest screenshots lint format migrate clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Debrief needs Python 3.12 or newer; $(PYTHON) is " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

# Development-only JavaScript for the browser tests (axe-core), pinned in package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

dev-tools: node_modules/.installed

migrate: install
	$(PY) manage.py migrate --noinput

run: migrate
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py demo_login --url http://$(HOST):$(PORT)/
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install dev-tools
	$(PY) -m pytest $(PYTEST_ARGS)

# The suite against PostgreSQL (CI does this too); DATABASE_URL may point elsewhere.
test-postgres: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(PY) -m pytest -m "not browser" $(PYTEST_ARGS)

# The README's pictures of the main pages, taken in Chromium on the demo organisation
# (docs/screenshots/); the suite fails when templates or static files change without them.
screenshots: install
	$(PY) -m pytest tests/browser/screenshots.py -p no:randomly $(PYTEST_ARGS)

# A large organisation in a fresh database beside DATABASE_URL's (SQLite when unset), then the
# busiest pages timed at full size and at a tenth of the history; BENCH_ARGS="--fraction 0.1".
bench: install
	$(PY) -m bench $(BENCH_ARGS)

# Twenty concurrent clients against gunicorn for 30 s, on a fresh PostgreSQL database beside
# DATABASE_URL's (made and dropped by the test); fails on any error, lost or duplicated record.
loadtest: install
	$(PY) -m bench.load $(LOADTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache .ruff_cache
