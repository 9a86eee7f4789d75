# Jaring — the two commands are `make demo` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
JARING_DEV := $(BIN)/jaring-dev
EXECUTOR ?= local

.PHONY: demo test lint airflow celery airflow-stop stop clean venv requirements benchmark benchmark-celery system-packages

## demo: set everything up and run the demo nights on the local stack
demo: venv system-packages
	$(JARING_DEV) demo

## test: ruff + the whole test suite (starts and stops what it needs)
test: venv lint system-packages
	$(BIN)/python -m pytest

## system-packages: Debian's Chromium (browser tests; Playwright drives it, no browser download) and
## redis-server (Celery's broker), installed when run as root
SYSTEM_PACKAGES := chromium redis-server
system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do command -v $$p >/dev/null || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing:$$missing: run 'sudo apt-get install -y$$missing' (their tests skip)"; fi; fi

lint: venv
	$(BIN)/ruff check .

## airflow: scheduler, API server, DAG processor, triggerer on 127.0.0.1 (8080, or a free port; JARING_AIRFLOW_PORT);
## EXECUTOR=celery: CeleryExecutor, with Redis and two Celery workers (w1, w2)
airflow: venv $(if $(filter celery,$(EXECUTOR)),system-packages)
	$(JARING_DEV) airflow --executor $(EXECUTOR)

## celery: make airflow EXECUTOR=celery
celery: venv system-packages
	$(JARING_DEV) airflow --executor celery

## airflow-stop: stop Airflow's components, Celery workers and Redis (PostgreSQL, the agencies and the mail sink keep running)
airflow-stop:
	@if [ -x $(JARING_DEV) ]; then $(JARING_DEV) airflow-stop; fi

## stop: stop everything the project started (by PID)
stop:
	@if [ -x $(JARING_DEV) ]; then $(JARING_DEV) down; fi

## clean: stop, then remove the local stack, outbox and virtualenv
clean: stop
	rm -rf .local outbox $(VENV)

## benchmark: every step of a city night against its floor, full pull and incremental night (bench/results/; BENCH_ARGS="--world DIR --scale city3 --profile")
benchmark: venv
	$(BIN)/python tests/benchmark/city.py $(BENCH_ARGS)

## benchmark-celery: one night under CeleryExecutor with one worker, then two (BENCH_ARGS="--world DIR")
benchmark-celery: venv system-packages
	$(BIN)/python tests/benchmark/celery_workers.py $(BENCH_ARGS)

## requirements: recompile the pins (product: requirements.in; development: requirements-dev.in)
requirements: venv
	$(BIN)/uv pip compile requirements.in -o requirements.txt --python-version 3.11
	$(BIN)/uv pip compile requirements-dev.in -o requirements-dev.txt --python-version 3.11

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml tools/pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 not found"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==0.13.9
	# --compile-bytecode: this machine sets PYTHONDONTWRITEBYTECODE, so without .pyc files every task
	# would compile Airflow, pandas and GX from source again (GX's import: 12-17 s instead of ~6 s)
	$(BIN)/uv pip install -q --compile-bytecode --python $(BIN)/python -r requirements.txt -r requirements-dev.txt
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e . -e tools
	touch $@
