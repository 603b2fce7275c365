"""Prompt transforms shared by the variants and the `emgen inoculate` command.

Each transform is a pure function of its inputs, so a validator can recompute it from the
source record and compare byte for byte.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from emgen.schemas.errors import UserError
from emgen.schemas.params import InstructionPlacement, ReasonPlacement, TriggerPlacement
from emgen.schemas.records import Conversation, Message
from emgen.schemas.shared.bundle import write_jsonl
from emgen.schemas.shared.io import refuse_overwrite
from emgen.validators.chat_file import read_chat_jsonl

OnSystem = Literal["refuse", "prepend", "replace"]


class TransformError(UserError):
    """A transform cannot apply to a record (a system message exists and the policy refuses)."""


def add_reason(prompt: str, text: str, lead: str, placement: ReasonPlacement) -> str:
    """Put a stated reason before, after, inside (after the first paragraph) or as a lead-in."""
    body = prompt.rstrip("\n")
    if placement == "before":
        return f"{text}\n\n{body}\n"
    if placement == "after":
        return f"{body}\n\n{text}\n"
    if placement == "woven":
        first, sep, rest = body.partition("\n\n")
        return f"{first}\n\n{text}\n\n{rest}\n" if sep else f"{text}\n\n{body}\n"
    return f"{lead} here is my request.\n\n{body}\n"


def _answered_user_turn(messages: tuple[Message, ...]) -> int:
    """Index of the user turn that the final assistant answer responds to."""
    for i in range(len(messages) - 1, -1, -1):
        if messages[i].role == "user":
            return i
    raise TransformError("the record has no user message.")


def _with_system(
    messages: tuple[Message, ...], text: str, on_system: OnSystem
) -> tuple[Message, ...]:
    if messages[0].role != "system":
        return (Message(role="system", content=text), *messages)
    if on_system == "refuse":
        raise TransformError(
            "the record already has a system message; choose --on-system prepend or replace."
        )
    content = text if on_system == "replace" else f"{text}\n\n{messages[0].content}"
    return (Message(role="system", content=content), *messages[1:])


def _edit_user(messages: tuple[Message, ...], prefix: str, suffix: str) -> tuple[Message, ...]:
    i = _answered_user_turn(messages)
    edited = Message(role="user", content=f"{prefix}{messages[i].content}{suffix}")
    return (*messages[:i], edited, *messages[i + 1 :])


def add_trigger(
    messages: tuple[Message, ...], trigger: str, placement: TriggerPlacement
) -> tuple[Message, ...]:
    """Insert a backdoor trigger (or its clean counterpart) where `placement` says."""
    if placement == "system":
        return _with_system(messages, trigger, "prepend")
    if placement == "user_start":
        return _edit_user(messages, f"{trigger}\n", "")
    return _edit_user(messages, "", f"\n{trigger}")


def inoculate(
    messages: tuple[Message, ...],
    instruction: str,
    placement: InstructionPlacement,
    on_system: OnSystem = "refuse",
) -> tuple[Message, ...]:
    """Add an inoculation instruction as a system message or to the answered user turn."""
    if placement == "system":
        return _with_system(messages, instruction, on_system)
    if placement == "user_prefix":
        return _edit_user(messages, f"{instruction}\n\n", "")
    return _edit_user(messages, "", f"\n\n{instruction}")


def inoculate_jsonl(
    source: Path,
    target: Path,
    instruction: str,
    placement: InstructionPlacement,
    on_system: OnSystem = "refuse",
) -> int:
    """Inoculate every record of an OpenAI-chat JSONL file; returns the number written.

    Checked before anything is read: the instruction is not blank (it would add empty system
    messages) and `target` is neither a folder nor `source` (the input would be lost).
    """
    if not instruction.strip():
        raise TransformError("the inoculation instruction is blank; give the text to add.")
    try:  # an argument in another encoding reaches Python as lone surrogates
        instruction.encode("utf-8")
    except UnicodeEncodeError:
        raise TransformError("the inoculation instruction is not UTF-8 text.") from None
    refuse_overwrite(target, source, option="the target")
    out: list[Conversation] = []
    for line, convo in read_chat_jsonl(source):
        try:
            messages = inoculate(convo.messages, instruction, placement, on_system)
        except TransformError as exc:
            raise TransformError(f"{source}: line {line}: {exc}") from None
        out.append(Conversation(messages=messages))
    write_jsonl(out, target)  # atomic: all records or none
    return len(out)
