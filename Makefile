# Two commands for a fresh machine (see README.md):
#   make demo   install everything into .venv/ and run the demo
#   make test   run the whole test suite (what CI runs; about 16 min on 2 cores)
# For the edit loop:
#   make check  the fast tier: every test that starts no kernel and trains nothing (under a minute)
VENV ?= .venv
PY := $(abspath $(VENV))/bin/python
# nbgrader shells out to `alembic`: the venv's bin/ must come first on PATH.
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: install demo test check release bench bench-warm

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

install: $(VENV)/.installed

demo: install
	$(PY) -m autograder demo

test: install
	$(PY) -m pytest --durations=15

check: install
	$(PY) -m pytest -m "not slow" -q

release: install
	$(PY) -m autograder release

bench: install
	$(PY) -m bench

# the warm-kernel target of issue 17: fast mode, one job, first assignment, against nbgrader autograde
bench-warm: install
	$(PY) -m bench.grading_speed --assignment td_keras_mlp --n 10 --jobs 1 --skip-full
