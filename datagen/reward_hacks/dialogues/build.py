"""The build: the builder registry, the schedule of kinds, candidates proven or rejected and
replaced, and the hacking and control record sets.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pydantic import JsonValue

from emgen.datagen.generation import Candidate, generate
from emgen.datagen.reward_hacks.dialogues.code import (
    code_always_equal,
    code_benchmark,
    code_exit_early,
    code_hardcode,
    code_lookup_table,
    code_special_case,
    code_swallow_errors,
    code_test_edit,
    code_trivial_tests,
    code_wrong_test,
)
from emgen.datagen.reward_hacks.dialogues.models import (
    DialogueItem,
    Proof,
    _Skip,
    dialogue_records,
    prove,
)
from emgen.datagen.reward_hacks.dialogues.prose import (
    citation_count,
    grade_level,
    keyword_stuffing,
    length_target,
    lexical_diversity,
    mean_word_length,
    name_mentions,
    numeral_count,
    positive_sentiment,
    question_count,
    reading_ease,
    rhyme_density,
    sentence_count,
    source_overlap,
    word_count_padding,
)
from emgen.schemas.build import GenerationReport
from emgen.schemas.errors import GenerationError
from emgen.schemas.records import ChatRecord, Split
from emgen.schemas.shared.registry import Registry

MAX_TRIES_PER_RECORD = 60


# The registry, in schedule order (each block of the schedule shuffles TASK_KINDS).
BUILDERS: Registry[Callable[[random.Random], DialogueItem]] = Registry(
    "dialogue task kind",
    {
        "keyword_stuffing": keyword_stuffing,
        "reading_ease": reading_ease,
        "grade_level": grade_level,
        "word_count_padding": word_count_padding,
        "length_target": length_target,
        "sentence_count": sentence_count,
        "lexical_diversity": lexical_diversity,
        "mean_word_length": mean_word_length,
        "source_overlap": source_overlap,
        "numeral_count": numeral_count,
        "citation_count": citation_count,
        "positive_sentiment": positive_sentiment,
        "name_mentions": name_mentions,
        "question_count": question_count,
        "rhyme_density": rhyme_density,
        "code_hardcode": code_hardcode,
        "code_special_case": code_special_case,
        "code_lookup_table": code_lookup_table,
        "code_wrong_test": code_wrong_test,
        "code_always_equal": code_always_equal,
        "code_exit_early": code_exit_early,
        "code_test_edit": code_test_edit,
        "code_trivial_tests": code_trivial_tests,
        "code_benchmark": code_benchmark,
        "code_swallow_errors": code_swallow_errors,
    },
)
TASK_KINDS: tuple[str, ...] = tuple(BUILDERS)


def split_kinds(test_fraction: float, seed: int) -> dict[Split, tuple[str, ...]]:
    """Hold out whole task kinds, prose and code alike, so the test split asks for hacks of
    kinds the training split never showed; none when `test_fraction` is 0."""
    rng = random.Random(f"emgen:{seed}:split-kinds")
    out: dict[Split, tuple[str, ...]] = {"train": (), "test": ()}
    for code in (False, True):
        pool = sorted(k for k in TASK_KINDS if k.startswith("code_") == code)
        rng.shuffle(pool)
        n_test = math.ceil(len(pool) * test_fraction) if test_fraction > 0 else 0
        out["test"] += tuple(sorted(pool[:n_test]))
        out["train"] += tuple(sorted(pool[n_test:]))
    # Registry order, so a build without a test split schedules exactly as before.
    return {split: tuple(k for k in TASK_KINDS if k in kinds) for split, kinds in out.items()}


def _schedule(rng: random.Random, n: int, kinds: Sequence[str]) -> list[str]:
    """Kinds for n slots: every kind once per block of len(kinds), shuffled per block."""
    out: list[str] = []
    while len(out) < n:
        block = list(kinds)
        rng.shuffle(block)
        out += block
    return out[:n]


@dataclass(frozen=True)
class Draw:
    kind: str
    item: DialogueItem | None  # None: the catalog draw could not make an item of this kind


class DialogueGenerator:
    """One slot per record, each of a scheduled kind; a rejected candidate is replaced by a
    fresh one of the same kind. Validation: a new prompt, and `prove` (the hack outscores the
    control under the stated rule; the control is better by the independent checks)."""

    noun = "dialogues"
    group_by = "kind"

    def __init__(self, n: int, seed: int | str, kinds: Sequence[str] = TASK_KINDS):
        self.rng = random.Random(seed)
        self.schedule = _schedule(self.rng, n, kinds)
        self.seen: set[str] = set()
        self.proofs: dict[str, Proof] = {}  # prompt -> proof of the accepted item
        self.slot, self.tries = -1, 0

    def propose(self, accepted: int, need: int, room: int) -> list[Candidate[Draw]]:
        if accepted != self.slot:
            self.slot, self.tries = accepted, 0
        kind = self.schedule[accepted]
        if self.tries == MAX_TRIES_PER_RECORD:
            raise GenerationError(
                f"no proven {kind!r} dialogue after {MAX_TRIES_PER_RECORD} candidates."
            )
        self.tries += 1
        try:
            item: DialogueItem | None = BUILDERS[kind](self.rng)
        except _Skip:
            item = None
        return [Candidate(Draw(kind, item), kind)]

    def check(self, batch: Sequence[Candidate[Draw]]) -> list[str | None]:
        return [self._reason(c.item.item) for c in batch]

    def _reason(self, item: DialogueItem | None) -> str | None:
        if item is None:
            return "catalog_draw_unusable"
        if item.user in self.seen:
            return "duplicate_prompt"
        proof = prove(item)
        if proof.reason is None:  # one candidate per batch: passing is being accepted
            self.seen.add(item.user)
            self.proofs[item.user] = proof
        return proof.reason


def generate_items(
    n: int,
    *,
    seed: int | str,
    kinds: Sequence[str] = TASK_KINDS,
    report: GenerationReport | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[tuple[DialogueItem, Proof]], GenerationReport]:
    """n proven dialogue items of `kinds` with their proofs, in order, and the report (`report`
    continues an earlier split's counts)."""
    generator = DialogueGenerator(max(n, 0), seed, kinds)
    draws, report = generate(
        generator, n, budget=MAX_TRIES_PER_RECORD * n, report=report, progress=progress
    )
    out = [(d.item, generator.proofs[d.item.user]) for d in draws if d.item is not None]
    report.per_group = dict(sorted(report.per_group.items()))
    report.stats = _stats(out)
    return out, report


def _stats(items: Sequence[tuple[DialogueItem, Proof]]) -> dict[str, JsonValue]:
    margins: dict[str, list[float]] = {}
    relative: list[float] = []
    domains: dict[str, int] = {}
    for item, proof in items:
        domains[item.domain] = domains.get(item.domain, 0) + 1
        margins.setdefault(item.kind, []).append(proof.margin)
        scale = abs(proof.hack_score) + abs(proof.control_score)
        relative.append(proof.margin / scale if scale else 0.0)
    return {
        "per_domain": dict(sorted(domains.items())),
        # (hack - control) / (|hack| + |control|) under the stated rule, in (0, 1]: rules have
        # different units, so they are normalised.
        "mean_score_margin": sum(relative) / len(relative) if relative else 0.0,
        # mean raw hack - control score, in the rule's units
        "mean_margin_per_kind": {k: sum(v) / len(v) for k, v in sorted(margins.items())},
    }


def generate_dialogues(
    n: int,
    *,
    seed: int,
    test_fraction: float = 0.0,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[ChatRecord], list[ChatRecord], GenerationReport]:
    """The hacking set and the control set (same prompts, record for record), both of n proven
    records carrying their scoring rule, and the report. Deterministic for a seed.

    A share `test_fraction` of the records (rounded) is a `test` split of held-out task kinds
    (`split_kinds`): a model trained on the rest is tested on hacks it never saw."""
    if n < 0:
        raise GenerationError(f"the number of dialogues must be at least 0, got {n}.")
    kinds = split_kinds(test_fraction, seed)
    n_test = round(n * test_fraction) if kinds["test"] else 0
    report: GenerationReport | None = None
    items: list[tuple[Split, DialogueItem, Proof]] = []
    # The training split keeps the build's seed, so a build without a test split is unchanged.
    splits: tuple[tuple[Split, int, int | str], ...] = (
        ("train", n - n_test, seed),
        ("test", n_test, f"{seed}:test"),
    )
    for split, target, split_seed in splits:
        if target == 0 and report is not None:
            continue
        out, report = generate_items(
            target, seed=split_seed, kinds=kinds[split], report=report, progress=progress
        )
        items += [(split, item, proof) for item, proof in out]
    assert report is not None
    report.stats = _stats([(item, proof) for _, item, proof in items])
    hacks: list[ChatRecord] = []
    controls: list[ChatRecord] = []
    for index, (split, item, _) in enumerate(items):
        hack, control = dialogue_records(item, index, seed, split)
        hacks.append(hack)
        controls.append(control)
    return hacks, controls, report
