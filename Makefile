# sponsor_pipeline — `make demo`, `make test`, `make dev`. Everything installs into .venv/.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: install demo test dev bench clean-state

install: $(STAMP)

$(STAMP): pyproject.toml setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

demo: install
	$(BIN)/python -m sponsor_pipeline_dev.demo

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

dev: install
	$(BIN)/sponsor-pipeline dev

clean-state:
	rm -rf .state

bench: install
	$(BIN)/python -m benchmarks.run
