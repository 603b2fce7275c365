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
