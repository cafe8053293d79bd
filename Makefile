# Two commands for a fresh machine (see README.md):
#   make demo   install everything into .venv/ and run the demo
#   make test   run the whole test suite
VENV ?= .venv
PY := $(abspath $(VENV))/bin/python
# nbgrader shells out to `alembic`: the venv's bin/ must come first on PATH.
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: install demo test release bench

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

install: $(VENV)/.installed

demo: install
	$(PY) -m autograder demo

test: install
	$(PY) -m pytest

release: install
	$(PY) -m autograder release

bench: install
	$(PY) -m bench
