# Two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-fast lint typecheck fmt services bench clean

install: $(STAMP)

# torch is installed first and alone: its CPU wheel is pinned, and letting
# another package pull it in would fetch a multi-GB CUDA build instead.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/callintel demo

# Lint and type-check, then the tests; the PostgreSQL URL that `make services` wrote, when it has run: then those tests run too.
# TEST_WORKERS test processes (pytest-xdist) share the tests; each loads the models (about 1.5 GB), so more than the
# cores, or than memory allows, only slows it down. TEST_WORKERS=0 runs them in this one process.
TEST_WORKERS ?= 2
test: lint typecheck
	set -a; if [ -f .services.env ]; then . ./.services.env; fi; set +a; HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

# The tests that need no server (PostgreSQL, Redis, Chromium) and load no slow model, in a couple of minutes.
test-fast: $(STAMP)
	env -u CALLINTEL_TEST_POSTGRES_URL -u CI HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q -m "not slow" -k "not postgresql"

# ruff: the code as `make fmt` writes it, and the rules in pyproject.toml.
lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

# mypy over the packages, as [tool.mypy] in pyproject.toml configures it.
typecheck: $(STAMP)
	$(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Installs (Debian packages) and starts what the skipped integration tests need: PostgreSQL, Redis, Chromium.
services:
	bash -c 'source .ci/services.sh'


clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
