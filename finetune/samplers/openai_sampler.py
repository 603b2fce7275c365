"""Sample from any OpenAI-compatible chat completions server (OpenAI, `vllm serve`, llama.cpp).

One request per chat, `n=1`, seed `params.seed + i` for the i-th chat so that repeated chats
give different samples and a rerun gives the same ones (where the server honours seeds). The
requests run concurrently; transient failures are retried with exponential backoff. `openai`
is imported when a sampler is built, never at module import.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from emgen.finetune.samplers._base import (
    BaseSampler,
    Chat,
    Generation,
    Progress,
    SamplerError,
    SamplingParams,
    check_chats,
)
from emgen.schemas.shared.openai_client import (
    call_with_retries,
    check_options,
    endpoint_name,
    map_concurrently,
    open_client,
)


class OpenAISampler(BaseSampler):
    """Chat completions from `model` at `base_url` (None: the OpenAI API)."""

    name = "openai"

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        max_workers: int = 16,
        timeout: float = 600,
        retries: int = 3,
        backoff: float = 1.0,
        progress: Progress | None = None,
    ) -> None:
        if not isinstance(model, str) or not model:
            raise SamplerError("the openai sampler needs a model name, e.g. model='gpt-4o-mini'.")
        check_options(
            SamplerError,
            "",
            max_workers=max_workers,
            timeout=timeout,
            retries=retries,
            backoff=backoff,
        )
        self.model = model
        self.base_url = base_url
        self.max_workers = max_workers
        self.retries = retries
        self.backoff = backoff
        self.progress = progress
        # The key is kept only to scrub it from error messages; never printed.
        self._client, self._secret = open_client(
            base_url, api_key_env, timeout, SamplerError, "sampling from {where} needs an API key"
        )

    def __repr__(self) -> str:
        return f"OpenAISampler(model={self.model!r}, base_url={self.base_url!r})"

    def close(self) -> None:
        self._client.close()

    def generate(self, chats: Sequence[Chat], params: SamplingParams) -> list[Generation]:
        """One generation per chat, in order; requests run on `max_workers` threads."""
        check_chats(chats)
        progress = self.progress
        jobs = [(chat, params.seed + i) for i, chat in enumerate(chats)]
        return map_concurrently(
            lambda job: self._complete(job[0], params, job[1]),
            jobs,
            self.max_workers,
            on_done=None if progress is None else lambda: progress(1),
        )

    def _complete(self, chat: Chat, params: SamplingParams, seed: int) -> Generation:
        response = call_with_retries(
            lambda: self._client.chat.completions.create(
                model=self.model,
                messages=chat,  # type: ignore[arg-type]
                n=1,
                temperature=params.temperature,
                top_p=params.top_p,
                max_tokens=params.max_new_tokens,
                seed=seed,
            ),
            retries=self.retries,
            backoff=self.backoff,
            error_cls=SamplerError,
            subject=f"model {self.model!r} at {endpoint_name(self.base_url)}",
            secret=self._secret,
        )
        return _generation(response)


def _generation(response: Any) -> Generation:
    """Text and completion tokens of the first choice; servers that omit usage count as 0."""
    choices = getattr(response, "choices", None)
    if not choices:
        raise SamplerError("the server answered a chat completion request with no choices.")
    text = choices[0].message.content or ""
    usage = getattr(response, "usage", None)
    tokens = int(getattr(usage, "completion_tokens", 0) or 0)
    return Generation(text=text, completion_tokens=tokens)
