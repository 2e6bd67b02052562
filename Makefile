# The whole set-up: `make run` serves the app, `make test` runs every test, `make bench` measures it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HTMX := static/vendor/htmx.min.js
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-sqlite test-postgres demo db install browser bench clean

run: install db
	$(BIN)/python run.py --host $(HOST) --port $(PORT)

install: $(VENV)/.installed $(HTMX)

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The bench's own tools (locust, psutil), pinned in the `bench` extra; the tests run a short bench too.
$(VENV)/.bench-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

$(HTMX): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $(HTMX)

db: $(VENV)/.installed
	$(BIN)/flask --app kiosk migrate

demo: install db
	$(BIN)/flask --app kiosk demo

# Debian's Chromium drives the browser tests; a browser download is not possible here.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q chromium; \
	  else sudo apt-get update -q && sudo apt-get install -y -q chromium; fi; }

# The PostgreSQL driver and gunicorn, pinned in the `postgres` extra.
$(VENV)/.postgres-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,postgres]'
	touch $@

# Every test twice: on SQLite, then on a throwaway PostgreSQL server (installed with apt-get if
# missing, on a private port, data in a temporary folder, stopped afterwards), where tests that
# serve the app run it under gunicorn with 4 workers. Either pass alone: make test-sqlite / test-postgres.
test: test-sqlite test-postgres

test-sqlite: install browser $(VENV)/.bench-installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: install browser $(VENV)/.bench-installed $(VENV)/.postgres-installed
	scripts/pg_test_server.sh $(BIN)/python -m pytest $(PYTEST_ARGS)

# Load test against a hello-world baseline: bench/results/latest.json and the table in README.md.
# About 15 minutes; `make bench BENCH_ARGS=--quick` takes about 2. `make bench BENCH_ARGS=--soak` runs
# only the office day, for 10 minutes, sampling the server's memory (bench/results/soak.json); it fails
# if memory grows more than 10% after the 2-minute warm-up or any request fails. Not part of `make test`.
bench: install $(VENV)/.bench-installed
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules static/vendor
