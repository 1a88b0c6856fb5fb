# `make run` serves the app with demo data (installing only what serving needs);
# `make test` runs lint and the whole suite (installing everything).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The Python dependencies, every one pinned with its hashes (`make lock` writes them from
# pyproject.toml): the app's for the image, the app's and the test tools' for development/CI.
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
# One resolution for every platform (markers where they differ) from Python 3.11 up, the
# lowest pyproject.toml allows: the lock installs the same on a laptop, in CI and the image.
# Extra arguments, e.g. LOCK_ARGS="--upgrade-package anyio", upgrade an indirect dependency.
LOCK_ARGS ?=
COMPILE := $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 \
	--generate-hashes --quiet --custom-compile-command "make lock" $(LOCK_ARGS)
# The client's npm packages (Preact, htm, uPlot; axe-core and Biome for the tests and the
# lint), pinned by package-lock.json.
NPM_STAMP := frontend/node_modules/.installed
# Lints and formats the client's JavaScript (frontend/biome.json); warnings fail too.
BIOME := cd frontend && node_modules/.bin/biome
# Set (as .ci/run does) to run the suite on PostgreSQL too, e.g.
# TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/stagematch_test
TEST_POSTGRES_URL ?=
PYTEST_ARGS ?=

# `make run PORT=8123` serves on another port (mail links follow it in development).
PORT ?= 8000
# What serving needs, without the test tools: the app's lock and the client's runtime packages.
# A full development install (the stamps above) already holds it.
RUN_STAMP := $(VENV)/.installed-run
NPM_RUN_STAMP := frontend/node_modules/.installed-run

.PHONY: install install-run lock run test test-sqlite test-postgres test-node lint audit format clean bench bench-scale

# Exactly the locked versions, each checked against its hash; then the app itself, without
# dependencies. `pip check` fails when pyproject.toml asks for what the lock lacks (edited
# without `make lock`).
$(STAMP): $(DEV_LOCK) pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q --require-hashes -r $(DEV_LOCK)
	$(BIN)/python -m pip install -q --no-deps -e .
	$(BIN)/python -m pip check
	touch $(STAMP)

$(NPM_STAMP): frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $(NPM_STAMP)

install: $(STAMP) $(NPM_STAMP)

$(RUN_STAMP): $(LOCK) pyproject.toml
	if [ -f $(STAMP) ] && [ $(STAMP) -nt $(LOCK) ] && [ $(STAMP) -nt pyproject.toml ]; then :; else \
		{ test -x $(BIN)/python || $(PYTHON) -m venv $(VENV); } && \
		$(BIN)/python -m pip install -q --upgrade pip && \
		$(BIN)/python -m pip install -q --require-hashes -r $(LOCK) && \
		$(BIN)/python -m pip install -q --no-deps -e . && \
		$(BIN)/python -m pip check; fi
	touch $(RUN_STAMP)

$(NPM_RUN_STAMP): frontend/package-lock.json
	if [ -f $(NPM_STAMP) ] && [ $(NPM_STAMP) -nt frontend/package-lock.json ]; then :; else \
		cd frontend && npm ci --omit=dev --no-audit --no-fund; fi
	touch $(NPM_RUN_STAMP)

install-run: $(RUN_STAMP) $(NPM_RUN_STAMP)

# After a change to the dependencies in pyproject.toml (docs/OPERATIONS.md, "Dependencies").
# The development lock is resolved first; the app's lock is held to its versions, so the image
# runs the versions the tests ran. Pins already in a lock stay unless an upgrade is asked for.
lock: $(STAMP)
	$(COMPILE) --extra test -o $(DEV_LOCK)
	$(COMPILE) --constraint $(DEV_LOCK) -o $(LOCK)
	$(MAKE) --no-print-directory install

run: install-run
	$(BIN)/stagematch migrate
	$(BIN)/stagematch seed-demo --if-empty
	$(BIN)/stagematch serve --host 127.0.0.1 --port $(PORT)

lint: install
	$(BIN)/ruff check backend tests migrations bench scripts examples
	$(BIN)/ruff format --check backend tests migrations bench scripts examples
	$(BIOME) ci --error-on-warnings src tests
	$(BIN)/mypy
	PYTHONPATH=scripts $(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix backend tests migrations bench scripts examples
	$(BIN)/ruff format backend tests migrations bench scripts examples
	$(BIOME) check --write src tests

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

# Issue 17: does a list get slower as the platform grows? Seeds 10,000, 100,000 and 1,000,000
# requests (fresh database `stagematch_scale` each), measures every list variant at each size,
# the ratios against the baseline and the rush at the largest; writes its section of
# docs/PERFORMANCE.md. About 10 minutes on 2 cores; not part of `make test`.
bench-scale: install
	$(BIN)/python -m bench.scale
