# ToolShare: one command surface. `make run` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test test-fast lint typecheck bench seed migrate docker-check clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)  ## create .venv with the pinned dependencies

run: $(STAMP)  ## the dashboard on http://127.0.0.1:8501 (embedded PostgreSQL unless DATABASE_URL is set)
	$(BIN)/streamlit run dashboard/app.py --server.address 127.0.0.1 --server.port 8501 \
		--server.headless true --browser.gatherUsageStats false

test: $(STAMP) lint typecheck  ## lint, type-check, then every test (browser tests need /usr/bin/chromium)
	$(BIN)/python -m pytest

test-fast: $(STAMP)  ## the tests without the real browser
	$(BIN)/python -m pytest -m "not browser"

lint: $(STAMP)
	$(BIN)/ruff check toolshare_core dashboard tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)  ## performance ratios (see bench/README.md)
	$(BIN)/python bench/bench_metrics.py

migrate: $(STAMP)
	$(BIN)/python -m toolshare_core migrate

seed: $(STAMP)
	$(BIN)/python -m toolshare_core seed --scale demo

docker-check: $(STAMP)  ## validate docker-compose.yml and lint the Dockerfile (no engine needed)
	bash scripts/ci-docker-checks.sh

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache artifacts
