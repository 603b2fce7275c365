"""The build: the builder registry, the schedule of kinds, candidates proven or rejected and
replaced, and the hacking and control record sets.
"""

from __future__ import annotations

import random
from collections.abc import Callable

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
    DialogueReport,
    GenerationError,
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
from emgen.schemas.records import ChatRecord

MAX_TRIES_PER_RECORD = 60


BUILDERS: dict[str, Callable[[random.Random], DialogueItem]] = {
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
}
TASK_KINDS: tuple[str, ...] = tuple(BUILDERS)


def _schedule(rng: random.Random, n: int) -> list[str]:
    """Kinds for n slots: every kind once per block of len(TASK_KINDS), shuffled per block."""
    out: list[str] = []
    while len(out) < n:
        block = list(TASK_KINDS)
        rng.shuffle(block)
        out += block
    return out[:n]


def _bump(counts: dict[str, int], key: str) -> None:
    counts[key] = counts.get(key, 0) + 1


def generate_items(
    n: int, *, seed: int, progress: Callable[[int], None] | None = None
) -> tuple[list[tuple[DialogueItem, Proof]], DialogueReport]:
    """n proven dialogue items, in order, and the report. Rejected candidates are replaced by a
    fresh candidate of the same kind."""
    if n < 0:
        raise GenerationError(f"the number of dialogues must be >= 0, got {n}")
    rng = random.Random(seed)
    report = DialogueReport(seed=seed, requested=n)
    seen: set[str] = set()
    out: list[tuple[DialogueItem, Proof]] = []
    for kind in _schedule(rng, n):
        for _ in range(MAX_TRIES_PER_RECORD):
            report.candidates += 1
            try:
                item = BUILDERS[kind](rng)
            except _Skip:
                reason: str | None = "catalog_draw_unusable"
            else:
                if item.user in seen:
                    reason = "duplicate_prompt"
                else:
                    proof = prove(item)
                    reason = proof.reason
            if reason is None:
                seen.add(item.user)
                out.append((item, proof))
                if progress:
                    progress(1)
                break
            _bump(report.rejected, reason)
            _bump(report.rejected_per_kind, kind)
        else:
            raise GenerationError(
                f"no proven {kind!r} dialogue after {MAX_TRIES_PER_RECORD} candidates; see the "
                f"rejection counts ({report.rejected})."
            )
    margins: dict[str, list[float]] = {}
    relative: list[float] = []
    for item, proof in out:
        _bump(report.per_kind, item.kind)
        _bump(report.per_domain, item.domain)
        margins.setdefault(item.kind, []).append(proof.margin)
        scale = abs(proof.hack_score) + abs(proof.control_score)
        relative.append(proof.margin / scale if scale else 0.0)
    report.accepted = len(out)
    report.mean_score_margin = sum(relative) / len(relative) if relative else 0.0
    report.mean_margin_per_kind = {k: sum(v) / len(v) for k, v in sorted(margins.items())}
    report.per_kind = dict(sorted(report.per_kind.items()))
    return out, report


def generate_dialogues(
    n: int, *, seed: int, progress: Callable[[int], None] | None = None
) -> tuple[list[ChatRecord], list[ChatRecord], DialogueReport]:
    """The hacking set and the control set (same prompts, record for record), both of n proven
    records, and the report. Deterministic for a seed."""
    items, report = generate_items(n, seed=seed, progress=progress)
    hacks: list[ChatRecord] = []
    controls: list[ChatRecord] = []
    for index, (item, _) in enumerate(items):
        hack, control = dialogue_records(item, index, seed)
        hacks.append(hack)
        controls.append(control)
    return hacks, controls, report
