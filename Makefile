# kubedrill: `make run` serves the app, `make test` runs every test. Both set up what they need.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_PY := $(VENV)/.installed
STAMP_NPM := node_modules/.installed
CHROMIUM := /usr/bin/chromium

.PHONY: run test lint bench clean setup assets chromium postgresql

run: setup
	$(BIN)/kubedrill serve

test: setup chromium postgresql
	$(BIN)/ruff check app tests bench
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check app tests bench
	$(BIN)/kubedrill scenarios lint

bench: setup
	@for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

setup: $(STAMP_PY) assets

$(STAMP_PY): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

assets: $(STAMP_NPM) static/vendor/VERSIONS.txt

$(STAMP_NPM): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/VERSIONS.txt: $(STAMP_NPM) scripts/vendor-assets.sh
	bash scripts/vendor-assets.sh

# Browser tests drive Debian's chromium through Playwright (never `playwright install`).
chromium:
	@test -x $(CHROMIUM) || { \
	  echo "installing Debian chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The API tests run on SQLite and on a throwaway PostgreSQL server (tests/pg.py).
postgresql:
	@test -x "$$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | tail -1)" || { \
	  echo "installing Debian postgresql for the database tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

clean:
	rm -rf $(VENV) node_modules static/vendor var .pytest_cache .ruff_cache
