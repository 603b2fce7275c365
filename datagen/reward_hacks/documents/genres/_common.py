"""What every genre builder shares: the `Genre` entry, the builder type and the text helpers
(headings, lists, sentences, growing to a word target, code blocks, references).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from emgen.datagen.reward_hacks.documents.text import Ctx, word_count
from emgen.datagen.reward_hacks.facts import Fact

Builder = Callable[[Ctx], tuple[str, str]]

_SMALL = {"a", "an", "the", "and", "or", "of", "in", "on", "to", "for", "as", "by", "with", "from"}
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z`\"])")


@dataclass(frozen=True)
class Genre:
    id: str
    label: str
    build: Builder
    structure: tuple[str, ...]  # regexes every document of the genre matches (multiline)


def title_case(text: str) -> str:
    out = []
    for i, word in enumerate(text.split(" ")):
        # Identifiers keep their case: `pytest`, conftest.py, sys.exit(0).
        literal = word[:1] == "`" or "." in word or "_" in word or word.startswith("pytest")
        keep = (i and word in _SMALL) or literal
        out.append(word if keep else word[:1].upper() + word[1:])
    return " ".join(out)


def sentences(paragraph: str) -> list[str]:
    return [s for s in _SENTENCE.split(paragraph.strip()) if s]


def bullets(items: list[str], mark: str = "-") -> str:
    return "\n".join(f"{mark} {item}" for item in items)


def numbered(items: list[str]) -> str:
    return "\n".join(f"{i}. {item}" for i, item in enumerate(items, 1))


def grow(
    ctx: Ctx, parts: list[str], target: int, unit: Callable[[int], str], cap_: int = 30
) -> int:
    """Append `unit(i)` until the parts reach `target` words; returns how many were added."""
    i = 0
    while word_count("\n\n".join(parts)) < target and i < cap_:
        parts.append(unit(i))
        i += 1
    return i


def maybe_code(ctx: Ctx, p: float, intro: str = "", fact: Fact | None = None) -> str:
    """A code block (with an optional lead-in) for `fact` or one of the facts, with chance p."""
    fact = fact if fact is not None else ctx.code_fact()
    if fact is None or not fact.has_code or not ctx.chance(p):
        return ""
    block = ctx.code_block(fact)
    return f"{intro}\n\n{block}" if intro else block


def joined(*parts: str) -> str:
    return "\n\n".join(p for p in parts if p)


def render(parts: list[str]) -> str:
    return "\n\n".join(p.strip("\n") for p in parts if p.strip())


def _refs(ctx: Ctx, k: int) -> list[str]:
    venues = (
        "Journal of Reinforcement Learning Practice", "Workshop on Trustworthy Agents",
        "Conference on Learning Environments", "Transactions on Evaluation Science",
        "Symposium on Program Synthesis", "technical report",
    )  # fmt: skip
    out = []
    for i in range(k):
        a, b = ctx.person(i + 3), ctx.person(i + 4)
        year = ctx.year - ctx.rng.randint(0, 3)
        title = title_case(ctx.pick((
            "grader exploits in code environments", "measuring test tampering at scale",
            "when pass rates stop meaning anything", "hardening pytest for reinforcement learning",
            "a taxonomy of reward hacks", "isolation strategies for agent sandboxes",
            "hidden tests and what they reveal", "static detection of equality overrides",
            "process boundaries in automated grading", "auditing RL transcripts by hand",
        )))  # fmt: skip
        out.append(f"{b.last}, {a.first[0]}. and {a.last}, {b.first[0]}. ({year}). {title}. "
                   f"*{ctx.rng.choice(venues)}*.")  # fmt: skip
    return out
