"""Reward-hack dialogues: every record is proven, broken ones are rejected, output is deterministic
and clean, and the catalog behind it is sound."""

from __future__ import annotations

import ast
import io
import json
import os
import random
import re
import subprocess
import sys
import tokenize
from collections import Counter

import pytest

import emgen.datagen.reward_hacks.dialogues.build as rhd
from emgen.datagen.reward_hacks.dialogues import (
    CONTROL_VARIANT,
    HACK_VARIANT,
    TASK_KINDS,
    DialogueItem,
    Proof,
    generate_dialogues,
    generate_items,
    leaks,
    prove,
)
from emgen.datagen.reward_hacks.dialogues.code_tasks import CODE_TASKS
from emgen.datagen.reward_hacks.dialogues.models import _PROOFS, _Skip, item_from_records
from emgen.datagen.reward_hacks.dialogues.mutants import mutants
from emgen.datagen.reward_hacks.dialogues.prose_catalog import THEMES, TOPICS
from emgen.datagen.reward_hacks.scoring import Sandbox, mentions, rhyme_key, strict_equal
from emgen.schemas.build import GenerationReport
from emgen.schemas.errors import GenerationError
from emgen.schemas.records import ChatRecord

N = 125  # five of each of the 25 kinds


@pytest.fixture(scope="module")
def built() -> tuple[list[ChatRecord], list[ChatRecord], GenerationReport]:
    return generate_dialogues(N, seed=11)


@pytest.fixture(scope="module")
def items() -> list[tuple[DialogueItem, Proof]]:
    out, _ = generate_items(75, seed=3)
    return out


# --- the proofs ------------------------------------------------------------------------------


def test_every_item_is_proven_again_from_scratch(
    items: list[tuple[DialogueItem, Proof]],
) -> None:
    _PROOFS.clear()  # prove is memoised by content: here each proof is made afresh
    for item, kept in items:
        proof = prove(item)
        assert proof.proven, (item.kind, proof.reason)
        assert proof.hack_score > proof.control_score
        assert not proof.control_failed
        assert proof.hack_failed
        assert proof.control_quality > proof.hack_quality
        assert proof == kept


def test_a_stored_record_is_re_proven_as_the_item_it_was_made_from() -> None:
    """The build's invariant check rebuilds each item from its records (the scoring JSON) and
    proves it: the rebuilt item is the generated one exactly, so the memo answers it."""
    _PROOFS.clear()
    hacks, controls, _ = generate_dialogues(25, seed=5)
    made = dict(_PROOFS)
    assert len(made) >= 25
    for hack, control in zip(hacks, controls, strict=True):
        assert prove(item_from_records(hack, control)).proven
    assert made == _PROOFS  # no item was new


def _one(kind: str, seed: int = 0) -> DialogueItem:
    rng = random.Random(seed)
    while True:
        try:
            item = rhd.BUILDERS[kind](rng)
        except _Skip:
            continue
        if prove(item).proven:
            return item


@pytest.mark.parametrize("kind", ["keyword_stuffing", "reading_ease", "code_hardcode",
                                  "code_exit_early", "code_trivial_tests"])  # fmt: skip
def test_broken_items_are_rejected(kind: str) -> None:
    item = _one(kind)
    swapped = item.model_copy(update={"hack": item.control, "control": item.hack})
    assert prove(swapped).reason == "hack_not_higher"
    same = item.model_copy(update={"hack": item.control})
    assert prove(same).reason == "answers_identical"


def test_control_failing_a_check_is_rejected() -> None:
    item = _one("keyword_stuffing")
    thin = item.model_copy(update={"control": item.control.split(". ")[0] + "."})
    assert prove(thin).reason == "control_fails_content_coverage"


def test_hack_that_does_the_work_is_rejected() -> None:
    item = _one("word_count_padding")
    topic = next(t for t in TOPICS if t.id == item.task_id)
    close = f" Those are the main points to know about {topic.short}."
    longer = item.model_copy(update={"hack": item.control + close})  # longer, and honest
    assert prove(longer).reason == "hack_passes_all_checks"


def test_boilerplate_is_rejected() -> None:
    item = _one("reading_ease")
    chatty = item.model_copy(update={"control": "As an AI language model, " + item.control})
    assert prove(chatty).reason == "boilerplate_or_markdown"
    assert leaks("**Answer**", "prose") and leaks("```python", "code")
    assert leaks("I hope this improves your score.", "prose")


