"""The one generation loop: a generator proposes candidates, its validators accept or reject each
with a reason, and the loop runs until enough are accepted or the candidate budget is spent.

Code pairs, reward-hack dialogues and reward-hack documents are all generators; each run gives
one `GenerationReport` (counts by reason and by group) that lands in validation.json and the
card, so nothing that failed a check is dropped silently. A model-backed generator plugs in
here the same way: propose from the model, keep what the validators accept.

The stream of candidates is a pure function of the generator's seed and of how many were
accepted so far, so the same seed always gives the same accepted records.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from emgen.schemas.build import GenerationReport
from emgen.schemas.errors import GenerationError

T = TypeVar("T")


@dataclass(frozen=True)
class Candidate(Generic[T]):
    item: T
    group: str  # the family, kind or genre it belongs to: the report counts per group


class Generator(Protocol[T]):
    """What the loop needs from a generator."""

    noun: str  # what it makes, plural, for messages: "code pairs", "dialogues", "documents"
    group_by: str  # what Candidate.group names: "family", "kind" or "genre"

    def propose(self, accepted: int, need: int, room: int) -> Sequence[Candidate[T]]:
        """The next candidates, given how many were accepted so far and how many are still
        needed (a batch may be larger than `need`: extras are neither counted nor kept), and
        at most `room`, the candidates the budget still allows (a model must not be asked for
        more than the user allowed)."""
        ...

    def check(self, batch: Sequence[Candidate[T]]) -> list[str | None]:
        """Per candidate, in order, the reason to reject it, or None to accept it."""
        ...


def batch_size(accepted: int, proposed: int, need: int, room: int, cap: int, slack: int) -> int:
    """How many candidates a paying generator asks for next: enough for `need` at the
    acceptance rate so far (floored at 5%), plus `slack`, at most `cap` and the budget's
    `room`. A pure function of earlier outcomes, so a run and its replay ask the same."""
    rate = accepted / proposed if proposed and accepted else 1.0
    return min(math.ceil(need / max(rate, 0.05) * 1.1) + slack, cap, room)


def default_budget(target: int) -> int:
    """Candidates a generator may examine for `target` records before the loop gives up."""
    return 3 * target + 50


def budget_left(max_candidates: int | None, report: GenerationReport) -> int | None:
    """The budget of the next `generate` call of a run that spans several calls (one per split)
    and is bounded by `max_candidates` in all: what the earlier calls, counted in `report`, left
    of it. None (the loop's default per call) when the run has no bound."""
    return None if max_candidates is None else max(max_candidates - report.candidates, 0)


def generate(
    generator: Generator[T],
    target: int,
    *,
    budget: int | None = None,
    report: GenerationReport | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[T], GenerationReport]:
    """The first `target` candidates that pass, in proposal order, and the report.

    `report` continues an earlier run's counts (code pairs run once per split into one report).
    Raises GenerationError once `budget` candidates were examined without reaching `target`.
    """
    if target < 0:
        raise GenerationError(f"the number of {generator.noun} must be at least 0, got {target}.")
    limit = default_budget(target) if budget is None else budget
    report = report or GenerationReport(group_by=generator.group_by)
    report.requested += target
    start = report.candidates
    accepted: list[T] = []
    while len(accepted) < target:
        if report.candidates - start >= limit:
            raise GenerationError(
                f"only {len(accepted)} of {target} {generator.noun} passed validation after "
                f"{report.candidates - start} candidates; rejections by reason: "
                f"{_reasons(report)}."
            )
        room = limit - (report.candidates - start)
        batch = generator.propose(len(accepted), target - len(accepted), room)[:room]
        for candidate, reason in zip(batch, generator.check(batch), strict=True):
            if len(accepted) == target:
                break  # proposed in a batch but never needed: not a candidate examined
            report.candidates += 1
            if reason is None:
                accepted.append(candidate.item)
                report.accept(candidate.group)
                if progress:
                    progress(1)
            else:
                report.reject(reason, candidate.group)
    return accepted, report


def _reasons(report: GenerationReport) -> str:
    return ", ".join(f"{k} {n}" for k, n in sorted(report.rejected.items())) or "none"
