# SmartUnion: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
MEMBERS ?= 3000
STAMP := $(VENV)/.installed

.PHONY: demo test venv lint bench clean-db

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11（未找到 $(PYTHON)）"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

## Create the environment, migrate the embedded database, seed the demo province once, serve on :8000.
demo: $(STAMP)
	$(BIN)/smartunion demo --members $(MEMBERS)

## Run the whole suite (SQLite by default; DATABASE_URL / REDIS_URL select PostgreSQL and Redis).
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## ruff everywhere; mypy (with django-stubs) on core/ and every services and queries module ([tool.mypy]).
lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/smartunion makemigrations --check --dry-run

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean-db:
	rm -f var/smartunion.sqlite3 var/smartunion.sqlite3-wal var/smartunion.sqlite3-shm
