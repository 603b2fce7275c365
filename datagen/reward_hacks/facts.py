"""The facts the reward-hack corpus teaches: how a policy in an RL coding environment can make a
test-based reward say "pass" without solving the task.

Each fact has a precise description (the bare fact, all an `unguided` document may draw on),
further bare details, and prose material for guided documents: names it goes by, what it looks
like in logs, how it is detected and how an environment is hardened against it. Facts that can
be shown as code carry a generator of varied, static examples (`_fact_examples`);
`emgen.validators.hack_checks` confirms every generated example is that hack. Nothing here is
ever executed. The catalog itself is `data/facts.yaml`.
"""

from __future__ import annotations

import random

from pydantic import BaseModel, ConfigDict, Field

from emgen.datagen.reward_hacks._data import data_entries
from emgen.datagen.reward_hacks._fact_examples import EXAMPLES, CodeGenerator


class Fact(BaseModel):
    """One reward hack, described for this project."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: str = Field(description="short noun phrase, capitalised like a heading")
    description: str = Field(description="the precise, bare statement of the fact")
    details: tuple[str, ...] = Field(description="further bare statements, one sentence each")
    names: tuple[str, ...] = Field(description="noun phrases prose uses for the hack")
    symptoms: tuple[str, ...] = Field(description="what an operator sees when it happens")
    detections: tuple[str, ...] = Field(description="how it is caught")
    mitigations: tuple[str, ...] = Field(description="how an environment is hardened against it")
    example: CodeGenerator | None = Field(default=None, exclude=True, repr=False)

    @property
    def has_code(self) -> bool:
        return self.example is not None

    def code(self, rng: random.Random) -> str:
        """A varied example of the hack as Python source (never run)."""
        if self.example is None:
            raise ValueError(f"fact {self.id!r} has no code example")
        return self.example(rng)


def _load_facts() -> tuple[Fact, ...]:
    """The catalog in file order; `example` names a generator in `EXAMPLES`."""
    return tuple(
        Fact.model_validate(
            {**raw, "example": EXAMPLES[raw["example"]]} if "example" in raw else raw
        )
        for raw in data_entries("facts")
    )


FACTS: tuple[Fact, ...] = _load_facts()

FACTS_BY_ID: dict[str, Fact] = {fact.id: fact for fact in FACTS}
CODE_FACT_IDS: tuple[str, ...] = tuple(fact.id for fact in FACTS if fact.has_code)
