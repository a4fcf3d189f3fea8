# The two commands of README.md. Both create or reuse .venv and install what they need.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck bench clean

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
	$(BIN)/lint-imports
	$(MAKE) --no-print-directory typecheck
	$(BIN)/python -m pytest -q

# ruff, and the layers of docs/architecture.md#layers ([tool.importlinter] in pyproject.toml)
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# mypy, configured in pyproject.toml [tool.mypy]. The package imports as jointcheck.core,
# jointcheck.tui... from folders core/, tui/...; mypy cannot follow setuptools' editable
# install, so it reads a tree of symlinks with the installed layout, rebuilt on each run
# (errors name .venv/typecheck/jointcheck/core/x.py for core/x.py).
TYPES := $(VENV)/typecheck
typecheck: $(STAMP)
	@rm -rf $(TYPES) && mkdir -p $(TYPES)/jointcheck/plugins
	@for p in core tui schemas examples; do ln -s "$(CURDIR)/$$p" $(TYPES)/jointcheck/$$p; done
	@for p in plugins/*/; do ln -s "$(CURDIR)/$${p%/}" $(TYPES)/jointcheck/plugins/; done
	MYPYPATH=$(TYPES) $(BIN)/mypy

# Figures for the issues' speed and memory targets (see bench/*.py and docs/bench.md). With
# JOINTCHECK_TEST_PG_URL set, the store benchmarks also run on PostgreSQL, and bench/load.py
# runs 1,000 inspectors through a PgBouncer it starts on loopback.
bench: $(STAMP)
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/app_startup.py
	$(BIN)/python bench/load_validate_merge.py
	$(BIN)/python bench/import_targets.py $${JOINTCHECK_TEST_PG_URL:+--pg "$$JOINTCHECK_TEST_PG_URL"}
	$(BIN)/python bench/draw.py $${JOINTCHECK_TEST_PG_URL:+--pg "$$JOINTCHECK_TEST_PG_URL"}
	$(BIN)/python bench/referrals_status.py $${JOINTCHECK_TEST_PG_URL:+--pg "$$JOINTCHECK_TEST_PG_URL"}
	$(BIN)/python bench/bundles.py
	$(BIN)/python bench/results.py $${JOINTCHECK_TEST_PG_URL:+--pg "$$JOINTCHECK_TEST_PG_URL"}
	@if [ -n "$$JOINTCHECK_TEST_PG_URL" ]; then \
		echo "$(BIN)/python bench/load.py --inspectors 1000 --pg ***"; \
		$(BIN)/python bench/load.py --inspectors 1000 --pg "$$JOINTCHECK_TEST_PG_URL"; fi

clean:
	rm -rf $(VENV) build *.egg-info
