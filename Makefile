# sponsor_pipeline — `make demo`, `make test`, `make dev`, `make test-fast`, `make lint`.
# Everything installs into .venv/ from uv.lock. uv itself is bootstrapped from PyPI into .tools/,
# so a machine with only Python 3.11 and make needs nothing else.
PYTHON     ?= python3
VENV       ?= .venv
TOOLS      ?= .tools
UV_VERSION := 0.13.8
BIN        := $(VENV)/bin
UV         := $(TOOLS)/bin/uv
STAMP      := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
# Test workers (pytest-xdist): one per core by default, each with its own embedded PostgreSQL.
# `make test PYTEST_WORKERS=0` runs in one process.
PYTEST_WORKERS ?= auto
# The fast lane: everything except the browser test, property/end-to-end tests and benchmark scripts.
FAST_MARKERS := not browser and not slow and not bench

# uv uses the interpreter it is given and never downloads one.
UV_ENV := UV_PROJECT_ENVIRONMENT=$(VENV) UV_PYTHON_DOWNLOADS=never

.PHONY: install lock demo test test-fast lint hooks dev bench clean-state

install: $(STAMP)

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check 'uv==$(UV_VERSION)'

# The project (editable), its k8s extra (the deploy config tests need it) and the dev group
# (test + lint tools), exactly as locked. Fails if uv.lock is out of date: run `make lock`.
$(STAMP): pyproject.toml uv.lock setup.py | $(UV)
	$(UV_ENV) $(UV) sync --locked --extra k8s --group dev --python $(PYTHON) --quiet
	touch $(STAMP)

# Re-resolve uv.lock after a change to pyproject.toml's dependencies.
lock: | $(UV)
	$(UV_ENV) $(UV) lock --python $(PYTHON)

demo: install
	$(BIN)/python -m sponsor_pipeline_dev.demo

test: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test-fast: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m "$(FAST_MARKERS)" $(PYTEST_ARGS)

# ruff lint, ruff format check and pyright; runs all three and fails if any of them failed.
# One line per finding; `.venv/bin/ruff format --diff` shows what the formatter would change.
lint: install
	@status=0; \
	echo "ruff check"; $(BIN)/ruff check --output-format concise . || status=1; \
	echo "ruff format --check"; $(BIN)/ruff format --check --output-format concise . || status=1; \
	echo "pyright"; $(BIN)/pyright || status=1; \
	exit $$status

# Install the git pre-commit hooks (.pre-commit-config.yaml).
hooks: install
	$(BIN)/pre-commit install

dev: install
	$(BIN)/sponsor-pipeline dev

clean-state:
	rm -rf .state

bench: install
	$(BIN)/python -m benchmarks.run
