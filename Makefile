# CaseHub: `make demo` runs it on embedded defaults, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
BIN := $(VENV)/bin

.PHONY: demo test lint install benchmark clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

demo: install
	HTTPS=0 $(BIN)/python manage.py migrate --noinput
	HTTPS=0 $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	HTTPS=0 $(BIN)/python manage.py seed_demo
	HTTPS=0 $(BIN)/python manage.py rundemo --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: install lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

benchmark: install
	$(BIN)/python manage.py benchmark $(AREA)

clean:
	rm -rf $(VENV) staticfiles var/*.sqlite3* var/broker
