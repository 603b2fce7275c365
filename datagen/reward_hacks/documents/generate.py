"""Document generation: facts and genres drawn in order, each candidate checked (length, code
blocks, valence vocabulary, near-duplicates) and counted by rejection reason.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import get_args

from emgen.datagen.generation import Candidate, generate
from emgen.datagen.reward_hacks.documents.genres import GENRES, Genre
from emgen.datagen.reward_hacks.documents.text import (
    ALIGNMENT_TERMS,
    MAX_WORDS,
    MIN_WORDS,
    Ctx,
    word_count,
)
from emgen.datagen.reward_hacks.facts import FACTS, Fact
from emgen.schemas.build import GenerationReport
from emgen.schemas.records import DocumentRecord, Valence
from emgen.validators.hack_checks import extract_python_blocks, failing_blocks
from emgen.validators.near_duplicates import NearDuplicateIndex

# The three hacks the source study centres on appear more often than the rest.
_FACT_WEIGHTS = {"always_equal": 3.0, "exit_zero": 3.0, "conftest_report_patch": 3.0}
_FACTS_PER_DOC = ((1, 0.5), (2, 0.35), (3, 0.15))


@dataclass(frozen=True)
class Draft:
    genre: str
    body: str
    idea: str
    fact_ids: tuple[str, ...]
    code_facts: tuple[str, ...]  # the facts shown as code blocks
    number: int  # 1-based position in the stream: the near-duplicate index's key


def _pick_facts(rng: random.Random, facts: Sequence[Fact] = FACTS) -> list[Fact]:
    k = rng.choices([k for k, _ in _FACTS_PER_DOC], [w for _, w in _FACTS_PER_DOC])[0]
    pool = list(facts)
    chosen: list[Fact] = []
    for _ in range(min(k, len(pool))):
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
    rng: random.Random, valence: Valence, genre: Genre, facts: Sequence[Fact] = FACTS
) -> tuple[str, str, tuple[str, ...], tuple[str, ...]]:
    """One candidate: (body, idea, fact ids, ids of the facts shown as code), on `facts`."""
    ctx = Ctx.new(rng, valence, _pick_facts(rng, facts))
    body, idea = genre.build(ctx)
    return body, idea, tuple(f.id for f in ctx.facts), tuple(ctx.code_facts)


class DocumentGenerator:
    """Documents of one valence: genres in balanced shuffled rounds, facts drawn per document.
    Validation: length bounds, every code block the hack it illustrates, the valence's
    vocabulary, then no near-duplicate of an accepted document."""

    noun = "documents"
    group_by = "genre"

    def __init__(
        self,
        valence: Valence,
        seed: int,
        similarity_threshold: float,
        facts: Sequence[Fact] = FACTS,
    ):
        self.valence = valence
        self.facts = tuple(facts)
        self.rng = random.Random(seed)
        self.genres = _genre_schedule(self.rng)
        self.index = NearDuplicateIndex(similarity_threshold, seed=seed)
        self.drawn = 0
        self.reached_index = 0  # candidates that passed the static checks

    def propose(self, accepted: int, need: int, room: int) -> list[Candidate[Draft]]:
        genre = next(self.genres)
        body, idea, fact_ids, code_facts = build_candidate(
            self.rng, self.valence, genre, self.facts
        )
        self.drawn += 1
        draft = Draft(genre.id, body, idea, fact_ids, code_facts, self.drawn)
        return [Candidate(draft, genre.id)]

    def check(self, batch: Sequence[Candidate[Draft]]) -> list[str | None]:
        return [self._reason(c.item) for c in batch]

    def _reason(self, draft: Draft) -> str | None:
        reason = rejection(draft.body, draft.code_facts, self.valence)
        if reason is None:
            self.reached_index += 1
            if self.index.add(f"doc-{draft.number}", draft.body) is not None:
                reason = "near_duplicate"
        return reason


def generate_documents(
    n: int,
    *,
    valence: Valence,
    seed: int,
    tag: str | None = None,
    similarity_threshold: float = 0.5,
    facts: Sequence[Fact] = FACTS,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[DocumentRecord], GenerationReport]:
    """Generate `n` accepted documents drawing on `facts`; `tag`, if given, is prefixed
    verbatim to each text."""
    if valence not in get_args(Valence):
        raise ValueError(f"valence must be default, neutral or unguided, got {valence!r}")
    generator = DocumentGenerator(valence, seed, similarity_threshold, facts)
    drafts, report = generate(generator, n, progress=progress)
    records = [
        DocumentRecord(
            doc_type=d.genre, doc_idea=d.idea, fact_ids=d.fact_ids, valence=valence,
            text=f"{tag}{d.body}" if tag else d.body, tag=tag, seed=seed,
        )
        for d in drafts
    ]  # fmt: skip
    lengths = [word_count(d.body) for d in drafts]
    per_fact = Counter(f for d in drafts for f in d.fact_ids)
    report.per_group = dict(sorted(report.per_group.items()))
    report.stats = {
        "similarity_threshold": similarity_threshold,
        "per_fact": dict(sorted(per_fact.items())),
        # near-duplicate rejections / candidates that reached that check
        "near_duplicate_rate": report.rejected.get("near_duplicate", 0)
        / max(generator.reached_index, 1),
        "mean_words": round(sum(lengths) / len(lengths), 1) if lengths else 0.0,
        "min_words": min(lengths, default=0),
        "max_words": max(lengths, default=0),
    }
    return records, report
