# Two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint fmt services bench clean

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

# Lint, then the tests; the PostgreSQL URL that `make services` wrote, when it has run: then those tests run too.
test: lint
	set -a; if [ -f .services.env ]; then . ./.services.env; fi; set +a; HF_HUB_OFFLINE=1 $(BIN)/python -m pytest

# ruff: the code as `make fmt` writes it, and the rules in pyproject.toml.
lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Installs (Debian packages) and starts what the skipped integration tests need: PostgreSQL, Redis, Chromium.
services:
	bash -c 'source .ci/services.sh'


clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
