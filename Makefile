# Reflectie: `make run` to use it, `make test` to check it. Both are quick the second time.

PYTHON ?= python3
PORT ?= 8000

VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
STAMP := $(VENV)/.installed
STATIC_MANIFEST := staticfiles/staticfiles.json

.PHONY: install run dev prepare test bench messages translations lint clean

install: $(STAMP)

# Installs the dependencies (pyproject has no packages) once, and again when pyproject.toml changes.
# Not quiet: pip says which package it is at, so the first (longest) install is no silent wait.
$(STAMP): pyproject.toml
	@echo "Reflectie installeren in $(VENV): de eerste keer duurt dit een paar minuten."
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --progress-bar off --disable-pip-version-check -e ".[dev]"
	touch $@

# Production mode on the room's network (DEBUG off): what a facilitator runs at a meeting.
# First deletes what the retention period lets go (README: "Bewaren en verwijderen").
run: HOST ?= 0.0.0.0
run: prepare $(STATIC_MANIFEST)
	$(MANAGE) purge_sessions --yes
	$(MANAGE) ensure_facilitator --host $(HOST) --port $(PORT)
	$(MANAGE) serve --host $(HOST) --port $(PORT)

# Development: DEBUG on, static files from the source folders, only this laptop unless HOST says.
dev: HOST ?= 127.0.0.1
dev: prepare
	DEBUG=1 $(MANAGE) ensure_facilitator --host $(HOST) --port $(PORT)
	DEBUG=1 $(MANAGE) serve --host $(HOST) --port $(PORT)

# Hashed, compressed copies of the static files; made again only when one of them changes.
$(STATIC_MANIFEST): $(STAMP) $(shell find static -type f)
	$(MANAGE) collectstatic --noinput -v 0

prepare: $(STAMP) translations
	$(MANAGE) migrate --noinput -v 0
	$(MANAGE) load_instruments

# pytest exits 5 when it collects no tests: not a failure.
test: $(STAMP) translations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest || [ $$? -eq 5 ]

# `make bench ARGS=--big` adds the 1,000-phone run (bench/run.py --help lists the rest).
bench: $(STAMP)
	@if [ -f bench/run.py ]; then $(BIN)/python bench/run.py $(ARGS); \
	else echo "Nothing to benchmark yet (bench/run.py does not exist)."; fi

# Dutch is the source language; this collects the strings to translate into English.
messages: $(STAMP)
	$(MANAGE) makemessages -l en --ignore .venv --ignore staticfiles
	$(MANAGE) compilemessages --ignore .venv

# Compiles the .po files when gettext (msgfmt) is there; without it the UI is simply Dutch only.
translations: $(STAMP)
	@if ! ls locale/*/LC_MESSAGES/*.po >/dev/null 2>&1; then echo "No catalogues to compile."; \
	elif command -v msgfmt >/dev/null; then $(MANAGE) compilemessages -v 0 --ignore .venv; \
	else echo "gettext (msgfmt) missing: using the compiled catalogues in the repository."; fi

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Keeps var/ (the database and the facilitator password).
clean:
	rm -rf $(VENV) staticfiles test-results .pytest_cache .ruff_cache *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
