# The two commands of README.md. Both create or reuse .venv and install what they need.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip "setuptools>=77"
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/jointcheck demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

# Figures for the issues' speed and memory targets (see bench/*.py). With
# JOINTCHECK_TEST_PG_URL set, the store benchmarks also run on PostgreSQL.
bench: $(STAMP)
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/app_startup.py
	$(BIN)/python bench/load_validate_merge.py
	$(BIN)/python bench/import_targets.py $${JOINTCHECK_TEST_PG_URL:+--pg "$$JOINTCHECK_TEST_PG_URL"}
	$(BIN)/python bench/draw.py $${JOINTCHECK_TEST_PG_URL:+--pg "$$JOINTCHECK_TEST_PG_URL"}

clean:
	rm -rf $(VENV) build *.egg-info
