# eidlib — the two quick-start commands are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP_SYS := $(VENV)/.system-deps
STAMP_VENV := $(VENV)/.installed

.PHONY: setup demo test lint bench clean

setup: $(STAMP_VENV)

$(STAMP_SYS): scripts/install-system-deps.sh
	./scripts/install-system-deps.sh
	@mkdir -p $(VENV) && touch $@

$(STAMP_VENV): pyproject.toml $(STAMP_SYS)
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

demo: setup
	$(PY) examples/tour.py

test: setup
	$(PY) -m pytest -q -p no:cacheprovider

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy --explicit-package-bases benchmarks examples

bench: setup
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) build *.egg-info