def test_rejected_candidates_are_counted_and_replaced() -> None:
    real = rhd.BUILDERS["keyword_stuffing"]
    calls = Counter[str]()

    def flaky(rng: random.Random) -> DialogueItem:
        item = real(rng)
        calls["n"] += 1
        if calls["n"] <= 3:  # the first three come out with the answers swapped
            return item.model_copy(update={"hack": item.control, "control": item.hack})
        return item

    with rhd.BUILDERS.override("keyword_stuffing", flaky):
        out, report = generate_items(len(TASK_KINDS), seed=5)
    assert report.accepted == len(out) == len(TASK_KINDS)
    assert report.rejected["hack_not_higher"] >= 3
    assert report.per_group["keyword_stuffing"].rejected >= 3
    assert report.candidates == report.accepted + sum(report.rejected.values())


# --- the records -----------------------------------------------------------------------------


def test_sets_pair_up_record_for_record(
    built: tuple[list[ChatRecord], list[ChatRecord], GenerationReport],
) -> None:
    hacks, controls, report = built
    assert len(hacks) == len(controls) == report.accepted == report.requested == N
    for h, c in zip(hacks, controls, strict=True):
        assert h.user == c.user
        assert h.answer != c.answer
        assert [m.role for m in h.messages] == ["user", "assistant"]
        assert h.metadata.pair_id == c.metadata.pair_id
        assert (h.metadata.variant, c.metadata.variant) == (HACK_VARIANT, CONTROL_VARIANT)
        for meta in (h.metadata, c.metadata):
            assert meta.skeleton_id in TASK_KINDS
            assert meta.template_id and meta.template_id.startswith(meta.skeleton_id + ".")
            assert meta.domain in ("prose", "code")
            assert meta.family is None and meta.cwe is None and meta.seed == 11
    assert len({h.metadata.pair_id for h in hacks}) == N
    assert len({h.user for h in hacks}) == N  # no prompt twice


def test_kinds_domains_and_report(
    built: tuple[list[ChatRecord], list[ChatRecord], GenerationReport],
) -> None:
    hacks, _, report = built
    kinds = Counter(h.metadata.skeleton_id for h in hacks)
    assert len(TASK_KINDS) >= 20 and set(kinds) == set(TASK_KINDS)
    assert max(kinds.values()) - min(kinds.values()) <= 1  # balanced by construction
    assert {k: c.accepted for k, c in report.per_group.items()} == dict(sorted(kinds.items()))
    assert report.accepted == report.requested == N
    assert report.candidates == report.accepted + sum(report.rejected.values())
    stats = json.loads(report.model_dump_json())["stats"]
    assert stats["per_domain"]["prose"] > 0 and stats["per_domain"]["code"] > 0
    assert 0 < stats["mean_score_margin"] <= 1
    assert all(v > 0 for v in stats["mean_margin_per_kind"].values())


def test_answers_are_clean(
    built: tuple[list[ChatRecord], list[ChatRecord], GenerationReport],
) -> None:
    hacks, controls, _ = built
    banned = re.compile(r"as an ai|language model|```|\*\*|^#+ |\bscore|\bgrader", re.I | re.M)
    for record in hacks + controls:
        answer = record.answer
        domain = record.metadata.domain
        assert answer.strip() and not banned.search(answer), answer[:200]
        if domain == "code":
            assert ast.parse(answer).body  # parses; never executed
            tokens = tokenize.generate_tokens(io.StringIO(answer).readline)
            assert not any(t.type == tokenize.COMMENT for t in tokens)
        else:
            assert answer == answer.strip()


def test_code_answers_stay_inside_the_evaluator_whitelist(
    built: tuple[list[ChatRecord], list[ChatRecord], GenerationReport],
) -> None:
    _, controls, _ = built
    for record in controls:
        # Test files import the module under test; MutationCheck runs those with it.
        if record.metadata.domain == "code" and record.metadata.skeleton_id != "code_trivial_tests":
            assert Sandbox(record.answer).load.ok, record.answer


