# Every target sets up what it needs: `make demo` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: setup system-deps demo test lint bench fuzz clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

# busybox-static and toybox give the simulated boards real shells (Debian packages).
system-deps:
	bash scripts/install-system-deps

# The main job on a built-in default: a few simulated boards of different firmware,
# `rknn-compat inventory` against them through the real adb server, then stop everything.
demo: setup system-deps
	$(BIN)/python examples/demo.py

test: setup system-deps lint
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check rknn_compat tests bench examples scripts

bench: setup system-deps
	$(BIN)/python bench/bench_startup.py
	$(BIN)/python bench/bench_shell_roundtrip.py
	$(BIN)/python bench/bench_probe.py
	$(BIN)/python bench/bench_inventory.py
	$(BIN)/python bench/bench_model.py
	$(BIN)/python bench/bench_explain.py

# the reliability audit's size of fuzz run (4 000 examples per target; the suite runs 40)
fuzz: setup
	$(BIN)/python bench/fuzz.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
