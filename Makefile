# The README's commands. A fresh clone needs only Python 3.11 (and make).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install demo serve test lint bench bench-migration translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(FLASK) translate compile

# Install, create or upgrade the database, seed the demo brands and serve the portal.
demo: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	PORTAL_ENV=development MAIL_BACKEND=$${MAIL_BACKEND:-console} $(FLASK) run --host $(HOST) --port $(PORT)

# Development: emails (invitations and password links included) are printed in this terminal.
serve:
	PORTAL_ENV=development MAIL_BACKEND=$${MAIL_BACKEND:-console} $(FLASK) run --host $(HOST) --port $(PORT)

# Install and run the whole suite (set TEST_DATABASE_URL to run it on PostgreSQL).
test: install
	$(BIN)/python -m pytest

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The portal served by gunicorn and loaded by wrk (bench/serve.py; docs/performance.md).
bench:
	$(BIN)/python bench/serve.py

bench-migration:
	$(BIN)/python bench/bulk_migration.py

translations:
	$(FLASK) translate update

clean:
	rm -rf $(VENV) instance .pytest_cache
	find translations -name '*.mo' -delete
