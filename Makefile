# Sales Orders Admin. Quick start: `make demo` (serve the dashboard on its sandbox) and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
SANDBOX_PORT ?= 8001
SANDBOX_URL ?= http://127.0.0.1:$(SANDBOX_PORT)
export SANDBOX_URL

# Find a Python >= 3.12: python3.13/python3.12/python3 on PATH, then pyenv's versions.
# pyenv shims are on PATH even when their version is not selected, so each candidate is run.
define FIND_PYTHON
for c in python3.13 python3.12 python3 $$HOME/.pyenv/versions/3.13*/bin/python3 $$HOME/.pyenv/versions/3.12*/bin/python3; do \
  if "$$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then echo "$$c"; exit 0; fi; \
done; exit 1
endef

.PHONY: help setup demo test test-fast test-e2e bench sandbox clean

help:
	@echo "make demo   - set up everything and serve the dashboard on its sandbox (http://127.0.0.1:$(PORT)/)"
	@echo "make test   - set up and run every test, browser tests included"
	@echo "make bench  - measure page times against the sandbox with 50 ms upstream latency"

$(VENV)/.installed: pyproject.toml
	@PYBIN=$$( $(FIND_PYTHON) ) || { \
	  echo "ERROR: Python 3.12 or newer is needed and none was found." >&2; \
	  echo "Install one, e.g. 'apt-get install python3.12 python3.12-venv' or 'pyenv install 3.13'," >&2; \
	  echo "then run this command again." >&2; exit 1; }; \
	echo "Using $$PYBIN ($$($$PYBIN --version))"; \
	test -x $(PY) || $$PYBIN -m venv $(VENV); \
	$(PY) -m pip install --quiet --upgrade pip; \
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

# The sandbox's and the dashboard's databases are prepared side by side (independent processes).
setup: $(VENV)/.installed
	@mkdir -p var/staticfiles
	@set -e; \
	 ( DJANGO_SETTINGS_MODULE=sandbox.settings $(PY) -m django migrate --noinput -v 0 && \
	   DJANGO_SETTINGS_MODULE=sandbox.settings $(PY) -m django seed_sandbox --if-empty ) & sandbox=$$!; \
	 ( $(PY) manage.py migrate --noinput -v 0 && $(PY) manage.py demo_users && $(PY) manage.py demo_connections ) & dashboard=$$!; \
	 wait $$sandbox; wait $$dashboard

demo: setup
	@$(PY) manage.py serve --with-sandbox --with-worker --port $(PORT)

# Chromium for the browser tests comes from Debian (Playwright cannot download browsers here).
/usr/bin/chromium:
	@echo "Installing Debian's chromium for the browser tests..."
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	 else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi

# The Nu HTML Checker (vnu.jar, run on Java) and axe-core for the accessibility and valid-HTML tests:
# npm packages pinned in package-lock.json, installed without their install scripts (vnu-jar's would
# fetch a Java of its own; Debian's is used).
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "ERROR: npm is needed for the test tools (apt-get install npm)." >&2; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

/usr/bin/java:
	@echo "Installing Debian's Java runtime for the Nu HTML Checker..."
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq default-jre-headless >/dev/null; \
	 else sudo apt-get update -qq && sudo apt-get install -y -qq default-jre-headless >/dev/null; fi

test: $(VENV)/.installed /usr/bin/chromium /usr/bin/java node_modules/.installed
	@mkdir -p var/staticfiles
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: $(VENV)/.installed /usr/bin/java node_modules/.installed
	$(PY) -m pytest -m "not e2e" $(PYTEST_ARGS)

bench: setup /usr/bin/chromium
	$(PY) tests/benchmarks/bench.py

clean:
	rm -rf $(VENV) var node_modules
