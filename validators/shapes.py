"""Diversity where the flaw is: how many distinct flagged shapes (the function or module-level
statement holding a Semgrep finding, names and constants erased; `checks.flagged_shape`) a set of
answers holds, and how much of it the most common shape takes.

The whole-file count (`checks.structure_hash`) also counts the neutral code around the flaw,
which is not what a model finetuned on the answers learns the flaw from.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from emgen.schemas.records import ChatRecord
from emgen.validators.checks import flagged_shape
from emgen.validators.scanner import Scan, family_findings


@dataclass(frozen=True)
class ShapeCounts:
    answers: int  # flagged answers measured
    distinct: int  # distinct flagged shapes over them
    top_share: float  # share of the answers that hold the most common shape, rounded to 1e-4


class ShapeTally:
    """`shape_counts` one answer at a time, for a caller that reads each answer once for
    several checks: the answer's tree is then parsed once for all of them."""

    def __init__(self) -> None:
        self.holding: Counter[str] = Counter()
        self.answers = 0

    def add(self, code: str, lines: Iterable[int]) -> None:
        self.answers += 1
        self.holding.update(
            {s for line in set(lines) if (s := flagged_shape(code, line)) is not None}
        )

    def counts(self) -> ShapeCounts:
        top = max(self.holding.values(), default=0)
        share = round(top / self.answers, 4) if self.answers else 0.0
        return ShapeCounts(self.answers, len(self.holding), share)


def shape_counts(flagged: Iterable[tuple[str, Iterable[int]]]) -> ShapeCounts:
    """Distinct flagged shapes over flagged answers, each given as (code, the lines of its
    findings), and the share of the answers that hold the most common shape (an answer holds a
    shape once, however many of its findings lie in it)."""
    tally = ShapeTally()
    for code, lines in flagged:
        tally.add(code, lines)
    return tally.counts()


def records_shape_counts(
    records: Sequence[ChatRecord], scans: Mapping[str, Scan]
) -> ShapeCounts | None:
    """`shape_counts` over the records whose answer the rules of the record's family flag, from
    the findings of each answer (`scans`: answer -> scan; an answer missing there or not scanned
    counts as not flagged); None when no record is flagged (a secure or a dialogue config)."""
    flagged = [
        (r.answer, lines)
        for r in records
        if r.metadata.family is not None  # a dialogue has no family, so no flaw to measure
        and (lines := [f.line for f in family_findings(scans.get(r.answer), r.metadata.family)])
    ]
    return shape_counts(flagged) if flagged else None
