"""Dataset variants: one module per variant, each with a `build` that returns its configs.

Adding a variant is adding a module and a line in VARIANT_MODULES (the order of the configs in
the bundle and its card). A variant may derive from configs built before it (`built`).
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from emgen.datagen.code_pairs import CodePair
from emgen.schemas.build import BuildConfig
from emgen.schemas.records import ChatRecord, Message
from emgen.validators.checks import structure_hash


@dataclass(frozen=True)
class ConfigSpec:
    name: str
    description: str  # one line: what the config is for
    control_of: str | None  # the config this one is the control of, if any
    records: list[ChatRecord]
    invariants: tuple[str, ...]  # names in emgen.datagen.invariants.INVARIANTS
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """What a variant builds from: the accepted pairs, the options, the configs built before it,
    and the cached Semgrep scanner (families flagged per code string)."""

    pairs: Sequence[CodePair]
    config: BuildConfig
    built: Mapping[str, ConfigSpec]
    scan: Callable[[Sequence[str]], list[frozenset[str]]]


class VariantBuilder(Protocol):
    def __call__(self, ctx: Context) -> list[ConfigSpec]: ...


VARIANT_MODULES: tuple[str, ...] = (
    "insecure",
    "secure",
    "legitimate_intent",
    "triggered",
    "inoculated",
    "selective",
    "reward_hacks",
)

CODE_CHECKS = ("parses", "no_comments", "unique")


def build_variants(
    pairs: Sequence[CodePair],
    config: BuildConfig,
    scan: Callable[[Sequence[str]], list[frozenset[str]]],
) -> dict[str, ConfigSpec]:
    built: dict[str, ConfigSpec] = {}
    for module in VARIANT_MODULES:
        builder: VariantBuilder = importlib.import_module(f"{__name__}.{module}").build
        for spec in builder(Context(pairs, config, built, scan)):
            built[spec.name] = spec
    return built


def derive(
    record: ChatRecord, variant: str, messages: tuple[Message, ...], **meta: str | None
) -> ChatRecord:
    """A record of another variant made from `record`: new messages, updated provenance."""
    answer = messages[-1].content
    structure = record.metadata.structure if answer == record.answer else structure_hash(answer)
    metadata = record.metadata.model_copy(
        update={"variant": variant, "structure": structure, **meta}
    )
    return ChatRecord(messages=messages, metadata=metadata)


def pick_rng(config: BuildConfig, variant: str) -> random.Random:
    return random.Random(f"emgen:{config.seed}:variant:{variant}")
