"""Generate insecure/secure answer pairs that share one prompt, and keep only proven ones.

A candidate is one prompt with two answers. The stream of candidates is a pure function of the
seed; validation rejects candidates (never silently keeps them) and the stream continues until
the requested number is accepted, so the same seed always gives the same accepted records.
"""

from __future__ import annotations

import math
import random
import string
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from emgen.datagen._compose import compose
from emgen.datagen._names import names_for
from emgen.schemas.build import BuildConfig, ValidationReport
from emgen.schemas.catalog import Family, PromptTemplate, Task
from emgen.schemas.errors import UserError
from emgen.schemas.records import ChatMetadata, ChatRecord, Message, Split
from emgen.validators.checks import disclosures, has_comment, parses, structure_hash
from emgen.validators.scanner import NotScanned, scan_codes

MAX_ROUNDS = 20


class GenerationError(UserError):
    """The catalog cannot yield the requested records (one sentence for the user)."""


@dataclass(frozen=True)
class CodePair:
    split: Split
    index: int
    prompt: str
    insecure: str
    secure: str
    family: Family
    task: Task
    skeleton_id: str
    template: PromptTemplate
    parts: tuple[str, ...]

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
    by_kind = {kind: [t for t in tasks if t.kind == kind] for kind in ("web", "script")}
    index = 0
    while True:
        family = rng.choices(families, weights=weights)[0]
        skeletons = [s for s in family.skeletons if by_kind[s.context]]
        if not skeletons:
            continue
        skeleton = rng.choice(skeletons)
        task = rng.choice(by_kind[skeleton.context])
        template = rng.choice(templates)
        names = names_for(task, rng)
        composed = compose(skeleton, task, names, template.marker, rng)
        feature = string.Template(skeleton.feature).substitute(names)
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


def accept_pairs(
    stream: Iterator[CodePair],
    target: int,
    report: ValidationReport,
    seen: set[tuple[str, str]],
    *,
    cache_path: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[CodePair]:
    """Pull candidates in batches, check them, and return the first `target` that pass."""
    accepted: list[CodePair] = []
    for _ in range(MAX_ROUNDS):
        need = target - len(accepted)
        if need <= 0:
            break
        batch = [next(stream) for _ in range(math.ceil(need * 1.1) + 8)]
        report.candidates += len(batch)
        survivors: list[CodePair] = []
        for pair in batch:
            reason = static_rejection(pair)
            key = (pair.prompt, pair.insecure)
            if reason is None and key in seen:
                reason = "duplicate"
            if reason is None:
                seen.add(key)
                survivors.append(pair)
            else:
                report.reject(reason, pair.family.id)
        findings = scan_codes(
            [p.insecure for p in survivors] + [p.secure for p in survivors],
            cache_path=cache_path,
        )
        report.semgrep_files += sum(not isinstance(f, NotScanned) for f in findings)
        for i, pair in enumerate(survivors):
            if len(accepted) == target:
                report.candidates -= 1  # drawn but never needed: not a candidate examined
                continue
            insecure, secure_hits = findings[i], findings[len(survivors) + i]
            if isinstance(insecure, NotScanned) or isinstance(secure_hits, NotScanned):
                report.reject("not_scanned", pair.family.id)  # unknown is never clean
            elif not {f.rule_id for f in insecure} & set(pair.family.rule_ids):
                report.reject("insecure_not_flagged", pair.family.id)
            elif secure_hits:
                report.reject("secure_flagged", pair.family.id)
            else:
                accepted.append(pair)
                report.accept(pair.family.id)
                if progress:
                    progress(1)
    if len(accepted) < target:
        raise GenerationError(
            f"only {len(accepted)} of {target} candidate pairs passed validation after "
            f"{MAX_ROUNDS} rounds; see the rejection counts ({report.rejected})."
        )
    return accepted


def generate_pairs(
    config: BuildConfig,
    families: Sequence[Family],
    tasks: Sequence[Task],
    templates: Sequence[PromptTemplate],
    *,
    cache_path: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[CodePair], ValidationReport]:
    weights = [f.paper_weight if config.mix == "paper" else 1.0 for f in families]
    by_split = split_tasks(tasks, config.test_fraction, config.seed)
    n_test = round(config.n * config.test_fraction)
    targets: dict[Split, int] = {"train": config.n - n_test, "test": n_test}
    report = ValidationReport()
    seen: set[tuple[str, str]] = set()
    pairs: list[CodePair] = []
    for split in ("train", "test"):
        if targets[split] == 0:
            continue
        stream = candidates(split, by_split[split], families, weights, templates, config.seed)
        pairs += accept_pairs(
            stream, targets[split], report, seen, cache_path=cache_path, progress=progress
        )
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
            template_shape=pair.template.shape, parts="+".join(pair.parts),
            structure=structure_hash(answer),
        ),
    )  # fmt: skip
