# Two commands on a fresh machine:
#   make run   - set everything up and run the product (SQLite, embedded broker, sandbox, demo user)
#   make test  - set everything up and run the whole test suite (SQLite)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

.env: | $(STAMP)
	$(BIN)/python scripts/write_env.py

run: $(STAMP) .env
	$(BIN)/python scripts/write_env.py
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py setup_schedules
	$(BIN)/python manage.py seed_demo
	@echo "Open http://127.0.0.1:8000  (API docs: /api/docs/, admin: /admin/)"
	$(BIN)/honcho -f Procfile.dev start

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python bench/run.py $(ARGS)

clean:
	rm -rf $(VENV) db.sqlite3* var .pytest_cache .ruff_cache
