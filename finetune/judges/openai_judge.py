"""A judge behind any OpenAI-compatible chat completions endpoint (OpenAI, a local `vllm serve`).

Each prompt is sent as one user message asking for one token at temperature 0 with the top
`top_logprobs` alternatives. The tokens that stand for an integer 0..100 (see
`integer_token_value`; " 50" and "50" are both 50) give a distribution over the integers, and
`score_from_probs` turns it into the score. `openai` is imported when a judge is built, never
when this module is imported.
"""

from __future__ import annotations

import ipaddress
import math
import os
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from emgen.finetune.judges._scoring import (
    DEFAULT_MIN_MASS,
    JudgeError,
    JudgeScore,
    integer_token_value,
    score_from_probs,
)

# A local server (vLLM, llama.cpp) ignores the key but the client insists on one.
LOCAL_PLACEHOLDER_KEY = "EMPTY"


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


def is_loopback_url(base_url: str | None) -> bool:
    """True when `base_url` points at this machine (localhost, 127.0.0.0/8, ::1, 0.0.0.0)."""
    if not base_url:
        return False
    host = urlsplit(base_url).hostname
    if host is None:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    # Connecting to 0.0.0.0 reaches this machine; `vllm serve --host 0.0.0.0` users type it.
    return address.is_loopback or address.is_unspecified


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
        if max_workers < 1:
            raise JudgeError(
                f"The openai judge's max_workers must be at least 1, not {max_workers}."
            )
        if not 0.0 <= min_mass <= 1.0:
            raise JudgeError(f"The openai judge's min_mass must lie in [0, 1], not {min_mass}.")
        if timeout <= 0:
            raise JudgeError(f"The openai judge's timeout must be positive, not {timeout}.")
        if retries < 0 or backoff < 0:
            raise JudgeError("The openai judge's retries and backoff must not be negative.")
        self.model = model
        self.base_url = base_url
        self.top_logprobs = top_logprobs
        self.max_workers = max_workers
        self.min_mass = min_mass
        self.retries = retries
        self.backoff = backoff

        api_key = os.environ.get(api_key_env)
        if not api_key:
            if not is_loopback_url(base_url):
                where = base_url or "the OpenAI API"
                raise JudgeError(
                    f"The openai judge needs an API key for {where}: set the environment "
                    f"variable {api_key_env}."
                )
            api_key = LOCAL_PLACEHOLDER_KEY
        # Kept only to scrub it from error messages; never printed.
        self._secret = api_key

        import openai

        # Our own retry loop decides what is transient; the client's would double it.
        self._client = openai.OpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0
        )

    def __repr__(self) -> str:
        return f"OpenAIJudge(model={self.model!r}, base_url={self.base_url!r})"

    def score(self, prompts: Sequence[str]) -> list[JudgeScore]:
        """One score per prompt, in order; prompts run concurrently on `max_workers` threads."""
        if not prompts:
            return []
        workers = min(self.max_workers, len(prompts))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures: list[Future[JudgeScore]] = [pool.submit(self._score_one, p) for p in prompts]
            try:
                return [future.result() for future in futures]
            except BaseException:
                # Don't keep paying for requests whose batch has already failed.
                for future in futures:
                    future.cancel()
                raise

    def _score_one(self, prompt: str) -> JudgeScore:
        response = self._complete(prompt)
        pairs = _top_logprob_pairs(response)
        if pairs is None:
            raise JudgeError(
                f"The judge server at {self._where()} did not return logprobs for model "
                f"{self.model!r}; use a server and model that support logprobs and top_logprobs."
            )
        return score_from_probs(probs_from_top_logprobs(pairs), self.min_mass)

    def _complete(self, prompt: str) -> Any:
        import openai

        transient = (
            openai.APIConnectionError,  # includes APITimeoutError
            openai.RateLimitError,
            openai.InternalServerError,
        )
        attempt = 0
        while True:
            try:
                return self._client.chat.completions.create(
                    model=self.model,
                    messages=[{"role": "user", "content": prompt}],
                    max_tokens=1,
                    temperature=0,
                    logprobs=True,
                    top_logprobs=self.top_logprobs,
                    seed=0,
                )
            except transient as exc:
                if attempt >= self.retries:
                    raise JudgeError(
                        f"The judge model {self.model!r} at {self._where()} kept failing after "
                        f"{attempt + 1} attempts: {self._describe(exc)}."
                    ) from exc
                time.sleep(self.backoff * 2**attempt)
                attempt += 1
            except openai.OpenAIError as exc:
                raise JudgeError(
                    f"The judge model {self.model!r} at {self._where()} failed: "
                    f"{self._describe(exc)}."
                ) from exc

    def _where(self) -> str:
        return self.base_url or "the OpenAI API"

    def _describe(self, exc: BaseException) -> str:
        text = " ".join(str(exc).split()) or "no message"
        if self._secret and self._secret != LOCAL_PLACEHOLDER_KEY:
            text = text.replace(self._secret, "***")
        if len(text) > 300:
            text = text[:300] + "..."
        return f"{type(exc).__name__}: {text}"


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
