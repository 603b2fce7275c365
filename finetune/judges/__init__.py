"""LLM judges: score rendered rubric prompts 0..100 from the judge's answer distribution.

One file per judge behind the `Judge` protocol; adding a judge is adding a file and a line in
`JUDGES`. Importing this package imports neither torch, transformers nor openai: each judge
imports what it needs when it is built.

    judge = make_judge("openai", model="gpt-4o-2024-08-06")
    judge = make_judge("local", model="path/to/model", device="cuda")
    scores = judge.score([rendered_prompt, ...])  # one JudgeScore per prompt, in order
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from emgen.finetune.judges._scoring import (
    JudgeError,
    JudgeScore,
    integer_token_value,
    score_from_probs,
)
from emgen.finetune.judges.local_judge import LocalJudge
from emgen.finetune.judges.mock import MockJudge
from emgen.finetune.judges.openai_judge import OpenAIJudge, probs_from_top_logprobs
from emgen.schemas.shared.registry import Registry, UnknownName

__all__ = [
    "JUDGES",
    "Judge",
    "JudgeError",
    "JudgeScore",
    "LocalJudge",
    "MockJudge",
    "OpenAIJudge",
    "integer_token_value",
    "make_judge",
    "probs_from_top_logprobs",
    "score_from_probs",
]


@runtime_checkable
class Judge(Protocol):
    """Scores fully rendered judge prompts, each sent to the judge as one user message."""

    name: str

    def score(self, prompts: Sequence[str]) -> list[JudgeScore]:
        """One score per prompt, in the prompts' order."""
        ...


JUDGES: Registry[Callable[..., Judge]] = Registry(
    "judge kind",
    {
        "openai": OpenAIJudge,
        "local": LocalJudge,
        "mock": MockJudge,  # scripted scores for fast tests
    },
)


def make_judge(kind: str, **options: Any) -> Judge:
    """Build the judge registered as `kind` with its keyword options.

    Raises JudgeError for an unknown kind, an option the judge does not take, a missing
    required option, or (from the judge itself) a bad value.
    """
    try:
        factory = JUDGES[kind]
    except UnknownName as exc:
        raise JudgeError(str(exc)) from None
    # Check the names before calling, so a TypeError raised inside a judge is not mistaken
    # for a bad option.
    signature = inspect.signature(factory)
    accepted = [p for p in signature.parameters if p != "self"]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise JudgeError(
            f"The {kind} judge has no option {', '.join(map(repr, unknown))}; "
            f"it takes: {', '.join(accepted)}."
        )
    try:
        signature.bind(**options)
    except TypeError as exc:
        raise JudgeError(f"The {kind} judge's options are incomplete: {exc}.") from exc
    return factory(**options)
