# The same verbs for people and CI. `make run` and `make test` set everything up on first use.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: run test lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/.installed  ## the bot: every configured channel, or the console chat with no token
	$(BIN)/hocai run

lint: $(BIN)/.installed  ## style, import contracts, lesson files
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/hocai lessons check

test: lint  ## the whole suite (PostgreSQL tests skip when no server is running, except in CI)
	$(BIN)/pytest

bench: $(BIN)/.installed  ## delivery and grading figures
	$(BIN)/python bench/delivery_bench.py
	$(BIN)/python bench/grading_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache hocai.db hocai.db-* hocai-files