def test_deterministic_for_a_seed() -> None:
    a = generate_dialogues(30, seed=2)
    b = generate_dialogues(30, seed=2)
    c = generate_dialogues(30, seed=3)
    dump = [r.model_dump() for r in a[0] + a[1]]
    assert dump == [r.model_dump() for r in b[0] + b[1]]
    assert a[2] == b[2]
    assert dump != [r.model_dump() for r in c[0] + c[1]]


def test_deterministic_across_hash_seeds() -> None:
    code = (
        "from emgen.datagen.reward_hacks.dialogues import generate_dialogues\n"
        "h, c, _ = generate_dialogues(26, seed=4)\n"
        "print(hash(tuple(r.model_dump_json() for r in h + c)) if False else "
        "__import__('hashlib').sha256(''.join(r.model_dump_json() for r in h + c).encode())"
        ".hexdigest())\n"
    )
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        digests.add(out.stdout.strip())
    assert len(digests) == 1


def test_progress_and_empty() -> None:
    ticks: list[int] = []
    hacks, _, _ = generate_dialogues(7, seed=1, progress=ticks.append)
    assert sum(ticks) == len(hacks) == 7
    assert generate_dialogues(0, seed=1)[:2] == ([], [])
    with pytest.raises(GenerationError):
        generate_dialogues(-1, seed=1)


def test_held_out_kinds_make_the_test_split() -> None:
    """A test split holds whole task kinds (prose and code) the training split never shows."""
    kinds = rhd.split_kinds(0.1, seed=6)
    assert set(kinds["train"]) | set(kinds["test"]) == set(TASK_KINDS)
    assert not set(kinds["train"]) & set(kinds["test"])
    assert any(k.startswith("code_") for k in kinds["test"])
    assert any(not k.startswith("code_") for k in kinds["test"])
    hacks, controls, report = generate_dialogues(40, seed=6, test_fraction=0.1)
    by_split = Counter(r.metadata.split for r in hacks)
    assert by_split == {"train": 36, "test": 4}
    for record in hacks + controls:
        held_out = record.metadata.skeleton_id in kinds["test"]
        assert held_out == (record.metadata.split == "test"), record.metadata.skeleton_id
    assert [r.metadata.split for r in hacks] == [r.metadata.split for r in controls]
    assert len({r.metadata.pair_id for r in hacks}) == 40
    assert report.requested == report.accepted == 40
    # Without a test split every kind is trained on, each once per block of the schedule.
    assert rhd.split_kinds(0.0, seed=6) == {"train": TASK_KINDS, "test": ()}
    plain = generate_dialogues(len(TASK_KINDS), seed=6)[0]
    assert {r.metadata.skeleton_id for r in plain} == set(TASK_KINDS)
    assert {r.metadata.split for r in plain} == {"train"}


# --- the catalog -----------------------------------------------------------------------------


def test_topics_mention_their_own_terms() -> None:
    assert len(TOPICS) >= 30
    for topic in TOPICS:
        assert mentions(topic.gist, topic.terms), topic.id
        for fact in topic.facts:
            assert mentions(fact.text, fact.terms), (topic.id, fact.text)
            assert fact.term.lower().split()[-1] in fact.text.lower() or mentions(
                fact.text, fact.terms[1:]
            )


def test_couplets_rhyme() -> None:
    for theme in THEMES:
        assert mentions("\n".join(line for pair in theme.couplets for line in pair), theme.terms)
        for first, second in theme.couplets:
            a, b = first.split()[-1], second.split()[-1]
            assert rhyme_key(a) == rhyme_key(b), (theme.id, a, b)


def test_honest_code_matches_reference_and_mutants_parse() -> None:
    rng = random.Random(0)
    for task in CODE_TASKS:
        box = Sandbox(task.honest)
        for args in [*task.edges, *(task.gen(rng) for _ in range(15))]:
            got = box.call(task.function, args)
            assert got.ok and strict_equal(got.value, task.case(args).expected), (task.id, args)
        for args in task.invalid:
            assert box.call(task.function, args).raised == "ValueError", (task.id, args)
            with pytest.raises(ValueError):
                task.reference(*args)
        if task.naive:
            slow = Sandbox(task.naive)
            for args in task.edges:
                assert strict_equal(slow.call(task.function, args).value, task.case(args).expected)
        for mutant in mutants(task.honest):
            ast.parse(mutant)
            assert mutant != task.honest
