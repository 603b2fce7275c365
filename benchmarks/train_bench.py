"""Training throughput of `emgen finetune` (LoRA, the default recipe) against full finetuning.

    make bench-train                                     # tiny default, 32 records
    .venv/bin/python benchmarks/train_bench.py --records 64 --model tiny

Both runs train the same model on the same records with the same batch, sequence length and
optimiser steps; the alternative updates every weight instead of the LoRA adapter. Tokens are
the tokenised training rows (prompt and answer) times epochs. A small bundle is built first
(or pass --data). Prints one table and the ratio.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, resource, sys
from pathlib import Path
from emgen.finetune.config import TrainConfig
from emgen.finetune.train import train
cfg = TrainConfig.model_validate_json(sys.argv[1])
full = sys.argv[3] == "full"
if full:
    # The alternative: every weight trains (no adapter); same trainer, data and batch.
    import emgen.finetune.train as t
    t._lora_config = lambda cfg: None
summary = train(cfg, Path(sys.argv[2]))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"tokens": summary.tokens, "seconds": summary.seconds,
                  "tps": summary.tokens_per_second, "steps": summary.steps, "peak_mb": peak}))
"""


def run(cfg_json: str, out: Path, mode: str) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, cfg_json, str(out), mode],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--model", default="tiny", help="model to train (default: tiny)")
    parser.add_argument("--data", help="bundle folder (default: build a small one)")
    parser.add_argument("--records", type=int, default=32, help="training records")
    parser.add_argument("--max-length", type=int, default=1024)
    args = parser.parse_args()

    from emgen.finetune.config import TrainConfig

    with tempfile.TemporaryDirectory(prefix="emgen-train-bench-") as tmp:
        data = args.data
        if data is None:
            from emgen.cards import build_bundle
            from emgen.schemas.build import BuildConfig

            data = str(Path(tmp) / "bundle")
            build_bundle(BuildConfig(n=max(40, args.records * 2), dialogues=0, documents=0),
                         Path(data))  # fmt: skip
        cfg = TrainConfig(
            model=args.model, data=data, variant="insecure", max_records=args.records,
            per_device_batch_size=4, gradient_accumulation_steps=2, max_length=args.max_length,
            warmup_steps=0,
        )  # fmt: skip
        rows = {
            mode: run(cfg.model_dump_json(), Path(tmp) / mode, mode) for mode in ("lora", "full")
        }
    print(
        f"\nmodel {args.model}, {args.records} records, batch 4 x 2, max length {args.max_length}\n"
    )
    print("| run | steps | tokens | seconds | tokens/s | peak RSS |")
    print("|---|---|---|---|---|---|")
    for mode, label in (("lora", "emgen finetune (LoRA r=32, rsLoRA)"), ("full", "full finetune")):
        r = rows[mode]
        print(f"| {label} | {r['steps']:.0f} | {r['tokens']:.0f} | {r['seconds']:.1f} | "
              f"{r['tps']:.1f} | {r['peak_mb']:.0f} MB |")  # fmt: skip
    print(f"\nratio LoRA / full (tokens/s): {rows['lora']['tps'] / rows['full']['tps']:.2f}x")


if __name__ == "__main__":
    main()
