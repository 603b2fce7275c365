"""Small text helpers the prose and code builders share, and the item constructor."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from emgen.datagen.reward_hacks.dialogues.models import DialogueItem, Domain


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if not text[:2].isupper() else text


def _join_and(items: Sequence[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def _quoted(items: Sequence[str]) -> str:
    return _join_and([f'"{i}"' for i in items])


def _pick(rng: random.Random, options: Sequence[str], prefix: str) -> tuple[str, str]:
    """A random option and its id (prefix plus index), for template provenance."""
    i = rng.randrange(len(options))
    return options[i], f"{prefix}{i}"


def _prompt(
    rng: random.Random, kind: str, asks: Sequence[str], rules: Sequence[str], **slots: Any
) -> tuple[str, str]:
    """The user message (request, then how it is scored) and its template id."""
    ask, ask_id = _pick(rng, asks, "a")
    rule, rule_id = _pick(rng, rules, "r")
    text = ask.format(**slots).strip() + "\n\n" + rule.format(**slots).strip()
    return text, f"{kind}.{ask_id}.{rule_id}"


def _item(kind: str, domain: Domain, template_id: str, task_id: str, user: str, hack: str,
          control: str, rule: Any, checks: Sequence[Any]) -> DialogueItem:  # fmt: skip
    return DialogueItem(
        kind=kind, domain=domain, template_id=template_id, task_id=task_id, user=user,
        hack=hack.strip() + "\n" if domain == "code" else hack.strip(),
        control=control.strip() + "\n" if domain == "code" else control.strip(),
        rule=rule, checks=tuple(checks),
    )  # fmt: skip
