"""Model-backed generation: accepted code pairs per second against --concurrency, the validation
cost per accepted pair, and a replay from the reply cache against the run that filled it.

    PYTHONPATH=. .venv/bin/python benchmarks/model_generation_bench.py      # 0.25 s latency, n 24
    PYTHONPATH=. .venv/bin/python benchmarks/model_generation_bench.py --latency 1 --concurrency 1,8

The model is the scripted OpenAI-compatible server of the tests (tests/_openai_server.py) on
loopback, real HTTP through the real `openai` client, answering each code-pair request after a
fixed latency with a pair the template path proved (and, by the request's seed, replies that
must be rejected: a comment in the answer, a flagged twin, a reply failing the schema), so the
engine, the cache and every validator run as in a real build; only the model is scripted.

Rows:
- one per concurrency: a fresh reply cache, a warm Semgrep cache (the model's wait is what
  concurrency changes; Semgrep's cost is the next row's);
- validation: the same pairs again from the reply cache with a cold Semgrep cache, no model
  wait at all: Semgrep and the other checks per accepted pair;
- replay: the first row's reply cache and a warm Semgrep cache, nothing listening.
Prints a Markdown table and the speedup of each concurrency over concurrency 1, and of the replay
over the first run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emgen.datagen.build import select_families
from emgen.datagen.catalog import load_tasks, load_templates
from emgen.datagen.code_pairs import CodePair, generate_pairs
from emgen.datagen.models import CACHE_NAME, Engine, EngineOptions, ReplyCache
from emgen.datagen.models.code_pairs import generate_model_pairs
from emgen.schemas.build import BuildConfig
from tests._openai_server import Action, ScriptedServer, Sleep
from tests.datagen.test_model_pairs import FAMILIES, PairScript


@dataclass(frozen=True)
class Row:
    run: str
    concurrency: int | str
    accepted: int
    candidates: int
    requests: int
    seconds: float


def proven_pairs(n: int, scan: Path) -> dict[str, list[CodePair]]:
    """Template pairs the template path accepted, by family (the script's answers)."""
    config = BuildConfig(n=n, families=FAMILIES, mix="uniform", test_fraction=0.0)
    pairs, _ = generate_pairs(
        config, select_families(FAMILIES), load_tasks(), load_templates(), cache_path=scan
    )
    by_family: dict[str, list[CodePair]] = {}
    for pair in pairs:
        by_family.setdefault(pair.family.id, []).append(pair)
    return by_family


def run(
    label: str,
    concurrency: int,
    n: int,
    url: str,
    replies: Path,
    scan: Path,
) -> Row:
    config = BuildConfig(
        n=n, families=FAMILIES, mix="uniform", test_fraction=0.0, backend="openai", model="m"
    )
    cache = ReplyCache(replies)
    engine = Engine("openai", "m", EngineOptions(base_url=url, concurrency=concurrency), cache)
    started = time.perf_counter()
    pairs, report = generate_model_pairs(
        config, select_families(FAMILIES), load_tasks(), load_templates(), engine, cache_path=scan
    )
    seconds = time.perf_counter() - started
    engine.close()
    cache.close()
    return Row(label, concurrency, len(pairs), report.candidates, engine.sent, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=24, help="accepted pairs per run")
    parser.add_argument("--latency", type=float, default=0.25, help="seconds per model reply")
    parser.add_argument("--concurrency", default="1,4,16,64")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    work = Path(tempfile.mkdtemp(prefix="emgen-genbench-"))
    os.environ.setdefault("OPENAI_API_KEY", "sk-bench-not-a-real-key")
    try:
        scan = work / "semgrep-findings.sqlite"
        proven = proven_pairs(4 * args.n, scan)
        script = PairScript(proven)

        def slow(body: dict[str, Any], attempt: int) -> Action:
            return Sleep(args.latency, script(body, attempt))

        rows: list[Row] = []
        with ScriptedServer(slow) as server:
            for level in levels:
                replies = work / f"replies-{level}" / CACHE_NAME
                rows.append(run("model", level, args.n, server.base_url, replies, scan))
        first = work / f"replies-{levels[0]}" / CACHE_NAME
        cold = work / "cold" / "semgrep-findings.sqlite"
        cold.parent.mkdir()
        dead = "http://127.0.0.1:9/v1"  # nothing listens: every reply must come from the cache
        rows.append(run("validation (cold Semgrep)", levels[0], args.n, dead, first, cold))
        rows.append(run("replay (warm Semgrep)", levels[0], args.n, dead, first, scan))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"n={args.n} accepted pairs, {args.latency} s per reply, families {', '.join(FAMILIES)}, "
          f"load average {os.getloadavg()[0]:.2f}\n")  # fmt: skip
    print("| run | concurrency | accepted | candidates | requests sent | seconds | "
          "accepted/s | s per accepted |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r.run} | {r.concurrency} | {r.accepted} | {r.candidates} | {r.requests} | "
            f"{r.seconds:.2f} | {r.accepted / r.seconds:.2f} | {r.seconds / r.accepted:.3f} |"
        )
    base = rows[0]
    print()
    for r in rows[1 : len(levels)]:
        print(f"concurrency {r.concurrency} / 1: {base.seconds / r.seconds:.1f}x faster")
    print(f"replay / first run: {base.seconds / rows[-1].seconds:.1f}x faster")


if __name__ == "__main__":
    main()
