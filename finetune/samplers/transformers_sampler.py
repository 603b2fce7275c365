"""Sample in this process with transformers' `model.generate`: no server, any device.

Prompts go through the tokenizer's chat template with the generation prompt, left-padded into
batches. torch and transformers are imported when a sampler is built, never at module import.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from emgen.finetune.models import load_model, load_tokenizer, resolve_model, sampling_dtype
from emgen.finetune.samplers._base import (
    BaseSampler,
    Chat,
    Generation,
    Progress,
    SamplerError,
    SamplingParams,
    check_chats,
)

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase


# Answers per `generate` call when none is given. On a CPU the work grows with the batch; on a GPU
# a small model's step is bound by kernel launches, so fewer, larger batches finish sooner: on an
# H200, 128 answers of 200 tokens from a SmolLM2-shaped model took 35.9 s in batches of 16 and
# 16.0 s in batches of 64 (a 7B model's cache for 64 answers of 800 tokens is about 3 GB).
CPU_BATCH = 16
GPU_BATCH = 64


class TransformersSampler(BaseSampler):
    """Batched `model.generate` on `device` (cuda when available, else cpu)."""

    name = "transformers"

    def __init__(
        self,
        model: str,
        batch_size: int | None = None,
        dtype: str = "auto",
        device: str | None = None,
        progress: Progress | None = None,
    ) -> None:
        if batch_size is not None and batch_size < 1:
            raise SamplerError(f"batch_size must be at least 1, not {batch_size}.")
        ref = resolve_model(model)
        loaded = load_model(ref, dtype=sampling_dtype(dtype))
        self._setup(loaded, load_tokenizer(ref), batch_size, device, progress)
        self.model_label = ref.label

    @classmethod
    def from_loaded(
        cls,
        model: PreTrainedModel,
        tokenizer: PreTrainedTokenizerBase,
        batch_size: int | None = None,
        device: str | None = None,
        progress: Progress | None = None,
    ) -> TransformersSampler:
        """Sample from a model already in memory (say, just trained) without saving it first."""
        if batch_size is not None and batch_size < 1:
            raise SamplerError(f"batch_size must be at least 1, not {batch_size}.")
        self = cls.__new__(cls)
        self._setup(model, tokenizer, batch_size, device, progress)
        self.model_label = str(getattr(model.config, "_name_or_path", "") or "in-memory model")
        return self

    def _setup(
        self,
        model: PreTrainedModel,
        tokenizer: PreTrainedTokenizerBase,
        batch_size: int | None,
        device: str | None,
        progress: Progress | None,
    ) -> None:
        import torch

        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.model = model.to(self.device).eval()  # type: ignore[arg-type]
        self.tokenizer = tokenizer
        # Decoder-only models continue from the right end of the prompt.
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        if getattr(self.tokenizer, "chat_template", None) is None:
            raise SamplerError(f"the tokenizer of {model.name_or_path} has no chat template.")
        self.batch_size = batch_size or (GPU_BATCH if self.device.startswith("cuda") else CPU_BATCH)
        self.progress = progress
        self._eos_ids = _eos_ids(model, tokenizer)

    def __repr__(self) -> str:
        return f"TransformersSampler(model={self.model_label!r}, device={self.device!r})"

    def generate(self, chats: Sequence[Chat], params: SamplingParams) -> list[Generation]:
        """One generation per chat, in order; the same seed and batch size give the same texts."""
        check_chats(chats)
        import torch

        # Once per call, so a call's output depends on its own seed, not on earlier calls.
        torch.manual_seed(params.seed)
        config = self._generation_config(params)
        results: list[Generation] = []
        for start in range(0, len(chats), self.batch_size):
            batch = chats[start : start + self.batch_size]
            results.extend(self._generate_batch(batch, config))
            if self.progress is not None:
                self.progress(len(batch))
        return results

    def _generation_config(self, params: SamplingParams) -> Any:
        import copy

        config = copy.deepcopy(self.model.generation_config)
        config.max_new_tokens = params.max_new_tokens
        config.pad_token_id = self.tokenizer.pad_token_id
        config.eos_token_id = sorted(self._eos_ids)
        if params.temperature == 0:
            config.do_sample = False
            config.temperature = None
            config.top_p = None
            config.top_k = None
        else:
            config.do_sample = True
            config.temperature = params.temperature
            config.top_p = params.top_p
            # transformers samples from the top 50 tokens unless told otherwise; OpenAI-style
            # servers (vLLM) use the full distribution, and the backends should agree.
            config.top_k = 0
        return config

    def _generate_batch(self, batch: Sequence[Chat], config: Any) -> list[Generation]:
        import torch

        prompts = [
            self.tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
            for chat in batch
        ]
        # The chat template already writes any BOS token the model needs.
        encoded = self.tokenizer(
            prompts, return_tensors="pt", padding=True, add_special_tokens=False
        ).to(self.device)
        with torch.inference_mode():
            output = self.model.generate(**encoded, generation_config=config)  # type: ignore[operator]
        new_tokens = output[:, encoded["input_ids"].shape[1] :].tolist()
        generations = []
        for row in new_tokens:
            count = _completion_length(row, self._eos_ids)
            # One row decodes to one string (the stubs also allow a batch's list).
            text = str(self.tokenizer.decode(row[:count], skip_special_tokens=True))
            generations.append(Generation(text=text, completion_tokens=count))
        return generations


def _eos_ids(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase) -> set[int]:
    """Every id that ends a turn: the generation config's (int or list) and the tokenizer's."""
    ids: set[int] = set()
    for source in (model.generation_config.eos_token_id, tokenizer.eos_token_id):
        if isinstance(source, int):
            ids.add(source)
        elif source:
            ids.update(int(i) for i in source)
    if not ids:
        raise SamplerError("the model and its tokenizer define no end-of-sequence token.")
    return ids


def _completion_length(row: list[int], eos_ids: set[int]) -> int:
    """Tokens up to and including the first EOS; what follows it is padding."""
    for index, token in enumerate(row):
        if token in eos_ids:
            return index + 1
    return len(row)
