"""Sample through a `vllm serve` subprocess that this sampler starts and stops.

vLLM lives in its own environment (see emgen.schemas.shared.vllm_server); `find_vllm_python` says
which interpreter runs it. Use the sampler as a context manager: entering starts the server
(about 90 s for the tiny model on two CPU cores), leaving stops it and every process it spawned.

    with make_sampler("vllm", "tiny") as sampler:
        generations = sampler.generate(chats, SamplingParams(max_new_tokens=128))
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Self

from emgen.finetune.models import resolve_model
from emgen.finetune.samplers._base import (
    BaseSampler,
    Chat,
    Generation,
    Progress,
    SamplerError,
    SamplingParams,
)
from emgen.finetune.samplers.openai_sampler import OpenAISampler
from emgen.schemas.shared import vllm_server
from emgen.schemas.shared.vllm_server import LOCAL_KEY_ENV, SETUP_HINT, find_vllm_python


class VLLMSampler(BaseSampler):
    """A `vllm serve` of `model` (tiny, a Hugging Face folder, or a Hub id) and a client to it."""

    name = "vllm"

    def __init__(
        self,
        model: str,
        python: Path | str | None = None,
        port: int | None = None,
        dtype: str = "auto",
        max_model_len: int | None = 2048,
        extra_args: Sequence[str] = (),
        startup_timeout: float = 600,
        log_path: Path | str | None = None,
        max_workers: int = 64,
        progress: Progress | None = None,
    ) -> None:
        ref = resolve_model(model)
        if ref.gguf_file:
            raise SamplerError(
                f"vLLM does not serve GGUF files such as {ref.label} here; pass a Hugging Face "
                "folder instead (`emgen models prepare-tiny` converts the default tiny model)."
            )
        interpreter = Path(python) if python is not None else find_vllm_python()
        if interpreter is None:
            raise SamplerError(f"no Python with vLLM was found; {SETUP_HINT}.")
        self.model = model
        # More requests in flight make bigger server-side batches: on 2 CPUs, 64 gave 1.6x
        # the tokens/s of 16 (benchmarks/generation_bench.py's chats).
        self.max_workers = max_workers
        self.progress = progress
        self.server = vllm_server.VLLMServer(
            ref.source,
            interpreter,
            port=port,
            dtype=dtype,
            max_model_len=max_model_len,
            served_model_name=Path(ref.source).name or None,
            extra_args=extra_args,
            startup_timeout=startup_timeout,
            log_path=log_path,
        )
        self._client: OpenAISampler | None = None

    def __repr__(self) -> str:
        return f"VLLMSampler(model={self.model!r}, running={self.server.running})"

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def model_name(self) -> str:
        """The name the server answers to (the `model` field of a request)."""
        return self.server.model_name

    def start(self) -> None:
        """Start the server (idempotent); `with` does this for you."""
        if self._client is not None:
            return
        self.server.start()
        self._client = OpenAISampler(
            model=self.server.model_name,
            base_url=self.server.base_url,
            api_key_env=LOCAL_KEY_ENV,
            max_workers=self.max_workers,
            progress=self.progress,
        )

    def close(self) -> None:
        """Stop the server and its engine processes (idempotent)."""
        client, self._client = self._client, None
        if client is not None:
            client.close()
        self.server.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def generate(self, chats: Sequence[Chat], params: SamplingParams) -> list[Generation]:
        if self._client is None:
            raise SamplerError(
                "the vllm sampler's server is not running; use it as "
                "`with make_sampler('vllm', ...) as sampler:`."
            )
        try:
            return self._client.generate(chats, params)
        except SamplerError as exc:
            if self.server.running:
                raise
            # Connection errors alone would hide why: say that the server died, and how.
            raise self.server.exit_error("while sampling") from exc
