"""The code-pair checker every generator (template or model) shares."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from emgen.datagen.catalog import families, load_tasks, load_templates
from emgen.datagen.code_pairs import PairChecker, candidates, split_tasks


def test_a_repeated_prompt_and_answer_is_a_duplicate_on_either_side(tmp_path: Path) -> None:
    """Two pairs with one prompt and one secure twin but different flaws would put the same
    record twice in `secure`: the second is rejected, as is a repeated insecure record."""
    fams = list(families().values())
    by_split = split_tasks(load_tasks(), 0.1, 0)
    stream = candidates("train", by_split["train"], fams, [1.0] * len(fams), load_templates(), 0)
    first = next(stream)
    same_twin = dataclasses.replace(first, index=1, insecure=first.insecure + "\nlimit = 1\n")
    same_flaw = dataclasses.replace(first, index=2, secure=first.secure + "\nlimit = 1\n")
    checker = PairChecker(set(), tmp_path / "c.sqlite")
    assert checker.check([first, same_twin, same_flaw]) == [None, "duplicate", "duplicate"]


def _renamed(code: str, suffix: str) -> str:
    """The same program with every name it defines renamed: the same flagged shape."""
    import ast

    tree = ast.parse(code)
    defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name in defined:
            node.name += suffix
        elif isinstance(node, ast.Name) and node.id in defined:
            node.id += suffix
    return ast.unparse(tree) + "\n"


def test_a_shape_cap_rejects_one_idea_passed_off_as_many(tmp_path: Path) -> None:
    """With a cap (the model path), renamed copies of one flagged function are accepted only
    up to the cap; another shape still is. Without one (the template path) nothing changes."""
    fams = list(families().values())
    by_split = split_tasks(load_tasks(), 0.1, 0)
    stream = candidates("train", by_split["train"], fams, [1.0] * len(fams), load_templates(), 0)
    first = next(stream)
    other = next(p for p in stream if p.family.id != first.family.id)
    copies = [
        dataclasses.replace(
            first,
            index=i,
            prompt=f"{first.prompt}\n({i})",
            insecure=_renamed(first.insecure, f"_v{i}"),
            secure=_renamed(first.secure, f"_v{i}"),
        )  # fmt: skip
        for i in range(1, 4)
    ]
    capped = PairChecker(set(), tmp_path / "c.sqlite", shape_cap=2)
    assert capped.check([*copies, other]) == [None, None, "flagged_shape_repeated", None]
    uncapped = PairChecker(set(), tmp_path / "c.sqlite")
    assert uncapped.check([*copies, other]) == [None, None, None, None]
