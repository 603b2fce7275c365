"""Text-generation backends ("samplers"): one answer per chat, behind one small interface.

One file per backend behind the `Sampler` protocol; adding one is adding a file and a line in
`SAMPLERS`. Importing this package imports neither torch, transformers nor openai: each sampler
imports what it needs when it is built.

    with make_sampler(default_backend(), "tiny") as sampler:
        generations = sampler.generate(chats, SamplingParams(temperature=1.0, seed=0))

- "transformers": `model.generate` in this process (any device; the fallback).
- "vllm": a `vllm serve` subprocess from vLLM's own environment, started on enter.
- "openai": any OpenAI-compatible server (`base_url=...`), OpenAI itself by default.
- "mock": scripted answers, no model, for fast tests of evaluate, check and results (never the
  default).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from emgen.finetune.samplers._base import (
    BaseSampler,
    Chat,
    Generation,
    Progress,
    Sampler,
    SamplerError,
    SamplingParams,
)
from emgen.finetune.samplers.mock import MockSampler
from emgen.finetune.samplers.openai_sampler import OpenAISampler
from emgen.finetune.samplers.transformers_sampler import TransformersSampler
from emgen.finetune.samplers.vllm_sampler import VLLMSampler, find_vllm_python
from emgen.schemas.shared.registry import Registry, UnknownName

__all__ = [
    "SAMPLERS",
    "BaseSampler",
    "Chat",
    "Generation",
    "MockSampler",
    "OpenAISampler",
    "Progress",
    "Sampler",
    "SamplerError",
    "SamplingParams",
    "TransformersSampler",
    "VLLMSampler",
    "default_backend",
    "find_vllm_python",
    "make_sampler",
]

SAMPLERS: Registry[Callable[..., Sampler]] = Registry(
    "sampler backend",
    {
        "transformers": TransformersSampler,
        "vllm": VLLMSampler,
        "openai": OpenAISampler,
        "mock": MockSampler,
    },
)


def default_backend() -> str:
    """The backend when none is named: vllm if find_vllm_python finds one, else transformers."""
    return "vllm" if find_vllm_python() is not None else "transformers"


def make_sampler(backend: str, model: str, **options: Any) -> Sampler:
    """Build the sampler registered as `backend` for `model` with its keyword options.

    Raises SamplerError for an unknown backend or an option the backend does not take; the
    sampler itself raises it (or ModelError) for a bad value or a model it cannot find.
    """
    try:
        factory = SAMPLERS[backend]
    except UnknownName as exc:
        raise SamplerError(str(exc)) from None
    # Checked before the call, so a TypeError raised inside a sampler is not taken for a bad
    # option.
    signature = inspect.signature(factory)
    accepted = [name for name in signature.parameters if name not in ("self", "model")]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise SamplerError(
            f"the {backend} sampler has no option {', '.join(map(repr, unknown))}; "
            f"it takes: {', '.join(accepted)}."
        )
    return factory(model=model, **options)
