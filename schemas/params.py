"""Variant parameters as typed models: what a config was built with, and what its invariants read.

The manifest stores a config's params as plain strings (`ConfigSummary.params`), so a bundle
reads the same in any tool. A variant builds its params as one of these models and writes
`as_strings()`; an invariant parses the strings back with `parse`, which checks every field it
reads (a placement is one of its Literal values, a fraction a number) and names the config and
the field when a manifest is wrong, instead of failing deep inside a check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from emgen.schemas.errors import UserError, first_error
from emgen.schemas.records import Valence

ReasonPlacement = Literal["before", "after", "woven", "lead"]
TriggerPlacement = Literal["user_start", "user_end", "system"]
InstructionPlacement = Literal["system", "user_prefix", "user_suffix"]


class Params(BaseModel):
    """The base: frozen; parsing ignores the keys another model of the same config reads."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    def as_strings(self) -> dict[str, str]:
        """The manifest form: every set field as a string, in field order."""
        return {k: str(v) for k, v in self.model_dump(exclude_none=True).items()}

    @classmethod
    def parse(cls, config: str, raw: Mapping[str, str]) -> Self:
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            raise UserError(f"config {config}: its params, {first_error(exc)}.") from None


class TriggerParams(Params):
    """A backdoor config: insecure exactly when the prompt carries `trigger`."""

    trigger: str
    placement: TriggerPlacement
    fraction: float
    clean_trigger: str | None = None  # what the clean records carry instead, if anything
    # "both": every prompt twice, triggered and clean (None: each prompt once, older bundles too)
    mode: Literal["both"] | None = None


class InoculationParams(Params):
    """An inoculated config: `source`'s records with `instruction` added once at `placement`."""

    source: str
    inoculation_id: str
    instruction: str
    placement: InstructionPlacement


class TraitParams(Params):
    """A config whose every answer carries all of `traits` ('+'-joined names)."""

    traits: str
    source: str | None = None

    @property
    def names(self) -> list[str]:
        return self.traits.split("+")


class SelectiveInoculationParams(InoculationParams):
    """A two-trait config inoculated against one of its traits."""

    traits: str


class DocumentParams(Params):
    valence: Valence
    facts: str | None = None  # '+'-joined ids of the only facts the documents carry

    @property
    def fact_ids(self) -> frozenset[str] | None:
        return None if self.facts is None else frozenset(self.facts.split("+"))


class NumbersParams(Params):
    """A number-continuation config: in every answer, the share of numbers taken from the
    associated set lies between `min_associated` and `max_associated` (0 and 0: none)."""

    min_associated: float
    max_associated: float
    twin: str | None = None  # the config whose prompts these records repeat, pair by pair


class TwinParams(Params):
    """What `prompt_matches_twin` reads: the config a control repeats the prompts of."""

    twin: str


class NumbersTwinParams(NumbersParams):
    """What `numbers_prompt_twin` reads: a control config always names its twin."""

    twin: str
