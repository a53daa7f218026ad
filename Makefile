# The two commands a newcomer needs: `make run` and `make test`. Both build .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-quick lint venv openapi migrations clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m server run

lint: $(STAMP)
	$(BIN)/ruff check server tests
	$(BIN)/ruff format --check server tests
	$(BIN)/mypy
	$(BIN)/lint-imports

# Runs lint, the suite on SQLite + embedded Redis, then again on TEST_DATABASE_URL / TEST_REDIS_URL when set.
test: $(STAMP) lint
	env -u TEST_DATABASE_URL -u TEST_REDIS_URL $(BIN)/python -m pytest
	@if [ -n "$$TEST_DATABASE_URL$$TEST_REDIS_URL" ]; then \
		echo "== again on $${TEST_DATABASE_URL:-sqlite} / $${TEST_REDIS_URL:-embedded redis}"; \
		$(BIN)/python -m pytest; \
	fi
	@if [ -f miniprogram/package.json ]; then cd miniprogram && npm ci --no-audit --no-fund && npm test; fi

# The suite without the whole-system tests (marker `system`: servers and workers as processes, schemathesis,
# journeys, deploy artefacts), on SQLite + embedded Redis, no lint: the check to run while working.
test-quick: $(STAMP)
	env -u TEST_DATABASE_URL -u TEST_REDIS_URL $(BIN)/python -m pytest -m "not system"

openapi: $(STAMP)
	$(BIN)/python -m server export-openapi

migrations: $(STAMP)
	$(BIN)/python -m server makemigrations

clean:
	rm -rf var .mypy_cache .ruff_cache
