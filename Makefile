# The whole set-up: `make run` serves the app, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HTMX := static/vendor/htmx.min.js
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test demo db install browser clean

run: install db
	$(BIN)/python run.py --host $(HOST) --port $(PORT)

install: $(VENV)/.installed $(HTMX)

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
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

test: install browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules static/vendor
