"""The types every sampler shares: parameters, results, the error, and the context-manager base."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from emgen.schemas.errors import BackendError

Chat = list[dict[str, str]]
"""OpenAI-style messages: [{"role": "system" | "user" | "assistant", "content": "..."}, ...]."""

Progress = Callable[[int], None]
"""Called with the number of chats just finished (a batch, or one chat)."""


# A sampler fails as any model backend does (the vLLM server in schemas/shared raises it too).
SamplerError = BackendError


@dataclass(frozen=True)
class SamplingParams:
    """How to sample. temperature 0 means greedy; `seed` makes a call reproducible."""

    temperature: float = 1.0
    top_p: float = 1.0
    max_new_tokens: int = 600
    seed: int = 0

    def __post_init__(self) -> None:
        if self.temperature < 0:
            raise SamplerError(f"temperature must not be negative, not {self.temperature}.")
        if not 0 < self.top_p <= 1:
            raise SamplerError(f"top_p must lie in (0, 1], not {self.top_p}.")
        if self.max_new_tokens < 1:
            raise SamplerError(f"max_new_tokens must be at least 1, not {self.max_new_tokens}.")
        if self.seed < 0:
            raise SamplerError(f"seed must not be negative, not {self.seed}.")


@dataclass(frozen=True)
class Generation:
    """One sampled answer: the text (no special tokens) and how many tokens it took (with EOS)."""

    text: str
    completion_tokens: int


@runtime_checkable
class Sampler(Protocol):
    """Generates one answer per chat, in the chats' order; repeat a chat for several samples.

    Use every sampler as a context manager (`with make_sampler(...) as s:`): those that hold a
    process (a vLLM server) start it on enter and stop it on exit; for the others it is a no-op.
    """

    name: str

    def generate(self, chats: Sequence[Chat], params: SamplingParams) -> list[Generation]: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class BaseSampler:
    """Context-manager plumbing for samplers that hold nothing outside this process."""

    name: str = "base"

    def close(self) -> None:
        """Release what the sampler holds; in-process samplers hold nothing to release."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def check_chats(chats: Sequence[Chat]) -> None:
    """Reject malformed chats before any work starts, naming the first bad one."""
    if isinstance(chats, str | dict):
        raise SamplerError("chats must be a list of chats, each a list of {role, content} dicts.")
    for index, chat in enumerate(chats):
        if not isinstance(chat, list) or not chat:
            raise SamplerError(f"chat {index} must be a non-empty list of messages.")
        for message in chat:
            if (
                not isinstance(message, dict)
                or not isinstance(message.get("role"), str)
                or not isinstance(message.get("content"), str)
            ):
                raise SamplerError(
                    f"chat {index} has a message without string 'role' and 'content' fields."
                )
