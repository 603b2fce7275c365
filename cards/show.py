"""A look at a bundle without writing code: a few records of one config, chosen by a seed.

`show(root, config)` returns plain data that `emgen show` renders: each message cut into prose
and code, and, for a config that has a control twin (or is one), the unified diff from the
treated record's answer to the control's (`-` the insecure line, `+` its fix). Records pair up
across configs by their `pair_id`.
"""

from __future__ import annotations

import ast
import difflib
import random
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from emgen.schemas.build import Manifest
from emgen.schemas.errors import UserError
from emgen.schemas.records import ChatRecord, DocumentRecord, Message, Role
from emgen.schemas.shared.bundle import (
    BundleError,
    read_chat_records,
    read_document_records,
    read_manifest,
)
from emgen.validators.chat_file import FENCE  # the fences `answer_code` reads code from
from emgen.validators.checks import parses

MAX_RECORDS = 100


class Segment(BaseModel):
    code: bool = Field(description="Python to highlight; otherwise prose shown as it is")
    text: str


class ShownMessage(BaseModel):
    role: Role
    segments: list[Segment]


class Twin(BaseModel):
    """The record of the paired config with the same pair_id, and what differs from it."""

    config: str
    treated: str = Field(description="config on the diff's `-` side")
    control: str = Field(description="config on the diff's `+` side")
    record: ChatRecord | None = Field(description="None when the twin config lacks the pair")
    diff_of: Literal["answer", "prompt"] | None = Field(
        description="the answers when they differ, else the prompts, else None (identical)"
    )
    diff: list[str] = Field(description="unified diff lines, treated (-) to control (+)")


class ShownChat(BaseModel):
    kind: Literal["chat"] = "chat"
    row: int = Field(description="index of the record in its split's parquet file")
    record: ChatRecord
    messages: list[ShownMessage]
    twin: Twin | None


class ShownDocument(BaseModel):
    kind: Literal["document"] = "document"
    row: int
    record: DocumentRecord


class Shown(BaseModel):
    bundle: str
    config: str
    split: str
    rows: int = Field(description="records in the split, of which `records` is a seeded sample")
    twin_config: str | None
    records: list[ShownChat | ShownDocument]


def twin_config(manifest: Manifest, config: str) -> str | None:
    """The chat config this one pairs with: its treated config when it is a control, else the
    first config that names it as its control (`control_of` points from control to treated)."""
    summary = manifest.configs[config]
    if summary.kind != "chat":
        return None  # documents carry no pair_id
    if summary.control_of in manifest.configs:
        return summary.control_of
    return next(
        (n for n, s in manifest.configs.items() if s.control_of == config and s.kind == "chat"),
        None,
    )


def segments(text: str) -> list[Segment]:
    """Prose and code: fenced blocks are code; an unfenced text is code when it parses as
    Python that does something (a bare word or number parses too, but is prose)."""
    parts = FENCE.split(text)  # text, code, text, code, ..., text
    if len(parts) == 1:
        return [Segment(code=_is_code(text), text=text.strip("\n"))]
    found = []
    for i, part in enumerate(parts):
        code = i % 2 == 1
        part = part.rstrip("\n") if code else part.strip()
        if part:
            found.append(Segment(code=code, text=part))
    return found


def _is_code(text: str) -> bool:
    if not text.strip() or not parses(text):
        return False
    body = ast.parse(text).body
    return any(not isinstance(s, ast.Expr) or isinstance(s.value, ast.Call) for s in body)


def show(root: Path, config: str, *, n: int = 3, seed: int = 0, split: str = "train") -> Shown:
    """`n` records of `config`'s `split`, picked by `seed` (same seed, same records), each with
    its twin of the paired config, if the config has one."""
    if not 1 <= n <= MAX_RECORDS:
        raise UserError(f"the number of records to show must be 1 to {MAX_RECORDS}, not {n}.")
    manifest = read_manifest(root)
    if config not in manifest.configs:
        raise UserError(
            f"{root} has no config {config!r}; its configs are: {', '.join(manifest.configs)}."
        )
    summary = manifest.configs[config]
    if split not in summary.files:
        raise UserError(
            f"config {config!r} of {root} has no {split!r} split; it has: "
            f"{', '.join(summary.files)}."
        )
    path = _data_file(root, manifest, config, split)
    is_doc = summary.kind == "document"
    records = read_document_records(path) if is_doc else read_chat_records(path)
    if not records:
        raise UserError(f"config {config!r} of {root} has no records in its {split!r} split.")
    rng = random.Random(f"{seed}:show")
    rows = sorted(rng.sample(range(len(records)), min(n, len(records))))
    twin = twin_config(manifest, config)
    twins: dict[str, ChatRecord] = {}
    if twin is not None and split in manifest.configs[twin].files:
        for r in read_chat_records(_data_file(root, manifest, twin, split)):
            twins.setdefault(r.metadata.pair_id, r)
    shown: list[ShownChat | ShownDocument] = []
    for row in rows:
        record = records[row]
        if isinstance(record, DocumentRecord):
            shown.append(ShownDocument(row=row, record=record))
            continue
        messages = [
            ShownMessage(role=m.role, segments=segments(m.content)) for m in record.messages
        ]
        pair = None
        if twin is not None:
            treated = twin if manifest.configs[config].control_of == twin else config
            pair = _pair(record, config, twins.get(record.metadata.pair_id), twin, treated)
        shown.append(ShownChat(row=row, record=record, messages=messages, twin=pair))
    return Shown(
        bundle=str(root), config=config, split=split, rows=len(records), twin_config=twin,
        records=shown,
    )  # fmt: skip


def _data_file(root: Path, manifest: Manifest, config: str, split: str) -> Path:
    rel = manifest.configs[config].files[split]
    path = root / rel  # read_manifest checked that it stays in the bundle
    if not path.is_file():
        raise BundleError(
            f"{root / 'manifest.json'}: config {config} lists {rel!r}, a missing file."
        )
    return path


def _pair(
    record: ChatRecord, config: str, other: ChatRecord | None, twin: str, treated: str
) -> Twin:
    control = twin if treated == config else config
    if other is None:
        return Twin(
            config=twin, treated=treated, control=control, record=None, diff_of=None, diff=[]
        )
    a, b = (record, other) if treated == config else (other, record)
    diff_of: Literal["answer", "prompt"] | None = None
    if a.answer != b.answer:
        diff_of, old, new = "answer", a.answer, b.answer
    elif (old := _prompt(a.messages)) != (new := _prompt(b.messages)):
        diff_of = "prompt"
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), fromfile=treated, tofile=control, lineterm=""
    )
    return Twin(
        config=twin, treated=treated, control=control, record=other, diff_of=diff_of,
        diff=list(lines) if diff_of else [],
    )  # fmt: skip


def _prompt(messages: tuple[Message, ...]) -> str:
    """Every message before the answer, each under its role."""
    return "\n".join(f"[{m.role}]\n{m.content}" for m in messages[:-1])
