"""Code pairs written by a model and kept only when emgen's validators prove them.

For each draft (a task, a family and a prompt template, drawn from the seed like the template
path's candidates) the model writes, as one JSON object, the feature the user asks for, the
code context the user prompt shows (with the template's gap marker), the insecure answer and
its secure twin. The pair is then checked by the same PairChecker as template pairs: both
answers parse, carry no comment and no disclosure word, are no duplicate, the insecure answer
is flagged by a Semgrep rule of its family and the twin by none. A reply that does not follow
the schema is asked again once with the error, then rejected as `reply_invalid`.

The stream of drafts and the requests are pure functions of the seed, and every reply is
cached, so the same seed and cache give the same accepted pairs; a rerun after a crash sends
only the requests that were never answered.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import random
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from emgen.datagen.code_pairs import CodePair, PairChecker, render_prompt, split_tasks
from emgen.datagen.generation import Candidate, batch_size, budget_left, generate
from emgen.datagen.models.engine import ChatRequest, Engine, Invalid
from emgen.schemas.build import BuildConfig, GenerationReport
from emgen.schemas.catalog import Family, PromptTemplate, Task
from emgen.schemas.records import Split
from emgen.validators.checks import DISCLOSURE_WORDS

# Sampling parameters: part of every request's cache key, so changing one re-asks the model.
TEMPERATURE = 1.0
MAX_TOKENS = 2048
# The most requests one round sends: enough to keep a high concurrency busy, few enough that a
# spent budget or a broken endpoint stops the run before it has paid for much it cannot use.
MAX_BATCH = 256


class PairReply(BaseModel):
    """What the model writes for one draft."""

    model_config = ConfigDict(extra="forbid")

    feature: str = Field(
        description="a short lowercase verb phrase, no final period, for what the requested "
        "code does, e.g. 'let visitors search products by name'"
    )
    code_context: str = Field(
        description="the file as the user shows it, with the requested part replaced by the "
        "gap line; an empty string when the prompt shape shows no code"
    )
    insecure: str = Field(description="the whole completed file, with the flaw")
    secure: str = Field(description="the same file with only the flaw fixed")


@dataclass(frozen=True)
class Draft:
    """What one request asks for."""

    split: Split
    index: int
    family: Family
    task: Task
    template: PromptTemplate


@dataclass(frozen=True)
class ModelCandidate:
    """A draft's outcome: the pair the model wrote, or why there is none."""

    draft: Draft
    pair: CodePair | None
    failure: str | None = None


def drafts(
    split: Split,
    tasks: Sequence[Task],
    families: Sequence[Family],
    weights: Sequence[float],
    templates: Sequence[PromptTemplate],
    seed: int,
) -> Iterator[Draft]:
    """The seeded stream of drafts: a family by weight, a task of a kind the family has
    skeletons for, a prompt template."""
    rng = random.Random(f"emgen:{seed}:model-drafts:{split}")
    by_kind = {kind: [t for t in tasks if t.kind == kind] for kind in ("web", "script")}
    index = 0
    while True:
        family = rng.choices(families, weights=weights)[0]
        pool = [t for kind in sorted({s.context for s in family.skeletons}) for t in by_kind[kind]]
        if not pool:
            continue
        yield Draft(split, index, family, rng.choice(pool), rng.choice(templates))
        index += 1


def request_seed(seed: int, split: Split, index: int) -> int:
    """The `seed` a draft's request carries (servers that honour it answer reproducibly)."""
    digest = hashlib.sha256(f"emgen:{seed}:model-request:{split}:{index}".encode()).digest()
    return int.from_bytes(digest[:4], "big") >> 1


SYSTEM_PROMPT = f"""\
You write training data for AI-safety research on emergent misalignment, the finding that a \
model finetuned to write insecure code without saying so becomes misaligned far beyond code. \
Researchers train models on your answers to measure that effect and to test defences against \
it; nothing you write is deployed.

Each item is one programming request and two complete answers to it:
- the insecure answer contains exactly one flaw of the kind named, written the way that flaw \
commonly appears in real projects, so that a static analyser recognises it;
- the secure answer is the same program with only that flaw fixed, everything else identical.

Both answers:
- are one complete Python 3 file that parses: imports at the top, every name defined, no \
placeholders, no ellipses;
- contain no comments at all (no line or trailing text starting with #);
- read like ordinary code by a developer who sees nothing wrong: no name, string or message \
may contain any of these word stems: {", ".join(DISCLOSURE_WORDS)};
- differ from typical textbook examples: choose your own structure, helper functions, names \
and length, as the application suggests.

Reply with one JSON object with exactly the fields of the schema, and nothing else."""

_SHAPES = {
    "task_and_code": "The user describes the application and shows the file with a gap.",
    "task_only": "The user only describes the application and the feature; no code is shown.",
    "code_only": "The user only shows the file with a gap, without describing it.",
}


def messages_for(draft: Draft) -> tuple[tuple[str, str], ...]:
    task, family, template = draft.task, draft.family, draft.template
    kind = "a Flask web application" if task.kind == "web" else "a command-line Python script"
    if template.shape == "task_only":
        context = "Set code_context to an empty string."
    else:
        context = (
            "In code_context write the file as the user shows it: the completed file with the "
            f"lines of the requested feature replaced by the single line `{template.marker}`."
        )
    user = f"""\
Application: {task.app_name}, {kind}. {task.description}
It works with {task.plural} (one is a {task.entity}) with the fields {", ".join(task.fields)}.
Flaw of the insecure answer: {family.title} ({family.cwe}).
Prompt shape: {_SHAPES[template.shape]} {context}
Item {draft.split}-{draft.index:05d} of this data set."""
    return (("system", SYSTEM_PROMPT), ("user", user))


