# ClientFirst: `make run` to try it, `make test` to check it. Needs Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Links in e-mails point at the port the app is served on, unless SITE_URL is set. Derived
# here, not in the Procfile: honcho gives the worker and beat ports of their own (PORT+100...).
SITE_URL ?= http://127.0.0.1:$(PORT)
SEED_ARGS ?= --consultants 40 --weeks 26
export DEBUG ?= 1

.PHONY: install run test lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements-dev.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	touch $@

install: $(VENV)/.installed

run: install
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty $(SEED_ARGS)
	@echo "ClientFirst is starting at http://127.0.0.1:$(PORT)/ (web, Celery worker and beat; Ctrl-C stops all; links in e-mails: $(SITE_URL))"
	SITE_URL="$(SITE_URL)" PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start --port $(PORT) --procfile Procfile

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV) var staticfiles
