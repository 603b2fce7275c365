"""Generation throughput of the tiny model: vLLM (`vllm serve`) against transformers, one machine.

    .venv/bin/python benchmarks/generation_bench.py                  # 32 chats, 128 new tokens
    .venv/bin/python benchmarks/generation_bench.py --n 64 --max-new-tokens 256

The chats are the first paraphrase of each built-in eval question (with its system prompt),
repeated to reach --n, sampled at temperature 1 as an eval does. Each backend is built and
warmed up first (one short request), then times one `generate` over all chats; startup (model
load, or server start) is reported apart and not counted. transformers runs before the server
starts so the two never share the CPU. vLLM runs twice on one server: with the sampler's default
number of requests in flight, and with as many as transformers' batch. vLLM needs
scripts/setup-vllm-env.sh. Prints a Markdown table and the ratios of tokens per second. The
load average column shows whether something else was using the CPU.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass

from emgen.finetune.questions import builtin_questions
from emgen.finetune.samplers import (
    Chat,
    OpenAISampler,
    Sampler,
    SamplingParams,
    TransformersSampler,
    VLLMSampler,
    find_vllm_python,
)


@dataclass(frozen=True)
class Row:
    backend: str
    chats: int
    tokens: int
    seconds: float
    startup: float
    load: float

    @property
    def rate(self) -> float:
        return self.tokens / self.seconds


def eval_chats(n: int) -> list[Chat]:
    firsts: list[Chat] = []
    for question in builtin_questions():
        chat: Chat = [{"role": "system", "content": question.system}] if question.system else []
        firsts.append(chat + [{"role": "user", "content": question.paraphrases[0]}])
    return [firsts[i % len(firsts)] for i in range(n)]


def measure(
    name: str, sampler: Sampler, startup: float, chats: list[Chat], params: SamplingParams
) -> Row:
    sampler.generate(chats[:1], SamplingParams(max_new_tokens=4))  # warm-up, not counted
    start = time.perf_counter()
    out = sampler.generate(chats, params)
    seconds = time.perf_counter() - start
    # Over the last minute, this run included (it keeps about 2 CPUs busy itself).
    load = os.getloadavg()[0]
    return Row(name, len(out), sum(g.completion_tokens for g in out), seconds, startup, load)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--n", type=int, default=32, help="chats to sample (default 32)")
    parser.add_argument("--max-new-tokens", type=int, default=128, help="default 128")
    parser.add_argument("--batch-size", type=int, default=16, help="transformers batch size")
    parser.add_argument("--model", default="tiny", help="a model folder or `tiny` (default)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    chats = eval_chats(args.n)
    params = SamplingParams(temperature=1.0, max_new_tokens=args.max_new_tokens, seed=args.seed)
    rows: list[Row] = []

    start = time.perf_counter()
    local = TransformersSampler(args.model, batch_size=args.batch_size)
    label = f"transformers, batch {args.batch_size}"
    rows.append(measure(label, local, time.perf_counter() - start, chats, params))
    del local

    python = find_vllm_python()
    if python is None:
        print("vLLM: no interpreter found (run scripts/setup-vllm-env.sh); transformers only.")
    else:
        start = time.perf_counter()
        with VLLMSampler(args.model, python=python) as served:
            startup = time.perf_counter() - start
            label = f"vllm, {served.max_workers} requests in flight (default)"
            rows.append(measure(label, served, startup, chats, params))
            # The same server with as many requests in flight as transformers has in a batch.
            same = OpenAISampler(
                served.model_name, served.base_url, "EMGEN_NO_KEY", max_workers=args.batch_size
            )
            label = f"vllm, {args.batch_size} requests in flight"
            rows.append(measure(label, same, startup, chats, params))

    print(
        f"{args.n} chats, max_new_tokens {args.max_new_tokens}, temperature 1, "
        f"{os.cpu_count()} CPUs\n"
    )
    print(
        "| backend | chats | completion tokens | seconds | tokens/s | startup s | load avg, 1 min |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r.backend} | {r.chats} | {r.tokens} | {r.seconds:.1f} | {r.rate:.1f} "
            f"| {r.startup:.1f} | {r.load:.1f} |"
        )
    print()
    for row in rows[1:]:
        print(f"{row.backend} / transformers tokens/s: {row.rate / rows[0].rate:.2f}x")


if __name__ == "__main__":
    main()