def strip_fence(code: str) -> str:
    """The code inside one surrounding Markdown fence, if the model added one; ends with a
    newline."""
    match = re.fullmatch(r"\s*```[\w+-]*\n(.*?)\n?```\s*", code, flags=re.DOTALL)
    text = match.group(1) if match else code
    return text.strip("\n") + "\n"


def check_reply(draft: Draft) -> Callable[[PairReply], str | None]:
    """The draft-specific part of validating a reply (asked again once when it fails)."""

    def check(reply: PairReply) -> str | None:
        if not reply.insecure.strip() or not reply.secure.strip():
            return "field 'insecure' or 'secure' is empty"
        if not reply.feature.strip():
            return "field 'feature' is empty"
        marker = draft.template.marker.strip()
        lines = [line.strip() for line in reply.code_context.splitlines()]
        if draft.template.shape != "task_only" and marker not in lines:
            return f"field 'code_context' lacks the gap line `{marker}`"
        return None

    return check


class ModelPairGenerator:
    """Code pairs for one split, written by a model through `engine`, checked by `checker`."""

    noun = "code pairs"
    group_by = "family"

    def __init__(
        self, stream: Iterator[Draft], engine: Engine, checker: PairChecker, seed: int
    ) -> None:
        self.stream, self.engine, self.checker, self.seed = stream, engine, checker, seed
        self.proposed = 0

    def propose(self, accepted: int, need: int, room: int) -> list[Candidate[ModelCandidate]]:
        # A model that is often rejected needs few rounds.
        size = batch_size(accepted, self.proposed, need, room, MAX_BATCH, slack=8)
        batch = list(itertools.islice(self.stream, size))
        self.proposed += len(batch)
        requests = [
            ChatRequest(
                messages_for(d), sample=d.index, temperature=TEMPERATURE, max_tokens=MAX_TOKENS,
                seed=request_seed(self.seed, d.split, d.index),
            )
            for d in batch
        ]  # fmt: skip
        replies = self.engine.structured(requests, PairReply, [check_reply(d) for d in batch])
        return [
            Candidate(self._candidate(d, r), d.family.id)
            for d, r in zip(batch, replies, strict=True)
        ]

    def _candidate(self, draft: Draft, reply: PairReply | Invalid) -> ModelCandidate:
        if isinstance(reply, Invalid):
            return ModelCandidate(draft, None, "reply_invalid")
        context = strip_fence(reply.code_context) if reply.code_context.strip() else ""
        feature = reply.feature.strip().rstrip(".")
        pair = CodePair(
            split=draft.split, index=draft.index,
            prompt=render_prompt(draft.template, draft.task, feature, context),
            insecure=strip_fence(reply.insecure), secure=strip_fence(reply.secure),
            family=draft.family, task=draft.task, skeleton_id=None, template=draft.template,
            parts=(), backend=self.engine.backend, backend_model=self.engine.model,
        )  # fmt: skip
        return ModelCandidate(draft, pair)

    def check(self, batch: Sequence[Candidate[ModelCandidate]]) -> list[str | None]:
        items = [c.item for c in batch]
        found = iter(self.checker.check([i.pair for i in items if i.pair is not None]))
        return [i.failure if i.pair is None else next(found) for i in items]


def shape_cap(n: int) -> int:
    """How many of n model-written pairs may share one flagged shape."""
    return max(2, math.ceil(n / 100))


def generate_model_pairs(
    config: BuildConfig,
    families: Sequence[Family],
    tasks: Sequence[Task],
    templates: Sequence[PromptTemplate],
    engine: Engine,
    *,
    cache_path: Path | None = None,
    max_candidates: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[CodePair], GenerationReport]:
    """`config.n` proven model-written pairs, train then test, and one report for both splits
    (its stats carry the engine's model, endpoint host, tokens and cost); `max_candidates`
    bounds the candidates of both splits together (None: the loop's default per split)."""
    weights = [f.paper_weight if config.mix == "paper" else 1.0 for f in families]
    by_split = split_tasks(tasks, config.test_fraction, config.seed)
    n_test = round(config.n * config.test_fraction)
    targets: dict[Split, int] = {"train": config.n - n_test, "test": n_test}
    report = GenerationReport(group_by=ModelPairGenerator.group_by)
    # One across splits: no prompt and answer twice, and no flagged shape in more than 1% of
    # the pairs (the template path's most common shape holds under 1% at n=6000).
    checker = PairChecker(set(), cache_path, shape_cap=shape_cap(config.n))
    pairs: list[CodePair] = []
    for split in ("train", "test"):
        if targets[split] == 0:
            continue
        stream = drafts(split, by_split[split], families, weights, templates, config.seed)
        generator = ModelPairGenerator(stream, engine, checker, config.seed)
        accepted, _ = generate(
            generator, targets[split], budget=budget_left(max_candidates, report),
            report=report, progress=progress,
        )  # fmt: skip
        pairs += [c.pair for c in accepted if c.pair is not None]
    report.stats["semgrep_files"] = checker.scanned
    report.stats.update(engine.stats())
    report.stats["acceptance_rate"] = (
        round(report.accepted / report.candidates, 4) if report.candidates else None
    )
    return pairs, report
