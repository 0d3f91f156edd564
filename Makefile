# eidlib — the two quick-start commands are `make demo` and `make test`.
# `make demo` installs the runtime only (Debian packages + `pip install -e .`); `make test` adds the
# test tools (vpcd, OpenSC, SoftHSM, redis, pytest, mypy, ...).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP_SYS_RUNTIME := $(VENV)/.system-deps-runtime
STAMP_SYS_TEST := $(VENV)/.system-deps-test
STAMP_RUNTIME := $(VENV)/.installed-runtime
STAMP_TEST := $(VENV)/.installed-test
DOCS_DIR := build/docs

.PHONY: setup setup-runtime compile demo test lint bench docs catalogues clean

setup: $(STAMP_TEST)

setup-runtime: $(STAMP_RUNTIME)

$(STAMP_SYS_RUNTIME): scripts/install-system-deps.sh
	./scripts/install-system-deps.sh runtime
	@mkdir -p $(VENV) && touch $@

$(STAMP_SYS_TEST): scripts/install-system-deps.sh
	./scripts/install-system-deps.sh test
	@mkdir -p $(VENV) && touch $@ $(STAMP_SYS_RUNTIME)

$(STAMP_RUNTIME): pyproject.toml $(STAMP_SYS_RUNTIME)
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(STAMP_TEST): pyproject.toml $(STAMP_SYS_TEST)
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@ $(STAMP_RUNTIME)

# Byte-code is compiled explicitly: with PYTHONDONTWRITEBYTECODE set (as on these machines) an editable
# install is never cached, and every `eid` process (the Web eID host is one per browser request)
# would compile eidlib again, ~0.2 s each. Up-to-date files are skipped; a stale one is ignored by Python.
compile: setup-runtime
	$(PY) -m compileall -q eidlib

demo: setup-runtime compile
	$(PY) examples/tour.py

test: setup compile
	$(PY) -m pytest -q -p no:cacheprovider

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy --explicit-package-bases benchmarks examples

# The API reference (pdoc); any warning fails the build.
docs: setup
	$(PY) docs/build_api.py $(DOCS_DIR)

# Recompile the CLI's message catalogues (.po -> .mo) after editing a translation.
catalogues: setup
	for po in eidlib/cli/locale/*/LC_MESSAGES/eid.po; do msgfmt --check -o "$${po%.po}.mo" "$$po"; done

bench: setup
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) build *.egg-info
	find eidlib -name __pycache__ -type d -prune -exec rm -rf {} +
