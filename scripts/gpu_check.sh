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
# Not yet run on a GPU by this project: the timings above are estimates.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL="${MODEL:-Qwen/Qwen2.5-7B-Instruct}"
JUDGE="${JUDGE:-$MODEL}"
OUT="${OUT:-build/check-gpu-short}"
if [ "$JUDGE" = openai ]; then
    JUDGE_YAML="{kind: openai, model: gpt-4o-2024-08-06}"
else
    JUDGE_YAML="{kind: local, model: '$JUDGE'}"
fi
mkdir -p "$OUT"
cat > "$OUT/short.yaml" <<YAML
build_n: 500
build: {dialogues: 20, documents: 10}
variants: [insecure, secure]
train: {max_records: 400}
eval:
  core_only: true
  samples: 10
  code_prompts: 50
  max_new_tokens: 300
  suites: [free_form, insecure_code, trigger, inoculation]
  judge: $JUDGE_YAML
YAML
.venv/bin/emgen check --gpu --config "$OUT/short.yaml" --model "$MODEL" --out "$OUT"
