# Set-up and everyday tasks. `make demo` and `make test` each work on a fresh machine.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
DATA ?= insights-data
PORT ?= 8000
QUESTION ?= why do new admins struggle in the first week?

.PHONY: install demo ask test lint bench

install: $(VENV)/.installed

# The CPU build of torch goes in first: anything that pulls torch in later would take a CUDA build.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Build the demo research repository (once) and serve it at http://127.0.0.1:$(PORT)/
demo: install
	$(BIN)/insights --data-dir $(DATA) demo --port $(PORT)

# Ask the demo repository a question from the command line.
ask: install
	$(BIN)/insights --data-dir $(DATA) demo --no-serve
	$(BIN)/insights --data-dir $(DATA) search "$(QUESTION)" --limit 5

test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check insights ingest tests bench
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/ingest_throughput.py
	$(BIN)/python bench/search_latency.py
