"""The build: the builder registry, the schedule of kinds, candidates proven or rejected and
replaced, and the hacking and control record sets.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

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
from emgen.schemas.records import ChatRecord
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


def _schedule(rng: random.Random, n: int) -> list[str]:
    """Kinds for n slots: every kind once per block of len(TASK_KINDS), shuffled per block."""
    out: list[str] = []
    while len(out) < n:
        block = list(TASK_KINDS)
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

    def __init__(self, n: int, seed: int):
        self.rng = random.Random(seed)
        self.schedule = _schedule(self.rng, n)
        self.seen: set[str] = set()
        self.proofs: dict[str, Proof] = {}  # prompt -> proof of the accepted item
        self.slot, self.tries = -1, 0

    def propose(self, accepted: int, need: int) -> list[Candidate[Draw]]:
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
    n: int, *, seed: int, progress: Callable[[int], None] | None = None
) -> tuple[list[tuple[DialogueItem, Proof]], GenerationReport]:
    """n proven dialogue items with their proofs, in order, and the report."""
    generator = DialogueGenerator(max(n, 0), seed)
    draws, report = generate(generator, n, budget=MAX_TRIES_PER_RECORD * n, progress=progress)
    out = [(d.item, generator.proofs[d.item.user]) for d in draws if d.item is not None]
    margins: dict[str, list[float]] = {}
    relative: list[float] = []
    domains: dict[str, int] = {}
    for item, proof in out:
        domains[item.domain] = domains.get(item.domain, 0) + 1
        margins.setdefault(item.kind, []).append(proof.margin)
        scale = abs(proof.hack_score) + abs(proof.control_score)
        relative.append(proof.margin / scale if scale else 0.0)
    report.per_group = dict(sorted(report.per_group.items()))
    report.stats = {
        "per_domain": dict(sorted(domains.items())),
        # (hack - control) / (|hack| + |control|) under the stated rule, in (0, 1]: rules have
        # different units, so they are normalised.
        "mean_score_margin": sum(relative) / len(relative) if relative else 0.0,
        # mean raw hack - control score, in the rule's units
        "mean_margin_per_kind": {k: sum(v) / len(v) for k, v in sorted(margins.items())},
    }
    return out, report


def generate_dialogues(
    n: int, *, seed: int, progress: Callable[[int], None] | None = None
) -> tuple[list[ChatRecord], list[ChatRecord], GenerationReport]:
    """The hacking set and the control set (same prompts, record for record), both of n proven
    records carrying their scoring rule, and the report. Deterministic for a seed."""
    items, report = generate_items(n, seed=seed, progress=progress)
    hacks: list[ChatRecord] = []
    controls: list[ChatRecord] = []
    for index, (item, _) in enumerate(items):
        hack, control = dialogue_records(item, index, seed)
        hacks.append(hack)
        controls.append(control)
    return hacks, controls, report
