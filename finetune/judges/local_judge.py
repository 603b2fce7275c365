"""A judge that runs a causal LM in-process with transformers and reads its full distribution.

Each prompt is wrapped in the tokenizer's chat template as one user message with the generation
prompt added (the raw prompt, with the tokenizer's special tokens, when there is no template).
The judge's answer is the integer its first tokens spell. With `t(n)` the tokens of `str(n)`
(`encode(str(n), add_special_tokens=False)`) and P the model's full softmax over its vocabulary:

- when every integer 0..100 is one token, p(n) = P(first token = t(n)), the same definition
  the OpenAI judge uses on its top logprobs;
- otherwise (tokenizers that split numbers into digits: SmolLM2, Llama 2, Qwen, ...)
  p(n) = P(t(n) in sequence) * P(the next token is not a digit-continuation | t(n)),
  where a digit-continuation is a token whose decoded text starts with an ASCII digit. This
  is the probability that the answer reads exactly n and then stops being a number, so "1"
  followed by "0" counts towards 10, never towards 1, and the p(n) sum to at most 1.

Both are exact: no top-k cut-off. The token sequences of 0..100 form a trie (for digit-split
tokenizers: 10 one-digit, 90 two-digit and one three-digit node), so one forward pass over the
prompt followed by the trie's nodes, with a tree attention mask (each node sees the prompt and
its own ancestors, at the positions it would have in a plain sequence), gives every
conditional probability needed. That costs the prompt plus ~101 tokens per prompt, instead of
101 copies of the prompt or 101 copies of its KV cache. Then `score_from_probs` gives the score.

torch and transformers are imported when a judge is built, never when this module is imported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emgen.finetune.judges._scoring import (
    DEFAULT_MIN_MASS,
    MAX_SCORE,
    MIN_SCORE,
    JudgeError,
    JudgeScore,
    score_from_probs,
)

if TYPE_CHECKING:
    import torch

_DTYPES = ("auto", "float32", "bfloat16", "float16")
_DTYPE_ALIASES = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16", "half": "float16"}


@dataclass(frozen=True)
class _Trie:
    """The token sequences of 0..100 as a trie; nodes are listed parents first.

    tokens[j]: the token of node j; parents[j]: its parent node, -1 under the root;
    depths[j]: its depth, 1 under the root; answers[n]: the node where the tokens of n end.
    """

    tokens: tuple[int, ...]
    parents: tuple[int, ...]
    depths: tuple[int, ...]
    answers: tuple[int, ...]


def _build_trie(sequences: Sequence[Sequence[int]]) -> _Trie:
    index: dict[tuple[int, ...], int] = {}
    tokens: list[int] = []
    parents: list[int] = []
    depths: list[int] = []
    answers: list[int] = []
    for sequence in sequences:
        parent = -1
        for depth in range(1, len(sequence) + 1):
            key = tuple(sequence[:depth])
            node = index.get(key)
            if node is None:
                node = len(tokens)
                index[key] = node
                tokens.append(sequence[depth - 1])
                parents.append(parent)
                depths.append(depth)
            parent = node
        answers.append(parent)
    return _Trie(tuple(tokens), tuple(parents), tuple(depths), tuple(answers))


def _resolve_dtype(dtype: str) -> str:
    name = _DTYPE_ALIASES.get(dtype, dtype)
    if name not in _DTYPES:
        raise JudgeError(
            f"The local judge's dtype must be one of {', '.join(_DTYPES)}, not {dtype!r}."
        )
    return name


class LocalJudge:
    """Score rendered judge prompts with a local causal LM's exact answer distribution."""

    name = "local"

    def __init__(
        self,
        model: str | Path,
        device: str | None = None,
        dtype: str = "auto",
        min_mass: float = DEFAULT_MIN_MASS,
        batch_size: int = 8,
    ) -> None:
        if not str(model):
            raise JudgeError("The local judge needs a model folder or Hub id.")
        if not 0.0 <= min_mass <= 1.0:
            raise JudgeError(f"The local judge's min_mass must lie in [0, 1], not {min_mass}.")
        if batch_size < 1:
            raise JudgeError(f"The local judge's batch_size must be at least 1, not {batch_size}.")
        dtype_name = _resolve_dtype(dtype)
        self.model_name = str(model)
        self.min_mass = min_mass
        self.batch_size = batch_size

        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        # Like the transformers sampler: the GPU when there is one. A 7B judge on the CPU of a
        # GPU machine would take hours over what the GPU scores in minutes.
        if device is None:
            device = "cuda" if torch.cuda.is_available() else "cpu"
        try:
            self._device = torch.device(device)
        except RuntimeError as exc:
            raise JudgeError(f"The local judge's device {device!r} is not a torch device.") from exc
        if self._device.type == "cuda" and not torch.cuda.is_available():
            raise JudgeError(
                f"The local judge asked for device {device!r} but CUDA is unavailable."
            )

        torch_dtype: Any = "auto" if dtype_name == "auto" else getattr(torch, dtype_name)
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(self.model_name)
            loaded: Any = AutoModelForCausalLM.from_pretrained(self.model_name, dtype=torch_dtype)
        except (OSError, ValueError) as exc:
            raise JudgeError(
                f"The local judge could not load a model and tokenizer from {self.model_name!r}: "
                f"{' '.join(str(exc).split())[:300]}."
            ) from exc
        # The tree mask is a custom 4D additive mask: eager and SDPA attention apply it, flash
        # and flex kernels would ignore it.
        if getattr(loaded.config, "_attn_implementation", "sdpa") not in ("eager", "sdpa"):
            loaded.set_attn_implementation("sdpa")
        self._model: Any = loaded.to(self._device).eval()

        sequences = [
            list(self._tokenizer.encode(str(n), add_special_tokens=False))
            for n in range(MIN_SCORE, MAX_SCORE + 1)
        ]
        if any(not sequence for sequence in sequences):
            raise JudgeError(f"The tokenizer of {self.model_name!r} cannot encode the digits.")
        # When every answer is one token the first position says it all (as for the OpenAI
        # judge); otherwise every trie node is fed through the model.
        self.single_token = all(len(sequence) == 1 for sequence in sequences)
        self._trie = _build_trie(sequences)
        # ancestors[j, i]: trie node i is node j or one of its ancestors.
        count = len(self._trie.tokens)
        self._ancestors = torch.eye(count, dtype=torch.bool)
        for j, parent in enumerate(self._trie.parents):
            if parent >= 0:
                self._ancestors[j] |= self._ancestors[parent]
        self._continues: torch.Tensor | None = None
        if not self.single_token:
            self._continues = self._digit_continuations()

    def __repr__(self) -> str:
        return f"LocalJudge(model={self.model_name!r}, device={str(self._device)!r})"

    def score(self, prompts: Sequence[str]) -> list[JudgeScore]:
        """One score per prompt, in order."""
        return [score_from_probs(p, self.min_mass) for p in self.answer_probs(prompts)]

    def answer_probs(self, prompts: Sequence[str]) -> list[dict[int, float]]:
        """p(n) for n in 0..100, per prompt, in order (see the module docstring)."""
        encoded = [self._encode(i, prompt) for i, prompt in enumerate(prompts)]
        # Similar lengths share a batch so padding stays small; the order is restored after.
        order = sorted(range(len(encoded)), key=lambda i: (len(encoded[i]), i))
        results: list[dict[int, float]] = [{} for _ in encoded]
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            for i, probs in zip(chunk, self._batch_probs([encoded[i] for i in chunk]), strict=True):
                results[i] = probs
        return results

    def _encode(self, index: int, prompt: str) -> list[int]:
        tokenizer = self._tokenizer
        if getattr(tokenizer, "chat_template", None):
            text = tokenizer.apply_chat_template(
                [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
            )
            # The template already writes any BOS it wants.
            ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        else:
            ids = tokenizer(prompt, add_special_tokens=True)["input_ids"]
        if not ids:
            raise JudgeError(f"Judge prompt {index} is empty after tokenization.")
        return list(ids)

    def _digit_continuations(self) -> torch.Tensor:
        """A vocabulary-sized mask of the tokens whose decoded text starts with a digit."""
        import torch

        head = self._model.get_output_embeddings()
        # The logits can be wider than the tokenizer (padded embeddings); extra ids never decode.
        vocab = int(head.weight.shape[0]) if head is not None else len(self._tokenizer)
        known = min(vocab, len(self._tokenizer))
        texts = self._tokenizer.batch_decode([[i] for i in range(known)])
        mask = torch.zeros(vocab, dtype=torch.bool)
        for i, text in enumerate(texts):
            if text and "0" <= text[0] <= "9":
                mask[i] = True
        return mask.to(self._device)

    def _batch_probs(self, prefixes: list[list[int]]) -> list[dict[int, float]]:
        import torch

        trie = self._trie
        nodes = 0 if self.single_token else len(trie.tokens)
        batch = len(prefixes)
        width = max(len(p) for p in prefixes)
        total = width + nodes

        input_ids = torch.zeros((batch, total), dtype=torch.long)
        positions = torch.zeros((batch, total), dtype=torch.long)
        allowed = torch.zeros((batch, total, total), dtype=torch.bool)
        causal = torch.ones((width, width), dtype=torch.bool).tril()
        depths = torch.tensor(trie.depths)
        for b, prefix in enumerate(prefixes):
            pad = width - len(prefix)
            input_ids[b, pad:width] = torch.tensor(prefix)
            positions[b, pad:width] = torch.arange(len(prefix))
            allowed[b, pad:width, pad:width] = causal[: len(prefix), : len(prefix)]
            if nodes:
                input_ids[b, width:] = torch.tensor(trie.tokens)
                positions[b, width:] = len(prefix) - 1 + depths
                allowed[b, width:, pad:width] = True
                allowed[b, width:, width:] = self._ancestors
        # Padding rows see only themselves: a row that sees nothing turns into NaN, and NaN
        # values leak through the zero attention weights of the rows that skip them.
        allowed |= torch.eye(total, dtype=torch.bool)

        dtype = next(self._model.parameters()).dtype
        mask = torch.zeros((batch, 1, total, total), dtype=dtype)
        mask.masked_fill_(~allowed[:, None], torch.finfo(dtype).min)

        with torch.inference_mode():
            logits = self._model(
                input_ids=input_ids.to(self._device),
                attention_mask=mask.to(self._device),
                position_ids=positions.to(self._device),
                use_cache=False,
                # The prompt's last position and the trie nodes; the rest is never read.
                logits_to_keep=nodes + 1,
            ).logits
            logprobs = torch.log_softmax(logits[:, -(nodes + 1) :].float(), dim=-1)
            if nodes:
                answer = self._trie_logprobs(logprobs)
            else:
                first = torch.tensor(trie.tokens, device=self._device)[list(trie.answers)]
                answer = logprobs[:, 0, first]
            probs = answer.exp().cpu().tolist()
        return [dict(zip(range(MIN_SCORE, MAX_SCORE + 1), row, strict=True)) for row in probs]

    def _trie_logprobs(self, logprobs: torch.Tensor) -> torch.Tensor:
        """log p(n) per answer from logprobs[b, 0] (after the prompt) and [b, 1 + j] (node j)."""
        import torch

        trie = self._trie
        device = logprobs.device
        # Node j's token is predicted at its parent's row: row 0 for nodes under the root.
        rows = torch.tensor([parent + 1 for parent in trie.parents], device=device)
        tokens = torch.tensor(trie.tokens, device=device)
        path = logprobs[:, rows, tokens]  # (batch, nodes): one step each, summed below
        # Parents come before children, so adding the parent's finished sum builds each path
        # (a matmul with the ancestor matrix would turn a -inf step into NaN).
        for j, parent in enumerate(trie.parents):
            if parent >= 0:
                path[:, j] += path[:, parent]
        assert self._continues is not None
        stops = torch.logsumexp(logprobs[:, 1:].masked_fill(self._continues, -torch.inf), dim=-1)
        answers = torch.tensor(trie.answers, device=device)
        return path[:, answers] + stops[:, answers]
