# Everyday commands. Only Python 3.11+ is needed: each target creates .venv on first use.
# Override the interpreter with `make PYTHON=python3.12 ...`.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# Tests in parallel; `make test PYTEST_ARGS="-x tests/portal"` to narrow down.
PYTEST_ARGS ?= -n auto
# The bench runs in the configured database (DATABASE_URL), else in a SQLite file of its own. Its
# data is rolled back at the end, and it refuses a database that already has users.
BENCH_DATABASE_URL ?= $(or $(DATABASE_URL),sqlite:///$(CURDIR)/var/bench.sqlite3)
BENCH_ARGS ?=
# The demo runs as the portal would in production as far as visitors can tell: DEBUG off (the
# portal's own error pages, no list of routes), static files served from the source folders.
DEMO_ADDRESS ?= 127.0.0.1:8000
DEMO_SERVER = DEBUG=0 PORTAL_STAFF_MFA_REQUIRED=0 $(MANAGE) runserver --insecure $(DEMO_ADDRESS)

.PHONY: demo serve test bench lint format check worker beat ci clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

## demo: install, migrate, seed the demo programme (idempotent) and serve on http://127.0.0.1:8000
demo: $(VENV)/.installed
	$(MANAGE) migrate --noinput
	$(MANAGE) sync_periodic_tasks
	PORTAL_STAFF_MFA_REQUIRED=0 $(MANAGE) seed_demo
	$(DEMO_SERVER)

## serve: serve again without reseeding
serve: $(VENV)/.installed
	$(DEMO_SERVER)

## test: install the dev extra and run the whole suite
test: $(VENV)/.installed-dev
	$(BIN)/pytest $(PYTEST_ARGS)

## bench: time the pages on a large synthetic dataset (ratios against a floor)
bench: $(VENV)/.installed
	mkdir -p var
	DATABASE_URL=$(BENCH_DATABASE_URL) $(MANAGE) migrate --noinput
	DATABASE_URL=$(BENCH_DATABASE_URL) $(MANAGE) bench $(BENCH_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## check: migrations match the models, and production settings pass the deploy checklist
check: $(VENV)/.installed
	$(MANAGE) makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=portal.settings.production \
	SECRET_KEY=deploy-check-$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))") \
	ALLOWED_HOSTS=portal.example.org DATABASE_URL=postgres://portal@localhost/portal \
	$(MANAGE) check --deploy --fail-level WARNING

## worker / beat: background work when REDIS_URL is set (run exactly one beat)
worker: $(VENV)/.installed
	$(BIN)/celery -A portal worker --loglevel=INFO

beat: $(VENV)/.installed
	$(MANAGE) sync_periodic_tasks
	$(BIN)/celery -A portal beat --loglevel=INFO \
		--scheduler django_celery_beat.schedulers:DatabaseScheduler

ci:
	.ci/run

clean:
	rm -rf $(VENV) var build *.egg-info .pytest_cache .ruff_cache .hypothesis
