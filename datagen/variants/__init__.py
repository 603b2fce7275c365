"""Dataset variants: one module per variant, each with a `build` that returns its configs.

Adding a variant is adding a module and its name in `VARIANTS` (the order of the configs in
the bundle and its card). A variant may derive from configs built before it (`built`).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from emgen.datagen.code_pairs import CodePair
from emgen.datagen.models import Engine
from emgen.schemas.build import BuildConfig, GenerationReport
from emgen.schemas.records import ChatRecord, DocumentRecord, Message
from emgen.schemas.shared.progress import Reporter, Silent
from emgen.schemas.shared.registry import Registry
from emgen.validators.checks import parses, structure_hash
from emgen.validators.scanner import FamiliesScan


@dataclass(frozen=True)
class ConfigSpec:
    """A chat config: what the build writes and `emgen validate` reads back to check."""

    name: str
    description: str  # one line: what the config is for
    control_of: str | None  # the config this one is the control of, if any
    records: list[ChatRecord]
    invariants: tuple[str, ...]  # names in emgen.datagen.invariants.INVARIANTS
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DocumentSpec:
    """A document config (pretraining-style text, one `text` column)."""

    name: str
    description: str
    control_of: str | None
    records: list[DocumentRecord]
    invariants: tuple[str, ...]  # names in emgen.datagen.invariants.DOCUMENT_INVARIANTS
    params: dict[str, str] = field(default_factory=dict)


Spec = ConfigSpec | DocumentSpec


@dataclass(frozen=True)
class Context:
    """What a variant builds from: the accepted pairs, the options, the chat configs built
    before it, and the cached Semgrep scanner (families flagged per code string). A variant
    that runs its own generator files its report in `reports` (keyed by config name) and shows
    progress through `reporter`."""

    pairs: Sequence[CodePair]
    config: BuildConfig
    built: Mapping[str, ConfigSpec]
    scan: FamiliesScan
    reports: dict[str, GenerationReport] = field(default_factory=dict)
    reporter: Reporter = field(default_factory=Silent)
    # The build's model engine when a model backend writes some of it (`config.generators`
    # names what); None for the template backend.
    engine: Engine | None = None
    # The most candidates each model generator may examine per config it writes, train and
    # test together (`--max-candidates`); None: the generation loop's default.
    max_candidates: int | None = None

    def model_for(self, generator: str) -> Engine | None:
        """The engine if a model writes `generator`'s records in this build, else None."""
        return self.engine if generator in self.config.generators else None


class VariantBuilder(Protocol):
    def __call__(self, ctx: Context) -> Sequence[Spec]: ...


# The registry, in build order: a variant may derive from the ones before it. Modules load on
# first use (they import this package); one left out of the list is an error.
VARIANTS: Registry[VariantBuilder] = Registry.of_modules(
    "variant",
    __name__,
    (
        "insecure",
        "secure",
        "legitimate_intent",
        "triggered",
        "inoculated",
        "selective",
        "reward_hacks",
        "reward_hacks_inoculated",
        "reward_hack_documents",
        "numbers",
        "spanish_caps",
        "paraphrased",
        "advice",
    ),
    attr="build",
)

CODE_CHECKS = ("parses", "no_comments", "unique")

# The variants that read neither the code pairs nor a config built from them, in registry order:
# a template build makes them while its code pairs wait on Semgrep (emgen.datagen.build).
WITHOUT_PAIRS = (
    "reward_hacks",
    "reward_hacks_inoculated",
    "reward_hack_documents",
    "numbers",
    "spanish_caps",
)


@dataclass(frozen=True)
class VariantOutput:
    """What one variant built: its configs, in order, and the reports of its generators."""

    specs: list[Spec]
    reports: dict[str, GenerationReport]

    def chat_configs(self) -> dict[str, ConfigSpec]:
        """The chat configs among them, by name: what later variants may derive from."""
        return {s.name: s for s in self.specs if isinstance(s, ConfigSpec)}


def build_variants(
    pairs: Sequence[CodePair],
    config: BuildConfig,
    scan: FamiliesScan,
    reporter: Reporter | None = None,
    engine: Engine | None = None,
    max_candidates: int | None = None,
    *,
    ready: Mapping[str, VariantOutput] | None = None,
) -> tuple[dict[str, Spec], dict[str, GenerationReport]]:
    """Every variant's configs, in registry order, and the reports of the generators the
    variants ran (the code pairs' report is the caller's); `max_candidates` bounds each model
    generator's run (Context.max_candidates). A variant in `ready` (build_without_pairs) is
    taken as it is, in its place."""
    specs: dict[str, Spec] = {}
    chat: dict[str, ConfigSpec] = {}
    reports: dict[str, GenerationReport] = {}
    reporter = reporter or Silent()
    advance = reporter.stage("Building variants", len(VARIANTS))
    for name, builder in VARIANTS.items():
        done = (ready or {}).get(name)
        if done is None:
            ctx = Context(pairs, config, chat, scan, {}, reporter, engine, max_candidates)
            done = _build(builder, ctx)
        specs.update((spec.name, spec) for spec in done.specs)
        chat.update(done.chat_configs())
        reports.update(done.reports)
        advance(1)
    return specs, reports


def build_without_pairs(
    config: BuildConfig,
    scan: FamiliesScan,
    into: dict[str, VariantOutput],
    reporter: Reporter | None = None,
) -> Iterator[str]:
    """The variants of WITHOUT_PAIRS, built from the template catalog exactly as build_variants
    would build them, for its `ready`: each step builds one into `into` and yields its name."""
    chat: dict[str, ConfigSpec] = {}
    for name in WITHOUT_PAIRS:
        ctx = Context((), config, chat, scan, {}, reporter or Silent())
        into[name] = _build(VARIANTS[name], ctx)
        chat.update(into[name].chat_configs())
        yield name


def warm_ahead(proposed: Sequence[CodePair]) -> Iterator[None]:
    """Steps that do, on the answers of candidate pairs, work the variants will do once the
    pairs are accepted: a template build runs them while Semgrep scans the candidates, and
    `proposed` grows as they are proposed. Only memoised pure functions run, so no record
    changes: the variants find the results made. The insecure and secure configs hold the
    pairs' answers as they are (pair_record hashes their structure)."""
    from emgen.datagen.variants.selective import warm  # a variant module imports this package

    done = 0
    while done < len(proposed):
        pair = proposed[done]
        done += 1
        for base, answer in (("insecure", pair.insecure), ("secure", pair.secure)):
            if parses(answer):  # structure_hash raises on what a check will reject
                structure_hash(answer)
                warm(base, answer)
        yield


def _build(builder: VariantBuilder, ctx: Context) -> VariantOutput:
    return VariantOutput(list(builder(ctx)), ctx.reports)


def derive(
    record: ChatRecord,
    variant: str,
    messages: tuple[Message, ...],
    *,
    structure: str | None = None,
    **meta: str | None,
) -> ChatRecord:
    """A record of another variant made from `record`: new messages, updated provenance.
    `structure` is the new answer's structure hash when the caller knows it already."""
    answer = messages[-1].content
    if structure is None:
        same = answer == record.answer
        structure = record.metadata.structure if same else structure_hash(answer)
    metadata = record.metadata.model_copy(
        update={"variant": variant, "structure": structure, **meta}
    )
    return ChatRecord(messages=messages, metadata=metadata)


def pick_rng(config: BuildConfig, variant: str) -> random.Random:
    return random.Random(f"emgen:{config.seed}:variant:{variant}")
