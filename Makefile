# Hoursmith API v1 — every developer and CI entry point.
# `make serve` and `make test` work from a clean clone: each target depends on what it needs
# installed (`install-python`: .venv; `install-npm`: ./node_modules; `install`: both).
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export PYTHONPATH := $(CURDIR)

.PHONY: install install-python install-npm generate check-generated check-compat lint-spec lint-spec-npm \
        lint format test pytest serve \
        contract contract-live bench bench-quick bench-scale scalar-update browser clean

$(STAMP): pyproject.toml constraints.txt
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

# npm tools (stock OpenAPI linters, openapi-typescript, tsc): exact versions in package-lock.json,
# installed once into ./node_modules; tests and lint-spec-npm never reach the registry.
NPM_STAMP := node_modules/.installed-stamp
NPM_BIN := node_modules/.bin
$(NPM_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1 || { \
	  echo "Node.js 20+ with npm is required for the npm tools: apt-get install nodejs npm" \
	       "(Debian/Ubuntu), brew install node (macOS), or https://nodejs.org/en/download" >&2; exit 1; }
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $(NPM_STAMP)

install-python: $(STAMP)
install-npm: $(NPM_STAMP)
install: install-python install-npm

# A breaking change is only a warning here (the designer is mid-edit); `make test` fails on it.
generate: install-python
	$(BIN)/python -m generator generate
	@$(BIN)/python -m generator compat || echo "warning: the contract breaks the latest release (make check-compat fails)" >&2

# The document against the newest openapi/releases/*.yaml: v1 only grows.
check-compat: install-python
	$(BIN)/python -m generator compat

check-generated: install-python
	$(BIN)/python -m generator check

lint-spec: install-python
	$(BIN)/python -m generator lint

lint: install-python
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install-python
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Chromium for the /api-docs browser test comes from Debian (no `playwright install`).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing: install the Debian package 'chromium'" >&2; fi; }

pytest: install browser
	$(BIN)/pytest

test: lint lint-spec lint-spec-npm check-compat check-generated pytest

serve: install-python
	$(BIN)/python -m server.cli.devserve

contract: install
	HOURSMITH_CONTRACT_EXAMPLES=200 $(BIN)/pytest tests/contract -p no:cacheprovider

# Schemathesis' CLI against any running server, with schemathesis.toml and its hooks (which read
# the records they need over the API with the same token): every check, every phase.
# HOURSMITH_URL is the server's origin; LIVE_EXAMPLES bounds the examples per operation.
LIVE_EXAMPLES ?= 50
contract-live: install-python
	@if [ -z "$$HOURSMITH_URL" ] || [ -z "$$API_TOKEN" ]; then \
	  echo "contract-live: set HOURSMITH_URL (e.g. http://127.0.0.1:8000) and API_TOKEN (a token of that server; 'hoursmith demo --json' prints some)" >&2; exit 2; fi
	$(BIN)/schemathesis run "$$HOURSMITH_URL/api/openapi.json" --max-examples $(LIVE_EXAMPLES)

bench: install-python
	$(BIN)/python -m bench

bench-quick: install-python
	$(BIN)/python -m bench --quick

# 1,000,000 time entries on SQLite and PostgreSQL (seeds cached in bench/.data; not in `make test`).
bench-scale: install-python
	$(BIN)/python -m bench --scale

# Stock OpenAPI linters (Spectral `spectral:oas`, Redocly `recommended`; versions pinned in
# package-lock.json). Zero errors AND zero warnings: Spectral fails on warnings itself; Redocly
# exits 0 on warnings, so its summary line is checked. Redocly's update notice stays off.
lint-spec-npm: install-npm
	$(NPM_BIN)/spectral lint --fail-severity=warn --ruleset openapi/.spectral.yaml openapi/api-v1.yaml
	@out=$$(REDOCLY_SUPPRESS_UPDATE_NOTICE=true $(NPM_BIN)/redocly lint --config openapi/redocly.yaml \
	        openapi/api-v1.yaml 2>&1); rc=$$?; \
	  echo "$$out" | grep -v -E '[║╔╚]'; \
	  if [ $$rc -ne 0 ]; then exit $$rc; fi; \
	  if echo "$$out" | grep -qE 'You have [0-9]+ warnings?'; then echo "redocly: warnings fail the build" >&2; exit 1; fi

scalar-update: install-python
	$(BIN)/python -m scalar.update $(VERSION)

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache .hypothesis .schemathesis
