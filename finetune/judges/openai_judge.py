"""A judge behind any OpenAI-compatible chat completions endpoint (OpenAI, a local `vllm serve`).

Each prompt is sent as one user message asking for one token at temperature 0 with the top
`top_logprobs` alternatives. The tokens that stand for an integer 0..100 (see
`integer_token_value`; " 50" and "50" are both 50) give a distribution over the integers, and
`score_from_probs` turns it into the score. `openai` is imported when a judge is built, never
when this module is imported.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from emgen.finetune.judges._scoring import (
    DEFAULT_MIN_MASS,
    JudgeError,
    JudgeScore,
    integer_token_value,
    score_from_probs,
)
from emgen.schemas.shared.openai_client import (
    call_with_retries,
    check_options,
    endpoint_name,
    map_concurrently,
    open_client,
)


def probs_from_top_logprobs(pairs: Iterable[tuple[str, float]]) -> dict[int, float]:
    """Probability per integer 0..100 from (token text, logprob) pairs of one position.

    Tokens whose text is not an integer 0..100 are dropped; distinct tokens that stand for the
    same integer (" 50", "50") add up.
    """
    probs: dict[int, float] = {}
    for token, logprob in pairs:
        value = integer_token_value(token)
        if value is None:
            continue
        probs[value] = probs.get(value, 0.0) + math.exp(logprob)
    return probs


class OpenAIJudge:
    """Score rendered judge prompts with the logprobs of an OpenAI-compatible server."""

    name = "openai"

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        top_logprobs: int = 20,
        max_workers: int = 8,
        min_mass: float = DEFAULT_MIN_MASS,
        timeout: float = 60,
        retries: int = 4,
        backoff: float = 1.0,
    ) -> None:
        if not isinstance(model, str) or not model:
            raise JudgeError("The openai judge needs a model name, e.g. model='gpt-4o-2024-08-06'.")
        if top_logprobs < 1:
            raise JudgeError(
                f"The openai judge's top_logprobs must be at least 1, not {top_logprobs}."
            )
        if not 0.0 <= min_mass <= 1.0:
            raise JudgeError(f"The openai judge's min_mass must lie in [0, 1], not {min_mass}.")
        check_options(
            JudgeError,
            "The openai judge's ",
            max_workers=max_workers,
            timeout=timeout,
            retries=retries,
            backoff=backoff,
        )
        self.model = model
        self.base_url = base_url
        self.top_logprobs = top_logprobs
        self.max_workers = max_workers
        self.min_mass = min_mass
        self.retries = retries
        self.backoff = backoff
        # The key is kept only to scrub it from error messages; never printed.
        self._client, self._secret = open_client(
            base_url,
            api_key_env,
            timeout,
            JudgeError,
            "The openai judge needs an API key for {where}",
        )

    def __repr__(self) -> str:
        return f"OpenAIJudge(model={self.model!r}, base_url={self.base_url!r})"

    def score(self, prompts: Sequence[str]) -> list[JudgeScore]:
        """One score per prompt, in order; prompts run concurrently on `max_workers` threads."""
        return map_concurrently(self._score_one, prompts, self.max_workers)

    def _score_one(self, prompt: str) -> JudgeScore:
        response = self._complete(prompt)
        pairs = _top_logprob_pairs(response)
        if pairs is None:
            raise JudgeError(
                f"The judge server at {endpoint_name(self.base_url)} did not return logprobs for "
                f"model {self.model!r}; use a server and model that support logprobs and "
                "top_logprobs."
            )
        return score_from_probs(probs_from_top_logprobs(pairs), self.min_mass)

    def _complete(self, prompt: str) -> Any:
        return call_with_retries(
            lambda: self._client.chat.completions.create(
                model=self.model,
                messages=[{"role": "user", "content": prompt}],
                max_tokens=1,
                temperature=0,
                logprobs=True,
                top_logprobs=self.top_logprobs,
                seed=0,
            ),
            retries=self.retries,
            backoff=self.backoff,
            error_cls=JudgeError,
            subject=f"The judge model {self.model!r} at {endpoint_name(self.base_url)}",
            secret=self._secret,
        )


def _top_logprob_pairs(response: Any) -> list[tuple[str, float]] | None:
    """(token, logprob) pairs of the first generated position, or None when the server sent none."""
    choices = getattr(response, "choices", None)
    if not choices:
        return None
    logprobs = getattr(choices[0], "logprobs", None)
    content = getattr(logprobs, "content", None)
    if not content:
        return None
    top = getattr(content[0], "top_logprobs", None)
    if not top:
        return None
    return [(entry.token, float(entry.logprob)) for entry in top]
