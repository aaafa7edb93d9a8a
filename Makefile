# Two commands on a fresh machine with Python 3.11+ and make:
#   make run   install, migrate, load the demo data, serve on http://127.0.0.1:$(PORT)
#   make test  install with the test extras, run the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
PYTEST_ARGS ?=
export FLASK_APP := wsgi

.PHONY: run test lint bench serve db demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed-run

instance:
	mkdir -p instance

db: $(VENV)/.installed-run | instance
	$(BIN)/flask db upgrade

demo: db
	$(BIN)/flask seed-demo

run: demo
	@echo "Serving on http://127.0.0.1:$(PORT) (Ctrl+C to stop)"
	SCHEDULER_IN_PROCESS=$${SCHEDULER_IN_PROCESS:-1} $(BIN)/flask run --host 127.0.0.1 --port $(PORT) --no-reload

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	touch $@ $(VENV)/.installed-test $(VENV)/.installed-run

# The load benchmark (not part of the suite): SQLite always, PostgreSQL when
# BENCH_DATABASE_URL is set. BENCH_ARGS="--sizes 1000 --seconds 3" for a quick look.
bench: $(VENV)/.installed-bench
	$(BIN)/python -m bench.run $(BENCH_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance/*.sqlite3* .pytest_cache
