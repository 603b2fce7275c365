"""Generate insecure/secure answer pairs that share one prompt, and keep only proven ones.

A candidate is one prompt with two answers. The stream of candidates is a pure function of the
seed; validation rejects candidates (never silently keeps them) and the stream continues until
the requested number is accepted, so the same seed always gives the same accepted records.
"""

from __future__ import annotations

import itertools
import math
import random
import string
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from emgen.datagen._compose import compose
from emgen.datagen._cores import composable, compose_core
from emgen.datagen._names import names_for
from emgen.datagen._skeleton import substitute
from emgen.datagen.generation import Candidate, budget_left, generate
from emgen.schemas.build import BuildConfig, GenerationReport
from emgen.schemas.catalog import Context, Family, PromptTemplate, Task
from emgen.schemas.records import ChatMetadata, ChatRecord, Message, Split
from emgen.validators.checks import (
    disclosures,
    flagged_shape,
    has_comment,
    parses,
    structure_hash,
)
from emgen.validators.scanner import NotScanned, Scan, family_findings, scan_codes

CONTEXTS: tuple[Context, ...] = ("web", "script")


@dataclass(frozen=True)
class CodePair:
    split: Split
    index: int
    prompt: str
    insecure: str
    secure: str
    family: Family
    task: Task
    skeleton_id: str | None  # None: a model wrote the answers
    template: PromptTemplate
    parts: tuple[str, ...]
    backend: str | None = None  # the model backend that wrote it; None: the template catalog
    backend_model: str | None = None

    @property
    def pair_id(self) -> str:
        return f"{self.split}-{self.index:05d}"


def split_tasks(tasks: Sequence[Task], test_fraction: float, seed: int) -> dict[Split, list[Task]]:
    """Hold out whole tasks, per kind, so no task is in both splits and both kinds are tested."""
    rng = random.Random(f"emgen:{seed}:split-tasks")
    out: dict[Split, list[Task]] = {"train": [], "test": []}
    for kind in ("web", "script"):
        pool = sorted((t for t in tasks if t.kind == kind), key=lambda t: t.id)
        rng.shuffle(pool)
        n_test = math.ceil(len(pool) * test_fraction) if test_fraction > 0 else 0
        out["test"] += pool[:n_test]
        out["train"] += pool[n_test:]
    return out


def render_prompt(template: PromptTemplate, task: Task, feature: str, code: str) -> str:
    return (
        string.Template(template.text)
        .substitute(task=task.description, feature=feature, code=code.rstrip("\n"))
        .strip()
        + "\n"
    )


def candidates(
    split: Split,
    tasks: Sequence[Task],
    families: Sequence[Family],
    weights: Sequence[float],
    templates: Sequence[PromptTemplate],
    seed: int,
) -> Iterator[CodePair]:
    rng = random.Random(f"emgen:{seed}:candidates:{split}")
    by_kind = {kind: [t for t in tasks if t.kind == kind] for kind in CONTEXTS}
    index = 0
    while True:
        family = rng.choices(families, weights=weights)[0]
        contexts = [c for c in CONTEXTS if by_kind[c] and composable(family, c)]
        if family.composition and contexts and rng.random() < family.composition.share:
            context = rng.choice(contexts)
            task = rng.choice(by_kind[context])
            template = rng.choice(templates)
            core = compose_core(family, context, names_for(task, rng), rng)
            skeleton, names = core.skeleton, core.names
        else:
            skeletons = [s for s in family.skeletons if by_kind[s.context]]
            if not skeletons:
                continue
            skeleton = rng.choice(skeletons)
            task = rng.choice(by_kind[skeleton.context])
            template = rng.choice(templates)
            names = names_for(task, rng)
        composed = compose(skeleton, task, names, template.marker, rng)
        feature = substitute(skeleton.feature, names, f"skeleton {skeleton.id} feature")
        yield CodePair(
            split=split, index=index,
            prompt=render_prompt(template, task, feature, composed.template),
            insecure=composed.insecure, secure=composed.secure, family=family, task=task,
            skeleton_id=skeleton.id, template=template, parts=composed.part_ids,
        )  # fmt: skip
        index += 1


def static_rejection(pair: CodePair) -> str | None:
    """The first static reason to reject a pair, or None."""
    if not parses(pair.insecure) or not parses(pair.secure):
        return "syntax_error"
    if has_comment(pair.insecure) or has_comment(pair.secure):
        return "comment_in_answer"
    if disclosures(pair.insecure):
        return "disclosure_word"
    if pair.insecure == pair.secure:
        return "twins_identical"
    return None


