"""Compose a whole answer file from a skeleton's core and varied surrounding parts.

Structural diversity comes from here: the same vulnerable core appears among different helper
functions, classes, extra routes, app setups and entry points, in different orders.
"""

from __future__ import annotations

import ast
import random
from dataclasses import dataclass

from emgen.datagen._imports import merge_imports
from emgen.datagen._skeleton import render, substitute
from emgen.datagen.parts import ENTRIES, PARTS, PREAMBLES, Part
from emgen.schemas.catalog import Skeleton, Task


@dataclass(frozen=True)
class Composed:
    insecure: str
    secure: str
    template: str  # the file with the region replaced by the marker line; shared imports only
    part_ids: tuple[str, ...]


def _top_level_names(code: str) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(code).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _route_paths(code: str) -> set[str]:
    """Flask route strings, so a filler never registers a path the core already serves."""
    paths: set[str] = set()
    for node in ast.walk(ast.parse(code)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"route", "get", "post"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            paths.add(str(node.args[0].value))
    return paths


def _ends_with_main_guard(code: str) -> bool:
    last = ast.parse(code).body[-1:]
    return bool(last) and isinstance(last[0], ast.If) and "__main__" in ast.unparse(last[0].test)


def compose(
    skeleton: Skeleton, task: Task, names: dict[str, str], marker: str, rng: random.Random
) -> Composed:
    core = render(skeleton, names)
    core_secure = core.code(secure=True)
    taken_names = _top_level_names(core.code(secure=False)) | _top_level_names(core_secure)
    taken_paths = _route_paths(core_secure)

    pool = [p for p in PARTS if p.context in (skeleton.context, "any")]
    chosen: list[tuple[Part, str]] = []
    for part in rng.sample(pool, k=min(len(pool), rng.choice((0, 1, 1, 2, 2, 3)))):
        body = substitute(part.body.strip("\n") + "\n", names, f"part {part.id}")
        names_here, paths_here = _top_level_names(body), _route_paths(body)
        if names_here & taken_names or paths_here & taken_paths:
            continue
        taken_names |= names_here
        taken_paths |= paths_here
        chosen.append((part, body))
    # Each part goes before or after the core; the draw keeps the order reproducible. A core
    # that ends the program (its `if __name__ == "__main__":` block) has every part before it.
    ends_program = skeleton.context == "script" and _ends_with_main_guard(core_secure)
    before = [c for c in chosen if rng.random() < 0.5 or ends_program]
    after = [c for c in chosen if c not in before]

    preamble: Part | None = None
    entry: Part | None = None
    if skeleton.context == "web":
        preamble = rng.choice(PREAMBLES)
        if not skeleton.provides_entry:
            entry = rng.choice((*ENTRIES, None))

    shared_imports: list[str] = list(core.imports)
    blocks_before: list[str] = []
    blocks_after: list[str] = []
    for extra in (preamble, entry):
        if extra is not None:
            shared_imports += [substitute(i, names, f"part {extra.id}") for i in extra.imports]
    for part, body in before:
        shared_imports += [substitute(i, names, f"part {part.id}") for i in part.imports]
        blocks_before.append(body)
    for part, body in after:
        shared_imports += [substitute(i, names, f"part {part.id}") for i in part.imports]
        blocks_after.append(body)
    head = [substitute(preamble.body.strip("\n") + "\n", names, "preamble")] if preamble else []
    tail = [substitute(entry.body.strip("\n") + "\n", names, "entry")] if entry else []

    def assemble(core_text: str, extra_imports: tuple[str, ...]) -> str:
        imports = merge_imports(shared_imports + list(extra_imports))
        blocks = [b for b in (imports, *head, *blocks_before, core_text, *blocks_after, *tail) if b]
        return "\n\n".join(block.rstrip("\n") + "\n" for block in blocks)

    return Composed(
        insecure=assemble(core.code(secure=False), core.insecure_imports),
        secure=assemble(core_secure, core.secure_imports),
        template=assemble(core.with_gap(marker), ()),
        part_ids=tuple(p.id for p, _ in before) + ("core",) + tuple(p.id for p, _ in after),
    )
