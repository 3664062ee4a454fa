# Hoursmith API v1 — every developer and CI entry point.
# `make serve` and `make test` work from a clean clone: each target depends on `install`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export PYTHONPATH := $(CURDIR)

.PHONY: install generate check-generated check-compat lint-spec lint-spec-npm lint format test pytest serve \
        contract bench bench-quick bench-scale scalar-update browser clean

$(STAMP): pyproject.toml constraints.txt
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# A breaking change is only a warning here (the designer is mid-edit); `make test` fails on it.
generate: install
	$(BIN)/python -m generator generate
	@$(BIN)/python -m generator compat || echo "warning: the contract breaks the latest release (make check-compat fails)" >&2

# The document against the newest openapi/releases/*.yaml: v1 only grows.
check-compat: install
	$(BIN)/python -m generator compat

check-generated: install
	$(BIN)/python -m generator check

lint-spec: install
	$(BIN)/python -m generator lint

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Chromium for the /api-docs browser test comes from Debian (no `playwright install`).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing: install the Debian package 'chromium'" >&2; fi; }

pytest: install browser
	$(BIN)/pytest

test: lint lint-spec check-compat check-generated pytest

serve: install
	$(BIN)/python -m server.cli.devserve

contract: install
	HOURSMITH_CONTRACT_EXAMPLES=200 $(BIN)/pytest tests/contract -p no:cacheprovider

bench: install
	$(BIN)/python -m bench

bench-quick: install
	$(BIN)/python -m bench --quick

# 1,000,000 time entries on SQLite and PostgreSQL (seeds cached in bench/.data; not in `make test`).
bench-scale: install
	$(BIN)/python -m bench --scale

# Stock OpenAPI linters from the npm registry, pinned. Zero errors AND zero warnings: Spectral
# fails on warnings itself; Redocly exits 0 on warnings, so its summary line is checked.
SPECTRAL := @stoplight/spectral-cli@6.16.3
REDOCLY := @redocly/cli@2.77.0
lint-spec-npm:
	npx --yes $(SPECTRAL) lint --fail-severity=warn --ruleset openapi/.spectral.yaml openapi/api-v1.yaml
	@out=$$(npx --yes $(REDOCLY) lint --config openapi/redocly.yaml openapi/api-v1.yaml 2>&1); rc=$$?; \
	  echo "$$out" | grep -v -E '^npm warn|[║╔╚]'; \
	  if [ $$rc -ne 0 ]; then exit $$rc; fi; \
	  if echo "$$out" | grep -qE 'You have [0-9]+ warnings?'; then echo "redocly: warnings fail the build" >&2; exit 1; fi

scalar-update: install
	$(BIN)/python -m scalar.update $(VERSION)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis .schemathesis
