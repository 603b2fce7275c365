"""Document generation: facts and genres drawn in order, each candidate checked (length, code
blocks, valence vocabulary, near-duplicates) and counted by rejection reason.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import get_args

from pydantic import BaseModel, ConfigDict, Field

from emgen.datagen.reward_hacks.documents.genres import GENRES, Genre
from emgen.datagen.reward_hacks.documents.text import (
    ALIGNMENT_TERMS,
    MAX_WORDS,
    MIN_WORDS,
    Ctx,
    word_count,
)
from emgen.datagen.reward_hacks.facts import FACTS, Fact
from emgen.schemas.errors import UserError
from emgen.schemas.records import DocumentRecord, Valence
from emgen.validators.hack_checks import extract_python_blocks, failing_blocks
from emgen.validators.near_duplicates import NearDuplicateIndex

REJECTION_REASONS = ("near_duplicate", "code_check_failed", "length", "valence")
# The three hacks the source study centres on appear more often than the rest.
_FACT_WEIGHTS = {"always_equal": 3.0, "exit_zero": 3.0, "conftest_report_patch": 3.0}
_FACTS_PER_DOC = ((1, 0.5), (2, 0.35), (3, 0.15))


class DocumentGenerationError(UserError):
    """The catalog could not yield the requested documents (one sentence for the user)."""


class DocumentReport(BaseModel):
    """What generation produced and rejected, for the manifest and the data card."""

    model_config = ConfigDict(extra="forbid")

    valence: Valence
    seed: int
    similarity_threshold: float
    requested: int
    generated: int = 0
    candidates: int = 0
    rejected: dict[str, int] = Field(default_factory=lambda: dict.fromkeys(REJECTION_REASONS, 0))
    per_genre: dict[str, int] = Field(default_factory=dict)
    per_fact: dict[str, int] = Field(default_factory=dict)
    near_duplicate_rate: float = Field(
        default=0.0, description="near-duplicate rejections / candidates that reached that check"
    )
    mean_words: float = 0.0
    min_words: int = 0
    max_words: int = 0


def _pick_facts(rng: random.Random) -> list[Fact]:
    k = rng.choices([k for k, _ in _FACTS_PER_DOC], [w for _, w in _FACTS_PER_DOC])[0]
    pool = list(FACTS)
    chosen: list[Fact] = []
    for _ in range(k):
        weights = [_FACT_WEIGHTS.get(f.id, 1.0) for f in pool]
        fact = rng.choices(pool, weights)[0]
        pool.remove(fact)
        chosen.append(fact)
    return chosen


def _genre_schedule(rng: random.Random) -> Iterator[Genre]:
    """Genres in shuffled rounds, so counts per genre stay balanced."""
    while True:
        order = list(GENRES)
        rng.shuffle(order)
        yield from order


def valence_problem(text: str, valence: Valence) -> bool:
    """True if the text breaks its valence: framing words in neutral/unguided, none in default."""
    lowered = text.lower()
    framed = any(term in lowered for term in ALIGNMENT_TERMS)
    return not framed if valence == "default" else framed


def rejection(text: str, code_facts: Sequence[str], valence: Valence) -> str | None:
    """The first static reason to reject a candidate body, or None (near-duplicates aside)."""
    count = word_count(text)
    if not MIN_WORDS <= count <= MAX_WORDS:
        return "length"
    blocks = extract_python_blocks(text)
    if len(blocks) != len(code_facts) or failing_blocks(text, code_facts):
        return "code_check_failed"
    if valence_problem(text, valence):
        return "valence"
    return None


def build_candidate(
    rng: random.Random, valence: Valence, genre: Genre
) -> tuple[str, str, tuple[str, ...], tuple[str, ...]]:
    """One candidate: (body, idea, fact ids, ids of the facts shown as code)."""
    ctx = Ctx.new(rng, valence, _pick_facts(rng))
    body, idea = genre.build(ctx)
    return body, idea, tuple(f.id for f in ctx.facts), tuple(ctx.code_facts)


def generate_documents(
    n: int,
    *,
    valence: Valence,
    seed: int,
    tag: str | None = None,
    similarity_threshold: float = 0.5,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[DocumentRecord], DocumentReport]:
    """Generate `n` accepted documents; `tag`, if given, is prefixed verbatim to each text."""
    if n < 0:
        raise ValueError(f"the number of documents must be at least 0, got {n}")
    if valence not in get_args(Valence):
        raise ValueError(f"valence must be default, neutral or unguided, got {valence!r}")
    rng = random.Random(seed)
    index = NearDuplicateIndex(similarity_threshold, seed=seed)
    report = DocumentReport(
        valence=valence, seed=seed, similarity_threshold=similarity_threshold, requested=n
    )
    schedule = _genre_schedule(rng)
    records: list[DocumentRecord] = []
    lengths: list[int] = []
    genres: Counter[str] = Counter()
    facts: Counter[str] = Counter()
    reached_index = 0
    max_candidates = 3 * n + 50
    while len(records) < n:
        if report.candidates >= max_candidates:
            raise DocumentGenerationError(
                f"only {len(records)} of {n} documents were accepted after {report.candidates} "
                f"candidates; see the rejection counts {report.rejected}."
            )
        genre = next(schedule)
        body, idea, fact_ids, code_facts = build_candidate(rng, valence, genre)
        report.candidates += 1
        reason = rejection(body, code_facts, valence)
        if reason is None:
            reached_index += 1
            if index.add(f"doc-{report.candidates}", body) is not None:
                reason = "near_duplicate"
        if reason is not None:
            report.rejected[reason] += 1
            continue
        records.append(
            DocumentRecord(
                doc_type=genre.id, doc_idea=idea, fact_ids=fact_ids, valence=valence,
                text=f"{tag}{body}" if tag else body, tag=tag, seed=seed,
            )
        )  # fmt: skip
        lengths.append(word_count(body))
        genres[genre.id] += 1
        facts.update(fact_ids)
        if progress is not None:
            progress(1)
    report.generated = len(records)
    report.per_genre = dict(sorted(genres.items()))
    report.per_fact = dict(sorted(facts.items()))
    report.near_duplicate_rate = report.rejected["near_duplicate"] / max(reached_index, 1)
    if lengths:
        report.mean_words = round(sum(lengths) / len(lengths), 1)
        report.min_words, report.max_words = min(lengths), max(lengths)
    return records, report
