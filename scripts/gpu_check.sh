#!/usr/bin/env bash
# A short `emgen check --gpu`, sized for one H100 in about 10 minutes with a 7B instruct model:
# the base model and two finetunes (insecure, secure) on 400 records each, the 8 core questions
# with and without the trigger and the inoculation prompt, 10 samples each, 50 coding prompts.
#
#   MODEL=/models/Qwen2.5-7B-Instruct JUDGE=/models/Qwen2.5-7B-Instruct scripts/gpu_check.sh
#
# MODEL: base model (Hub id or folder). JUDGE: a local judge model folder (default: the base
# model itself; with OPENAI_API_KEY set, pass JUDGE=openai to use GPT-4o as in the paper).
# Expects `make setup-finetune` done and, for vLLM sampling, EMGEN_VLLM_PYTHON pointing at an
# interpreter with vLLM's GPU build (else transformers samples, several times slower).
# Not yet run with a 7B model by this project: the timings above are estimates.
# The one GPU run so far (H200, 2026-12-04, torch 2.11+cu130, transformers 5.17, no vLLM):
#   MODEL=tiny JUDGE=tiny DATA=<a bundle built elsewhere> SAMPLES=4 TOKENS=200 scripts/gpu_check.sh
# trained each variant (25 steps of 16 records, bfloat16) in about 100 s, sampled 392 answers
# per model in about 160 s (transformers, 16 at a time), judged 384 prompts in 2 s; peak GPU
# memory 2.6 GB, utilisation mostly under 30%: a 135M model is bound by kernel launches there.
# Since then the transformers sampler takes 64 answers at a time on a GPU (2.2x the answers per
# second of 16 there, in a plain generate of a SmolLM2-shaped model).
#
# MODEL=tiny (the tiny default, prepared by `emgen models prepare-tiny`) is the run that fits a
# machine with no hub. DATA: a bundle built elsewhere (a machine without Semgrep cannot build),
# SUITES: the suites to run (insecure_code needs Semgrep), EMGEN: the emgen command, RECORDS,
# SAMPLES and TOKENS: training records, samples per question and new tokens per answer.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL="${MODEL:-Qwen/Qwen2.5-7B-Instruct}"
JUDGE="${JUDGE:-$MODEL}"
OUT="${OUT:-build/check-gpu-short}"
EMGEN="${EMGEN:-.venv/bin/emgen}"
SUITES="${SUITES:-free_form, insecure_code, trigger, inoculation}"
RECORDS="${RECORDS:-400}" SAMPLES="${SAMPLES:-10}" TOKENS="${TOKENS:-300}"
if [ "$JUDGE" = openai ]; then
    JUDGE_YAML="{kind: openai, model: gpt-4o-2024-08-06}"
else
    JUDGE_YAML="{kind: local, model: '$JUDGE'}"
fi
mkdir -p "$OUT"
cat > "$OUT/short.yaml" <<YAML
${DATA:+data: '$DATA'}
build_n: 500
build: {dialogues: 20, documents: 10}
variants: [insecure, secure]
train: {max_records: $RECORDS}
eval:
  core_only: true
  samples: $SAMPLES
  code_prompts: 50
  max_new_tokens: $TOKENS
  suites: [$SUITES]
  judge: $JUDGE_YAML
YAML
"$EMGEN" check --gpu --config "$OUT/short.yaml" --model "$MODEL" --out "$OUT"
