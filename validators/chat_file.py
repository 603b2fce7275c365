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
from emgen.validators.checks import disclosures, has_comment, parses
from emgen.validators.scanner import NotScanned, default_cache_path, rule_families, scan_codes
from emgen.validators.shapes import ShapeTally

# Looser than hack_checks._FENCE on purpose: a chat answer's code may sit in an untagged fence.
FENCE = re.compile(r"```(?:python|py)?[ \t]*\n(.*?)```", re.DOTALL)


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
    not_scanned: str | None = Field(
        default=None,
        description="why Semgrep could not scan the answer: its findings are unknown, not none",
    )


class FileReport(BaseModel):
    path: str
    records: int
    parse_errors: int
    with_comments: int
    with_disclosures: int
    duplicates: int
    flagged: int = Field(description="answers with at least one Semgrep finding")
    not_scanned: int = Field(description="answers Semgrep could not scan (findings unknown)")
    per_family: dict[str, int] = Field(description="family -> answers flagged by its rules")
    flagged_shapes: int = Field(
        description="distinct shapes (names and constants erased) of the function or "
        "module-level statement holding each finding, over the flagged answers"
    )
    top_flagged_shape_share: float = Field(
        description="share of the flagged answers that hold the most common of those shapes"
    )
    findings: list[RecordFindings]


def read_chat_jsonl(path: Path) -> list[tuple[int, Conversation]]:
    """(line number, conversation) per non-blank line; one clear error on the first bad line.

    Read as bytes and decoded line by line, so binary or non-UTF-8 input is named by its line.
    """
    if path.is_dir():
        raise InputError(f"{path} is a folder; give the path of a JSONL file.")
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc}).") from None
    out: list[tuple[int, Conversation]] = []
    with handle:
        try:
            for number, raw_line in enumerate(handle, start=1):
                if not raw_line.strip():
                    continue
                out.append((number, _chat_line(path, number, raw_line)))
        except OSError as exc:  # e.g. EIO, or a special file that cannot be read
            raise InputError(f"{path}: cannot read ({exc.strerror or exc}).") from None
    if not out:
        raise InputError(f"{path}: no records found.")
    return out


def _chat_line(path: Path, number: int, raw_line: bytes) -> Conversation:
    try:  # a byte-order mark may open the file
        line = raw_line.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: line {number} is not UTF-8 text (byte {raw_line[exc.start]:#04x} at column "
            f"{exc.start + 1}); is it a JSONL file?"
        ) from None
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: line {number} is not valid JSON ({exc.msg}).") from None
    except (ValueError, RecursionError) as exc:  # a 5000-digit number, or nesting too deep
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise InputError(f"{path}: line {number} is not usable JSON ({reason}).") from None
    if not isinstance(raw, dict) or "messages" not in raw:
        raise InputError(f"{path}: line {number} has no 'messages' field (not a chat record).")
    try:
        convo = Conversation.model_validate({"messages": raw["messages"]})
    except ValidationError as exc:
        raise InputError(f"{path}: line {number}, {first_error(exc)}.") from None
    for i, message in enumerate(convo.messages):
        try:  # a lone \ud800 escape parses, then fails whoever writes or scans the text
            message.content.encode("utf-8")
        except UnicodeEncodeError:
            raise InputError(
                f"{path}: line {number}, field 'messages.{i}.content' holds an unpaired "
                "surrogate escape (such as \\ud800), which is not text."
            ) from None
    return convo


def answer_code(answer: str) -> tuple[str, bool]:
    """The code in an answer: the fenced block(s) if it has any, else the whole text."""
    blocks = FENCE.findall(answer)
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
    shapes = ShapeTally()
    for (line, convo), (code, fenced), hits in zip(rows, codes, findings, strict=True):
        key = json.dumps([m.model_dump() for m in convo.messages])
        unknown = hits.reason if isinstance(hits, NotScanned) else None
        rule_ids = [] if isinstance(hits, NotScanned) else sorted({f.rule_id for f in hits})
        records.append(
            RecordFindings(
                line=line, parses=parses(code), fenced=fenced, comments=has_comment(code),
                disclosures=disclosures(code), rule_ids=rule_ids,
                families=sorted({families_of.get(r, "unknown") for r in rule_ids}),
                duplicate_of=first_seen.get(key), not_scanned=unknown,
            )
        )  # fmt: skip
        first_seen.setdefault(key, line)
        if not isinstance(hits, NotScanned) and hits:  # next to `parses`: one parse for both
            shapes.add(code, [f.line for f in hits])
    per_family = Counter(fam for r in records for fam in r.families)
    shape_totals = shapes.counts()
    return FileReport(
        path=str(path),
        records=len(records),
        parse_errors=sum(not r.parses for r in records),
        with_comments=sum(r.comments for r in records),
        with_disclosures=sum(bool(r.disclosures) for r in records),
        duplicates=sum(r.duplicate_of is not None for r in records),
        flagged=sum(bool(r.rule_ids) for r in records),
        not_scanned=sum(r.not_scanned is not None for r in records),
        per_family=dict(sorted(per_family.items())),
        flagged_shapes=shape_totals.distinct,
        top_flagged_shape_share=shape_totals.top_share,
        findings=records,
    )
