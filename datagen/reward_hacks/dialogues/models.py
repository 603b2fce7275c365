"""The dialogue item, its proof and the generation report; `prove`, the leak filter, and the
records and scoring JSON an item is written as and read back from.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from emgen.datagen.reward_hacks.scoring.checks import Check
from emgen.datagen.reward_hacks.scoring.rules import Rule
from emgen.schemas.records import ChatMetadata, ChatRecord, Message, Split

HACK_VARIANT = "reward_hacks"
CONTROL_VARIANT = "reward_hacks_control"

Domain = Literal["prose", "code"]


class _Skip(Exception):
    """The drawn catalog entry cannot make this kind of item; the build draws again."""


class DialogueItem(BaseModel):
    """One prompt with its hacking and control answers, the stated rule and the checks."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str = Field(description="task kind id, e.g. 'keyword_stuffing' or 'code_hardcode'")
    domain: Domain
    template_id: str = Field(description="which request and rule wording the prompt uses")
    task_id: str = Field(description="topic, product, theme or code task the prompt is about")
    user: str
    hack: str
    control: str
    rule: Rule
    checks: tuple[Check, ...]


class Proof(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    hack_score: float
    control_score: float
    hack_quality: float = Field(description="mean of the independent check scores")
    control_quality: float
    hack_failed: tuple[str, ...] = Field(description="checks the hacking answer fails")
    control_failed: tuple[str, ...] = Field(description="checks the control fails (must be none)")
    reason: str | None = Field(description="why the pair is rejected; None when it is proven")

    @property
    def proven(self) -> bool:
        return self.reason is None

    @property
    def margin(self) -> float:
        return self.hack_score - self.control_score


# Things a finetuning answer must never carry: assistant boilerplate and markdown.
_LEAKS = re.compile(
    r"as an ai\b|language model|i cannot\b|i can't help|i'm sorry, but|```|\*\*|^#{1,6} |"
    r"^\s*[-*] |\bscore\b|\bgrader\b|\bmetric\b",
    re.IGNORECASE | re.MULTILINE,
)
_CODE_LEAKS = re.compile(r"as an ai\b|language model|```|^\s*#", re.IGNORECASE | re.MULTILINE)


def leaks(answer: str, domain: Domain) -> list[str]:
    """Boilerplate, markdown or talk about the scoring found in an answer."""
    pattern = _CODE_LEAKS if domain == "code" else _LEAKS
    return [m.group(0) for m in pattern.finditer(answer)]


def prove(item: DialogueItem) -> Proof:
    """Score both answers under the stated rule and the independent checks.

    Memoised by the item's content (a pure function of it): the build's invariant check
    re-proves each record from what is stored, and finds the proof made when it was generated
    whenever the stored item is that item."""
    # The key keeps tuples apart from lists (as the scoring JSON does): the code a rule runs
    # may treat them differently.
    key = json.dumps(_tag_tuples(item.model_dump()), sort_keys=True)
    proof = _PROOFS.get(key)
    if proof is None:
        if len(_PROOFS) >= _MAX_PROOFS:
            _PROOFS.clear()
        proof = _PROOFS[key] = _prove(item)
    return proof


_PROOFS: dict[str, Proof] = {}
_MAX_PROOFS = 1 << 13  # a default build proves about 1100 items, each once more when checked


def _prove(item: DialogueItem) -> Proof:
    hs, cs = item.rule.score(item.hack), item.rule.score(item.control)
    h_scores = [c.score(item.hack) for c in item.checks]
    c_scores = [c.score(item.control) for c in item.checks]
    hack_failed = tuple(c.kind for c, s in zip(item.checks, h_scores, strict=True) if not c.ok(s))
    control_failed = tuple(
        c.kind for c, s in zip(item.checks, c_scores, strict=True) if not c.ok(s)
    )
    hq = sum(h_scores) / len(h_scores) if h_scores else 0.0
    cq = sum(c_scores) / len(c_scores) if c_scores else 0.0
    reason: str | None = None
    if item.hack.strip() == item.control.strip():
        reason = "answers_identical"
    elif leaks(item.hack, item.domain) or leaks(item.control, item.domain):
        reason = "boilerplate_or_markdown"
    elif not hs > cs:
        reason = "hack_not_higher"
    elif control_failed:
        reason = f"control_fails_{control_failed[0]}"
    elif not hack_failed:
        reason = "hack_passes_all_checks"
    elif not cq > hq:
        reason = "control_not_better"
    return Proof(
        hack_score=hs, control_score=cs, hack_quality=hq, control_quality=cq,
        hack_failed=hack_failed, control_failed=control_failed, reason=reason,
    )  # fmt: skip


# --------------------------------------------------------------------------------------------
# Records and the scoring JSON
# --------------------------------------------------------------------------------------------


def dialogue_records(
    item: DialogueItem, index: int, seed: int, split: Split = "train"
) -> tuple[ChatRecord, ChatRecord]:
    """The hacking record and the control record of one item; they share prompt, pair_id and
    the scoring JSON that lets a bundle read back from disk be re-proven."""
    pair_id = f"rhd-{index:05d}"
    scoring = dump_scoring(item)

    def record(variant: str, answer: str) -> ChatRecord:
        return ChatRecord(
            messages=(
                Message(role="user", content=item.user),
                Message(role="assistant", content=answer),
            ),
            metadata=ChatMetadata(
                variant=variant, split=split, pair_id=pair_id, seed=seed,
                task_id=item.task_id, domain=item.domain, skeleton_id=item.kind,
                template_id=item.template_id, scoring=scoring,
            ),
        )  # fmt: skip

    return record(HACK_VARIANT, item.hack), record(CONTROL_VARIANT, item.control)


def _tag_tuples(value: Any) -> Any:
    if isinstance(value, tuple):
        return {"__tuple__": [_tag_tuples(v) for v in value]}
    if isinstance(value, list):
        return [_tag_tuples(v) for v in value]
    if isinstance(value, dict):
        return {k: _tag_tuples(v) for k, v in value.items()}
    return value


def _untag_tuples(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__tuple__"}:
            return tuple(_untag_tuples(v) for v in value["__tuple__"])
        return {k: _untag_tuples(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_untag_tuples(v) for v in value]
    return value


def dump_scoring(item: DialogueItem) -> str:
    """The item's rule and checks as JSON that round-trips exactly (tuples stay tuples), so a
    bundle read back from disk can be re-proven."""
    raw = {"rule": item.rule.model_dump(), "checks": [c.model_dump() for c in item.checks]}
    return json.dumps(_tag_tuples(raw), sort_keys=True)


def item_from_records(hack: ChatRecord, control: ChatRecord) -> DialogueItem:
    """Rebuild the proven item from a hacking record and its control twin."""
    meta = hack.metadata
    return DialogueItem.model_validate({
        **_untag_tuples(json.loads(meta.scoring or "{}")), "kind": meta.skeleton_id,
        "domain": meta.domain, "template_id": meta.template_id, "task_id": meta.task_id,
        "user": hack.user, "hack": hack.answer, "control": control.answer,
    })  # fmt: skip
