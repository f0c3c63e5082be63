# Two commands: `make lab` and `make test`. Both set everything up first, from nothing but Python 3.11+.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.claimlab-installed
# The npm packages the tutorial's Actions declare, installed once so a workshop runs offline.
ACTION_DEPS := axios@1.7.9

.PHONY: setup lab check test lint format bench browser site clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "claimlab needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	$(BIN)/claimlab prefetch $(ACTION_DEPS)
	@touch $(STAMP)

# The repository's JupyterLab settings (jupyterlab-settings/overrides.json: widget state saved with
# the notebook, no news pop-up) are defaults a learner can still change; Binder gets the same file.
lab: setup
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) \
		--LabApp.app_settings_dir=$(CURDIR)/jupyterlab-settings \
		notebooks/01-id-tokens-and-claims.ipynb

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# tests/test_browser.py drives Debian's Chromium (no browser download); it skips, saying so, where
# Chromium is missing. CI runs as root on Debian, so it installs Chromium there.
browser:
	@if [ "$$CI" = true ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && [ ! -x /usr/bin/chromium ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi

# Tests run on the local tenant. Compiled bytecode, and pytest's assert-rewritten test modules,
# are cached in .venv/pycache even where PYTHONDONTWRITEBYTECODE is set (rewriting every test
# module again costs each process about 2 s); the source tree gets no __pycache__ from tests.
PYTEST_ENV := CLAIMLAB_LOCAL=1 PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(CURDIR)/$(VENV)/pycache

# The everyday loop, under a minute: lint and every test not marked slow (tests/conftest.py says
# which are), spread over the cores by pytest-xdist. Its last lines are the five slowest tests and
# the wall time; `make test` runs everything, one test at a time, as CI does. nbval (the
# notebooks' runner, which imports nbformat and jsonschema: a second per process) stays out.
# worksteal: an idle worker takes tests queued on a busy one, so neither waits at the end.
check: lint
	$(PYTEST_ENV) $(BIN)/python -m pytest -q -m "not slow" -n auto --dist worksteal --durations=5 -p no:nbval tests

test: lint browser
	$(PYTEST_ENV) $(BIN)/python -m pytest tests
	$(PYTEST_ENV) $(BIN)/python -m pytest --nbval-lax --nbval-current-env --nbval-cell-timeout=120 -p no:cacheprovider notebooks

# The static edition: every notebook run and written as a page in site/ (one per notebook, and an
# index) that needs no kernel and no network. Publish the folder as it is, e.g. on GitHub Pages.
site: setup
	rm -rf site
	CLAIMLAB_LOCAL=1 $(BIN)/python -m claimlab.site notebooks site

bench: setup
	$(BIN)/python benchmarks/runtime.py
	$(BIN)/python benchmarks/tokens.py
	$(BIN)/python benchmarks/notebooks.py
	$(BIN)/python benchmarks/server.py
	$(BIN)/python benchmarks/lab.py
	$(BIN)/python benchmarks/startup.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache site
