# The project's commands. `make run` brings the whole system up; `make test` runs the suite.
# Both create the virtual environment and install what a fresh machine lacks.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: smart-charging-chart run test test-unit test-integration test-e2e test-sdk sdk-js sdk-openapi soak lint format deps venv clean help

help:  ## list the targets
	@grep -hE '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml constraints.txt sdk/python/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	# The Python SDK and its `csms` command, tested against the running system by tests/sdk.
	$(BIN)/pip install --quiet -c constraints.txt -e sdk/python
	touch $(STAMP)

venv: $(STAMP)  ## create .venv and install the pinned dependencies

deps:  ## install Mosquitto and Redis server binaries if missing (Debian/Ubuntu, as root)
	@scripts/install-system-packages.sh

run: venv deps  ## start a locked-down broker, Redis if needed, and the four services (Ctrl-C stops)
	$(BIN)/python scripts/devrun.py

test: venv deps  ## the whole suite: unit, integration and end-to-end tests on private broker and Redis
	# -s shows the counts the fuzz, property, schemathesis, scale and outage tests print.
	$(BIN)/pytest -s

test-unit: venv  ## only the fast unit tests
	$(BIN)/pytest tests/unit -q

test-integration: venv deps  ## one component at a time (the MQTT client, the shadow store) against a private Mosquitto or Redis, no services
	$(BIN)/pytest tests/integration -s

test-e2e: venv deps  ## only the end-to-end tests
	$(BIN)/pytest tests/e2e

test-sdk: venv deps  ## only the Python and JavaScript SDK and CLI tests (against a running system they start)
	$(BIN)/pytest -s tests/sdk tests/unit/csms_sdk

SDK_JS := sdk/js

sdk-js:  ## install the JavaScript SDK's dev dependencies (npm ci) and build it (ESM + CJS)
	cd $(SDK_JS) && npm ci --no-audit --no-fund && npm run build

sdk-openapi: venv  ## after changing a remote-api route or model: dump sdk/openapi.json and regenerate the JS SDK's types
	$(BIN)/python scripts/dump_openapi.py
	cd $(SDK_JS) && ( [ -d node_modules ] || npm ci --no-audit --no-fund ) && npm run generate

smart-charging-chart: venv  ## the depot simulation (bench/charging_sim.py) as docs/img/smart-charging-depot.png (installs matplotlib)
	$(BIN)/pip install --quiet -c constraints.txt -e ".[charts]"
	$(BIN)/python -m scripts.charging_chart

SOAK_MINUTES ?= 10
SOAK_STATIONS ?= 60

soak: venv deps  ## the kill cycle (handler, gateway, shadow, Redis, broker) again and again for SOAK_MINUTES [10] with SOAK_STATIONS [60]
	# make test runs the short version (one kill of each, 20 stations); this repeats it and prints every count.
	SOAK_MINUTES=$(SOAK_MINUTES) SOAK_STATIONS=$(SOAK_STATIONS) $(BIN)/pytest -s -p no:cacheprovider \
	  -o timeout=$$(( $(SOAK_MINUTES) * 60 + 600 )) tests/e2e/test_kill_counts.py -k soak

lint: venv  ## ruff (lint and format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: venv  ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:  ## remove the virtual environment and runtime files
	rm -rf $(VENV) .run .mypy_cache .ruff_cache .pytest_cache

include deploy/deploy.mk
include bench/bench.mk
