# `make run` serves the app with demo data; `make test` runs lint and the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The client's npm packages (Preact, htm, uPlot, axe-core), pinned by package-lock.json.
NPM_STAMP := frontend/node_modules/.installed
# Set (as .ci/run does) to run the suite on PostgreSQL too, e.g.
# TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/stagematch_test
TEST_POSTGRES_URL ?=
PYTEST_ARGS ?=

.PHONY: install run test test-sqlite test-postgres test-node lint audit format clean bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

$(NPM_STAMP): frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $(NPM_STAMP)

install: $(STAMP) $(NPM_STAMP)

run: install
	$(BIN)/stagematch migrate
	$(BIN)/stagematch seed-demo --if-empty
	$(BIN)/stagematch serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check backend tests migrations bench scripts examples
	$(BIN)/ruff format --check backend tests migrations bench scripts examples
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix backend tests migrations bench scripts examples
	$(BIN)/ruff format backend tests migrations bench scripts examples

test-sqlite: install
	$(BIN)/pytest -q $(PYTEST_ARGS)

# The browser tests run once, on the SQLite pass.
test-postgres: install
	TEST_DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/pytest -q -m "not browser" $(PYTEST_ARGS)

# Known vulnerabilities in the dependencies (docs/SECURITY.md, "Dependency audit").
audit: install
	$(BIN)/python scripts/audit_dependencies.py

test-node: install
	node --test frontend/tests/

test: lint audit test-node test-sqlite
ifneq ($(TEST_POSTGRES_URL),)
	$(MAKE) --no-print-directory test-postgres
endif

clean:
	rm -rf $(VENV) var/*.db var/*.db-* frontend/node_modules

# The benchmark (issue 8): a fresh PostgreSQL database `stagematch_bench` on 127.0.0.1:5432
# (user postgres), 2 replicas of the API against a bare baseline; writes docs/PERFORMANCE.md.
bench: install
	$(BIN)/python -m bench.run