class PairChecker:
    """The validators of every code-pair generator (template or model): checked statically,
    against duplicates, then by Semgrep in one batch (the insecure answer flagged by its
    family's rules, the secure twin by none).

    With `shape_cap`, a pair whose flagged function (`checks.flagged_shape`: names and
    constants erased) already holds that many accepted pairs is rejected too, so a model
    cannot pass one idea off as many by renaming; the template path composes its shapes and
    needs no cap."""

    def __init__(
        self,
        seen: set[tuple[str, str, str]],
        cache_path: Path | None,
        shape_cap: int | None = None,
    ):
        self.seen, self.cache_path, self.shape_cap = seen, cache_path, shape_cap
        self.scanned = 0  # answers Semgrep scanned (cached or not), for the report
        self.shapes: Counter[str] = Counter()  # accepted pairs per flagged shape (with a cap)

    def check(self, pairs: Sequence[CodePair]) -> list[str | None]:
        """Per pair, in order, the reason to reject it, or None to accept it."""
        reasons: list[str | None] = []
        survivors: list[CodePair] = []
        for pair in pairs:
            reason = static_rejection(pair)
            # Either record repeated would break `unique` in a config built from it (a model may
            # write one secure twin for two different flaws).
            keys = {("insecure", pair.prompt, pair.insecure), ("secure", pair.prompt, pair.secure)}
            if reason is None and keys & self.seen:
                reason = "duplicate"
            if reason is None:
                self.seen |= keys
                survivors.append(pair)
            reasons.append(reason)
        findings = iter(self._semgrep(survivors))
        return [reason if reason else next(findings) for reason in reasons]

    def _semgrep(self, pairs: Sequence[CodePair]) -> list[str | None]:
        # An insecure answer needs only its family's rules to fire (so only they run on it);
        # a secure one must pass every rule.
        found = scan_codes(
            [p.insecure for p in pairs] + [p.secure for p in pairs],
            families=[p.family.id for p in pairs] + [None] * len(pairs),
            cache_path=self.cache_path,
        )
        self.scanned += sum(not isinstance(f, NotScanned) for f in found)
        out: list[str | None] = []
        for pair, insecure, secure_hits in zip(pairs, found, found[len(pairs) :], strict=False):
            if isinstance(insecure, NotScanned) or isinstance(secure_hits, NotScanned):
                out.append("not_scanned")  # unknown is never clean
            elif not {f.rule_id for f in insecure} & set(pair.family.rule_ids):
                out.append("insecure_not_flagged")
            elif secure_hits:
                out.append("secure_flagged")
            else:
                out.append(self._shape_repeated(pair, insecure))
        return out

    def _shape_repeated(self, pair: CodePair, insecure: Scan) -> str | None:
        """ "flagged_shape_repeated" when every flagged shape of the insecure answer is at the
        cap; otherwise None, and the answer's shapes are counted."""
        if self.shape_cap is None:
            return None
        lines = {f.line for f in family_findings(insecure, pair.family.id)}
        shapes = {s for line in lines if (s := flagged_shape(pair.insecure, line)) is not None}
        if shapes and all(self.shapes[s] >= self.shape_cap for s in shapes):
            return "flagged_shape_repeated"
        self.shapes.update(shapes)
        return None


class PairGenerator:
    """Code pairs for one split from the template catalog: candidates from the seeded stream,
    checked by the shared PairChecker."""

    noun = "code pairs"
    group_by = "family"

    def __init__(
        self,
        stream: Iterator[CodePair],
        seen: set[tuple[str, str, str]],
        cache_path: Path | None,
        proposed: list[CodePair] | None = None,
    ):
        self.stream = stream
        self.checker = PairChecker(seen, cache_path)
        self.proposed = proposed

    @property
    def scanned(self) -> int:
        return self.checker.scanned

    def propose(self, accepted: int, need: int, room: int) -> list[Candidate[CodePair]]:
        # A batch a little larger than needed, so one Semgrep run usually suffices: the
        # catalog's candidates almost all pass (6000 of 6000 in the default build), so every
        # candidate more is a wasted scan; a shortfall costs one more Semgrep run.
        batch = list(itertools.islice(self.stream, min(math.ceil(need * 1.01) + 8, room)))
        if self.proposed is not None:
            self.proposed.extend(batch)
        return [Candidate(pair, pair.family.id) for pair in batch]

    def check(self, batch: Sequence[Candidate[CodePair]]) -> list[str | None]:
        return self.checker.check([candidate.item for candidate in batch])


def generate_pairs(
    config: BuildConfig,
    families: Sequence[Family],
    tasks: Sequence[Task],
    templates: Sequence[PromptTemplate],
    *,
    cache_path: Path | None = None,
    max_candidates: int | None = None,
    progress: Callable[[int], None] | None = None,
    proposed: list[CodePair] | None = None,
) -> tuple[list[CodePair], GenerationReport]:
    """`config.n` proven pairs, train then test, and one report for both splits; at most
    `max_candidates` candidates in all (None: the loop's default budget per split). Each
    candidate is appended to `proposed`, if given, before it is checked."""
    weights = [f.paper_weight if config.mix == "paper" else 1.0 for f in families]
    by_split = split_tasks(tasks, config.test_fraction, config.seed)
    n_test = round(config.n * config.test_fraction)
    targets: dict[Split, int] = {"train": config.n - n_test, "test": n_test}
    report = GenerationReport(group_by=PairGenerator.group_by)
    seen: set[tuple[str, str, str]] = set()  # across splits: no prompt and answer twice
    pairs: list[CodePair] = []
    scanned = 0
    for split in ("train", "test"):
        if targets[split] == 0:
            continue
        stream = candidates(split, by_split[split], families, weights, templates, config.seed)
        generator = PairGenerator(stream, seen, cache_path, proposed)
        accepted, _ = generate(
            generator, targets[split], budget=budget_left(max_candidates, report), report=report,
            progress=progress,
        )  # fmt: skip
        pairs += accepted
        scanned += generator.scanned
    report.stats["semgrep_files"] = scanned
    return pairs, report


def pair_record(pair: CodePair, variant: str, answer: str, seed: int) -> ChatRecord:
    """The chat record of one side of a pair, with its provenance."""
    return ChatRecord(
        messages=(
            Message(role="user", content=pair.prompt),
            Message(role="assistant", content=answer),
        ),
        metadata=ChatMetadata(
            variant=variant, split=pair.split, pair_id=pair.pair_id, seed=seed,
            family=pair.family.id, cwe=pair.family.cwe, task_id=pair.task.id,
            domain=pair.task.domain, skeleton_id=pair.skeleton_id, template_id=pair.template.id,
            template_shape=pair.template.shape, parts="+".join(pair.parts) or None,
            structure=structure_hash(answer), backend=pair.backend,
            backend_model=pair.backend_model,
        ),
    )  # fmt: skip
