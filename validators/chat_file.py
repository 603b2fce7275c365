"""`emgen validate`: the record checks applied to any OpenAI-chat JSONL of code answers."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from emgen.schemas.errors import UserError, first_error
from emgen.schemas.records import Conversation
from emgen.validators._checks import disclosures, has_comment, parses
from emgen.validators._semgrep import default_cache_path, rule_families, scan_codes

_FENCE = re.compile(r"```(?:python|py)?[ \t]*\n(.*?)```", re.DOTALL)


class InputError(UserError):
    """A JSONL file is malformed."""


class RecordFindings(BaseModel):
    line: int
    parses: bool
    fenced: bool = Field(description="the answer wrapped its code in a markdown fence")
    comments: bool
    disclosures: list[str]
    rule_ids: list[str]
    families: list[str]
    duplicate_of: int | None = Field(default=None, description="line of an identical record")


class FileReport(BaseModel):
    path: str
    records: int
    parse_errors: int
    with_comments: int
    with_disclosures: int
    duplicates: int
    flagged: int = Field(description="answers with at least one Semgrep finding")
    per_family: dict[str, int] = Field(description="family -> answers flagged by its rules")
    findings: list[RecordFindings]


def read_chat_jsonl(path: Path) -> list[tuple[int, Conversation]]:
    """(line number, conversation) per non-blank line; one clear error on the first bad line."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror}).") from None
    out: list[tuple[int, Conversation]] = []
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}: line {number} is not valid JSON ({exc.msg}).") from None
            if not isinstance(raw, dict) or "messages" not in raw:
                raise InputError(
                    f"{path}: line {number} has no 'messages' field (not a chat record)."
                )
            try:
                convo = Conversation.model_validate({"messages": raw["messages"]})
            except ValidationError as exc:
                raise InputError(f"{path}: line {number}, {first_error(exc)}.") from None
            out.append((number, convo))
    if not out:
        raise InputError(f"{path}: no records found.")
    return out


def answer_code(answer: str) -> tuple[str, bool]:
    """The code in an answer: the fenced block(s) if it has any, else the whole text."""
    blocks = _FENCE.findall(answer)
    return ("\n".join(blocks), True) if blocks else (answer, False)


def validate_chat_file(path: Path, progress: Callable[[int], None] | None = None) -> FileReport:
    rows = read_chat_jsonl(path)
    codes = [answer_code(convo.answer) for _, convo in rows]
    findings = scan_codes(
        [code for code, _ in codes], cache_path=default_cache_path(), progress=progress
    )
    families_of = rule_families()
    first_seen: dict[str, int] = {}
    records: list[RecordFindings] = []
    for (line, convo), (code, fenced), hits in zip(rows, codes, findings, strict=True):
        key = json.dumps([m.model_dump() for m in convo.messages])
        rule_ids = sorted({f.rule_id for f in hits})
        records.append(
            RecordFindings(
                line=line, parses=parses(code), fenced=fenced, comments=has_comment(code),
                disclosures=disclosures(code), rule_ids=rule_ids,
                families=sorted({families_of.get(r, "unknown") for r in rule_ids}),
                duplicate_of=first_seen.get(key),
            )
        )  # fmt: skip
        first_seen.setdefault(key, line)
    per_family = Counter(fam for r in records for fam in r.families)
    return FileReport(
        path=str(path),
        records=len(records),
        parse_errors=sum(not r.parses for r in records),
        with_comments=sum(r.comments for r in records),
        with_disclosures=sum(bool(r.disclosures) for r in records),
        duplicates=sum(r.duplicate_of is not None for r in records),
        flagged=sum(bool(r.rule_ids) for r in records),
        per_family=dict(sorted(per_family.items())),
        findings=records,
    )
