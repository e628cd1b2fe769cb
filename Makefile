# The same verbs for people and CI. `make run` and `make test` set everything up on first use.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
# uv writes the lock files: the venv's own (a dev dependency), else one on PATH.
UV ?= $(or $(wildcard $(BIN)/uv),uv)
LOCK = $(UV) pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command "make lock"

.PHONY: run test lint lock bench clean

# Exactly the versions in the lock file, checked against its hashes; then the project itself.
$(BIN)/.installed: requirements-dev.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

run: $(BIN)/.installed  ## the bot: every configured channel, or the console chat with no token
	$(BIN)/hocai run

lint: $(BIN)/.installed  ## style, types, import contracts, lesson files
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/hocai lessons check

# The browser tests drive Debian's Chromium through Playwright (never a browser downloaded at
# run time). Installed once; skipped when the file is already there.
CHROMIUM ?= /usr/bin/chromium

$(CHROMIUM):
	@(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
		|| echo "could not install chromium: the browser tests will be skipped (they fail in CI)"

test: lint $(CHROMIUM)  ## the whole suite (PostgreSQL and browser tests skip when absent, except in CI)
	$(BIN)/pytest -n auto --dist worksteal --durations=10

# After changing dependencies in pyproject.toml. Pins already in the lock files are kept (add
# --upgrade to LOCK to move everything); `make lock UV_OFFLINE=1` resolves from uv's cache alone.
# The runtime lock is constrained by the dev one, so both pin the same versions.
lock:  ## regenerate requirements.lock and requirements-dev.lock from pyproject.toml
	$(LOCK) --extra dev -o requirements-dev.lock pyproject.toml
	$(LOCK) --constraint requirements-dev.lock -o requirements.lock pyproject.toml

bench: $(BIN)/.installed  ## delivery and grading figures
	$(BIN)/python bench/delivery_bench.py
	$(BIN)/python bench/grading_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache hocai.db hocai.db-* hocai-files
