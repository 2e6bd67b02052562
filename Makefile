# The whole set-up: `make run` serves the app, `make demo` serves a demo copy, `make test` runs every
# test, `make test-fast` the everyday subset, `make bench` measures it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check
# The pinned packages pyproject.toml lists for the app and for the extras named (see the script).
PINNED = $$($(BIN)/python scripts/requirements.py $(1))
HTMX := static/vendor/htmx.min.js
ICONS := static/vendor/icons/.copied
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard kiosk/translations/*/LC_MESSAGES/messages.po))
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run demo db install speech translations test test-fast test-sqlite test-postgres test-tools browser bench clean

# Serving needs only the app's own packages and htmx; test tools come with `make test`.
run: install db
	$(BIN)/python run.py --host $(HOST) --port $(PORT)

# A database of its own (instance/demo.sqlite3) with demo staff, a session in progress and cases,
# served like `make run`; the real database is never touched.
demo: install
	$(BIN)/python run.py --demo --host $(HOST) --port $(PORT)

install: $(VENV)/.installed $(HTMX) $(ICONS) $(CATALOGUES) speech

# The visitor's screens in other languages (kiosk/i18n.py): each catalogue compiled from its .po file.
kiosk/translations/%/LC_MESSAGES/messages.mo: kiosk/translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@

# After changing the visitor's words: every catalogue gets the new and changed strings to translate.
translations: $(VENV)/.installed
	mkdir -p build
	$(BIN)/pybabel extract -F babel.cfg -k _l -o build/messages.pot --no-location --omit-header .
	$(BIN)/pybabel update -i build/messages.pot -d kiosk/translations --no-wrap --ignore-obsolete

$(VENV)/.installed: pyproject.toml scripts/requirements.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) $(call PINNED)
	touch $@

# pytest, Playwright and the rest, and the bench's tools (locust, psutil): the tests run a short bench too.
$(VENV)/.test-installed: pyproject.toml $(VENV)/.installed
	$(PIP) $(call PINNED,test bench)
	touch $@

# The PostgreSQL driver and gunicorn, for the PostgreSQL run of the tests.
$(VENV)/.postgres-installed: pyproject.toml $(VENV)/.installed
	$(PIP) $(call PINNED,postgres)
	touch $@

$(HTMX): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $(HTMX)

# The kiosk's pictures (kiosk/web/icons.py names them) and the Arabic-script font, from the packages npm installed.
$(ICONS): $(HTMX) kiosk/web/icons.py scripts/copy_vendor.py $(VENV)/.installed
	$(BIN)/python scripts/copy_vendor.py
	touch $@

# The kiosk reads each step aloud with a speech synthesiser on this machine (kiosk/speech.py), no network.
speech:
	@command -v espeak-ng >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q espeak-ng; \
	  else sudo apt-get update -q && sudo apt-get install -y -q espeak-ng; fi; }

db: $(VENV)/.installed
	$(BIN)/flask --app kiosk migrate

# Debian's Chromium drives the browser tests; a browser download is not possible here.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q chromium; \
	  else sudo apt-get update -q && sudo apt-get install -y -q chromium; fi; }

test-tools: install browser $(VENV)/.test-installed

# Every test twice: on SQLite, then on a throwaway PostgreSQL server and Redis server (installed with
# apt-get if missing, on private ports, data in a temporary folder, stopped afterwards), where tests
# that serve the app run it under gunicorn with 4 workers and count its limits in Redis. Either pass alone: make test-sqlite / test-postgres.
test: test-sqlite test-postgres

test-sqlite: test-tools
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: test-tools $(VENV)/.postgres-installed
	HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-postgres} scripts/pg_test_server.sh scripts/redis_test_server.sh \
	  $(BIN)/python -m pytest $(PYTEST_ARGS)

# Everyday work: SQLite, without the browser tests and the slow ones (fuzzing, crashes, load).
test-fast: test-tools
	$(BIN)/python -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

# Load test against a hello-world baseline: bench/results/latest.json and the table in README.md.
# About 15 minutes; `make bench BENCH_ARGS=--quick` takes about 2. `make bench BENCH_ARGS=--soak` runs
# only the office day, for 10 minutes, sampling the server's memory (bench/results/soak.json); it fails
# if memory grows more than 10% after the 2-minute warm-up or any request fails. Not part of `make test`.
bench: install $(VENV)/.test-installed
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules static/vendor
