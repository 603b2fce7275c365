"""The layers contract: packages import only downward, and never another package's privates.

    schemas < schemas.shared < validators < datagen < cards < finetune < the CLI

`emgen.schemas.shared` (atomic io, progress, YAML reading, Markdown) is the shared-helpers
layer; `emgen.datagen.cli` is the CLI, the one module allowed to import every layer. A module
belongs to the layer of its longest matching prefix. Imports inside functions count too: a lazy
import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = {"schemas", "validators", "datagen", "cards", "finetune"}
LAYERS = [
    "emgen.schemas",
    "emgen.schemas.shared",
    "emgen.validators",
    "emgen.datagen",
    "emgen.cards",
    "emgen.finetune",
    "emgen.datagen.cli",
]


def layer_of(module: str) -> int:
    best = max(
        (p for p in LAYERS if module == p or module.startswith(p + ".")), key=len, default=None
    )
    if best is None:
        raise AssertionError(f"{module} belongs to no layer")
    return LAYERS.index(best)


def package_of(module: str) -> str:
    return ".".join(module.split(".")[:2])


def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder in sorted(FOLDERS):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            if "rules" in rel.parts:  # Semgrep fixtures: code as data
                continue
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts.pop()
            found["emgen." + ".".join(parts)] = path
    return found


def imports(module: str, path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            out.append((node.lineno, base))
            # `from emgen.x import _private` names a private module (or member) too
            out += [(node.lineno, f"{base}.{a.name}") for a in node.names if a.name.startswith("_")]
    return [(line, name) for line, name in out if name.startswith("emgen.")]


def violations() -> list[str]:
    found = modules()
    problems: list[str] = []
    for module, path in found.items():
        mine = layer_of(module)
        for line, target in imports(module, path):
            where = f"{path.relative_to(ROOT)}:{line}"
            if layer_of(target) > mine:
                problems.append(f"{where}: {module} imports {target}, a higher layer")
            private = [p for p in target.split(".")[2:] if p.startswith("_")]
            if private and package_of(target) != package_of(module):
                problems.append(f"{where}: {module} imports {target}, another package's private")
    return problems


def test_imports_go_only_downward_and_never_into_privates() -> None:
    problems = violations()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("importer", "target", "ok"),
    [
        ("emgen.datagen.build", "emgen.validators.invariants", True),
        ("emgen.validators.invariants", "emgen.datagen.transforms", False),
        ("emgen.finetune.check", "emgen.datagen.cli", False),
        ("emgen.datagen.cli", "emgen.finetune.commands", True),
        ("emgen.schemas.build", "emgen.schemas.shared.io", False),
    ],
)
def test_layer_order(importer: str, target: str, ok: bool) -> None:
    assert (layer_of(target) <= layer_of(importer)) is ok
