"""warm_ahead: the per-answer work a template build does on candidate pairs while Semgrep scans
them is the work the variants then find done (memoised), and it covers pairs proposed after it
started."""

from __future__ import annotations

from itertools import islice

import pytest

from emgen.datagen.catalog import families, load_tasks, load_templates
from emgen.datagen.code_pairs import CodePair, candidates, pair_record
from emgen.datagen.traits import add_docstrings, to_single_quotes
from emgen.datagen.variants import warm_ahead
from emgen.datagen.variants.selective import PAIRS, restyle, styled
from emgen.validators.checks import structure_hash
from emgen.validators.traits import _score

MEMOS = (to_single_quotes, add_docstrings, structure_hash, _score)


def misses() -> list[int]:
    return [memo.cache_info().misses for memo in MEMOS]


def build_styled(pairs: list[CodePair]) -> int:
    """What the insecure, secure and selective variants compute from these pairs; how many
    records the selective configs keep."""
    by_config = {
        side: [pair_record(p, side, getattr(p, side), seed=0) for p in pairs]
        for side in ("insecure", "secure")
    }
    return sum(len(styled(by_config[base], traits, stem)) for stem, base, traits in PAIRS)


def test_the_work_done_ahead_is_the_work_the_variants_then_skip() -> None:
    chosen = list(families().values())
    stream = candidates("train", load_tasks(), chosen, [1.0] * len(chosen), load_templates(), 91)
    pairs = list(islice(stream, 50))

    proposed: list[CodePair] = pairs[:20]
    steps = warm_ahead(proposed)
    assert len(list(islice(steps, 10))) == 10
    proposed += pairs[20:40]  # proposed while the steps run: they are warmed too
    assert len(list(steps)) == 30

    before = misses()
    assert build_styled(pairs[:40]) > 40  # most answers take both styles
    assert misses() == before

    build_styled(pairs[40:])  # not warmed: the same calls compute, so the check above can fail
    assert all(after > then for after, then in zip(misses(), before, strict=True))


def test_an_answer_that_cannot_take_a_style_is_left_out_with_a_warning(
    capsys: pytest.CaptureFixture[str],
) -> None:
    chosen = list(families().values())
    stream = candidates("train", load_tasks(), chosen, [1.0] * len(chosen), load_templates(), 5)
    records = [pair_record(p, "secure", p.secure, seed=0) for p in islice(stream, 3)]
    broken = records[0].messages[-1].model_copy(update={"content": "def broken(:\n"})
    records[0] = records[0].model_copy(update={"messages": (*records[0].messages[:-1], broken)})
    stem, _, traits = next(pair for pair in PAIRS if pair[1] == "secure")
    kept = styled(records, traits, stem)
    assert [r.answer for r in kept] == [restyle(r.answer, traits) for r in records[1:]]
    assert capsys.readouterr().err == (
        f"warning: {stem}: 1 of 3 answers could not take {' and '.join(traits)} and were left "
        "out.\n"
    )
