"""The one generation loop: it keeps the first passing candidates in order, reports every
rejection, and never asks a generator for more candidates than the budget allows (a model
generator pays for each)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from emgen.datagen.generation import Candidate, default_budget, generate
from emgen.schemas.errors import GenerationError


class Counting:
    """Proposes batches of 10 numbers; odd numbers fail. Records the room it was given."""

    noun = "numbers"
    group_by = "parity"

    def __init__(self) -> None:
        self.next = 0
        self.rooms: list[int] = []
        self.proposed = 0

    def propose(self, accepted: int, need: int, room: int) -> Sequence[Candidate[int]]:
        self.rooms.append(room)
        size = min(10, room)
        batch = [Candidate(self.next + i, "odd" if (self.next + i) % 2 else "even")
                 for i in range(size)]  # fmt: skip
        self.next += size
        self.proposed += size
        return batch

    def check(self, batch: Sequence[Candidate[int]]) -> list[str | None]:
        return ["odd" if c.item % 2 else None for c in batch]


def test_first_passing_candidates_in_order_and_the_report() -> None:
    gen = Counting()
    kept, report = generate(gen, 7)
    assert kept == [0, 2, 4, 6, 8, 10, 12]
    assert (report.requested, report.accepted, report.candidates) == (7, 7, 13)
    assert report.rejected == {"odd": 6}
    assert gen.rooms[0] == default_budget(7)


def test_the_budget_bounds_what_is_asked_for() -> None:
    gen = Counting()
    with pytest.raises(GenerationError, match=r"only 3 of 7 numbers .* after 5 candidates"):
        generate(gen, 7, budget=5)
    # One batch of 5, not of 10: the generator was told the room and never asked beyond it.
    assert gen.rooms == [5] and gen.proposed == 5


def test_a_generator_that_ignores_the_room_is_cut_to_it() -> None:
    class Greedy(Counting):
        def propose(self, accepted: int, need: int, room: int) -> Sequence[Candidate[int]]:
            return super().propose(accepted, need, 10**6)

    with pytest.raises(GenerationError, match="after 4 candidates"):
        generate(Greedy(), 7, budget=4)


def test_a_paying_generator_sizes_its_batch_by_the_acceptance_rate() -> None:
    from emgen.datagen.generation import batch_size

    assert batch_size(0, 0, need=10, room=1000, cap=256, slack=8) == 19  # no rate yet: 100%
    assert batch_size(5, 20, need=10, room=1000, cap=256, slack=8) == 52  # 25% accepted
    assert batch_size(0, 20, need=10, room=1000, cap=256, slack=2) == 13  # none yet: 100%
    assert batch_size(1, 1000, need=10, room=1000, cap=256, slack=8) == 229  # floored at 5%
    assert batch_size(1, 1000, need=50, room=1000, cap=256, slack=8) == 256  # the cap
    assert batch_size(5, 20, need=10, room=7, cap=256, slack=8) == 7  # the budget's room
