# `make run` serves the app with demo data; `make test` runs lint and the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Set (as .ci/run does) to run the suite on PostgreSQL too, e.g.
# TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/stagematch_test
TEST_POSTGRES_URL ?=
PYTEST_ARGS ?=

.PHONY: install run test test-sqlite test-postgres lint format clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/stagematch migrate
	$(BIN)/stagematch seed-demo --if-empty
	$(BIN)/stagematch serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check backend tests migrations
	$(BIN)/ruff format --check backend tests migrations

format: install
	$(BIN)/ruff check --fix backend tests migrations
	$(BIN)/ruff format backend tests migrations

test-sqlite: install
	$(BIN)/pytest -q $(PYTEST_ARGS)

test-postgres: install
	TEST_DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/pytest -q $(PYTEST_ARGS)

test: lint test-sqlite
ifneq ($(TEST_POSTGRES_URL),)
	$(MAKE) --no-print-directory test-postgres
endif

clean:
	rm -rf $(VENV) var/*.db var/*.db-* frontend/node_modules
