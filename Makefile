# Two entry points, both safe on a fresh machine (Python 3.11+, make):
#   make build   set up .venv and build the default bundle into build/em-variants
#   make test    set up .venv with the test extras and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: build test setup bench lint

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

setup: $(STAMP)

build: $(STAMP)
	$(BIN)/emgen build --out build/em-variants

test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check datagen/*.py datagen/variants schemas validators/*.py cards tests && $(BIN)/mypy datagen schemas validators cards

bench: $(STAMP)
	$(BIN)/python benchmarks/build_bench.py
