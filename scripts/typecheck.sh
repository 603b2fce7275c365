#!/usr/bin/env bash
# mypy over the package as it is imported: emgen.datagen, emgen.schemas, ... The folders sit at
# the repository root (pyproject's package-dir maps them), so mypy run on the folders would see
# `emgen.*` imports as missing modules and type them Any. A tree of links named like the
# installed package lets it follow every import between our modules.
set -euo pipefail
cd "$(dirname "$0")/.."
MYPY=${MYPY:-.venv/bin/mypy}
mkdir -p .typecheck/emgen
for pkg in datagen schemas validators cards finetune; do
    ln -sfn "../../$pkg" ".typecheck/emgen/$pkg"
done
MYPYPATH=.typecheck exec "$MYPY" -p emgen "$@"
