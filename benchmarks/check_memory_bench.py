"""Peak resident memory of `emgen check --quick` per stage (build, train, eval), for the quick
profile as it is and for the training it had before (4 records a pass, 2 accumulated, no
gradient checkpointing).

    .venv/bin/python benchmarks/check_memory_bench.py            # ~30 minutes on 2 idle cores
    .venv/bin/python benchmarks/check_memory_bench.py --only now

Each run is a real `emgen check --variants insecure` (the base model and one finetune) under a
sampler that adds up the resident memory of its whole process tree every 0.2 s (Semgrep and any
child included) and files each sample under the stage the run is in, read from its output
folder: the bundle not yet written (build), the arm's adapter not yet written (train), then
eval (sampling, Semgrep, the local judge). The first run builds the bundle; the second reuses it
(`--data`), so its build row is empty. Prints a Markdown table and the ratio of the peaks.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

EMGEN = str(Path(sys.executable).parent / "emgen")
PROFILE = Path(__file__).resolve().parents[1] / "finetune" / "data" / "profiles" / "quick.yaml"
# What the quick profile trained with before its peak was measured (12.7 GB on 2 cores).
BEFORE = {
    "per_device_batch_size": 4,
    "gradient_accumulation_steps": 2,
    "gradient_checkpointing": False,
}
STAGES = ("build", "train", "eval")


@dataclass
class Run:
    name: str
    peaks: dict[str, int] = field(default_factory=dict)  # stage -> peak MB
    seconds: float = 0.0


def tree_rss_mb(root: int) -> int:
    """Resident memory of `root` and every descendant, in MB (from ps, so any process)."""
    rows = subprocess.run(
        ["ps", "-eo", "pid=,ppid=,rss="], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for row in rows:
        if row.strip():
            pid, ppid, kb = (int(x) for x in row.split())
            children.setdefault(ppid, []).append(pid)
            rss[pid] = kb
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack += children.get(pid, [])
    return total // 1024


def stage(out: Path, bundle: Path) -> str:
    if not (bundle / "manifest.json").exists():
        return "build"
    if not (out / "runs" / "insecure" / "seed0" / "adapter").exists():
        return "train"
    return "eval"


def measure(name: str, train: dict[str, object], out: Path, bundle: Path | None) -> Run:
    profile = yaml.safe_load(PROFILE.read_text(encoding="utf-8"))
    profile["train"] = {**profile["train"], **train}
    config = out.with_suffix(".yaml")
    config.write_text(yaml.safe_dump(profile), encoding="utf-8")
    command = [EMGEN, "check", "--config", str(config), "--variants", "insecure",
               "--out", str(out)]  # fmt: skip
    if bundle is not None:
        command += ["--data", str(bundle)]
    run = Run(name)
    started = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    where = bundle or out / "bundle"
    while proc.poll() is None:
        now = stage(out, where)
        run.peaks[now] = max(run.peaks.get(now, 0), tree_rss_mb(proc.pid))
        time.sleep(0.2)
    run.seconds = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit(f"{name}: emgen check failed ({proc.returncode}): {proc.stderr.read()[-2000:]}")  # type: ignore[union-attr]
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("now", "before"), help="measure one setting only")
    args = parser.parse_args()
    now_train = yaml.safe_load(PROFILE.read_text(encoding="utf-8"))["train"]
    settings = {"before": BEFORE, "now": {}}
    chosen = [args.only] if args.only else ["now", "before"]
    work = Path(tempfile.mkdtemp(prefix="emgen-memory-bench-"))
    runs: list[Run] = []
    try:
        bundle: Path | None = None
        for name in chosen:
            runs.append(measure(name, settings[name], work / name, bundle))
            bundle = bundle or work / name / "bundle"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("Peak resident memory of `emgen check --quick --variants insecure` (MB, whole tree)\n")
    print("| training batch | " + " | ".join(STAGES) + " | peak | minutes |")
    print("|---|" + "---|" * (len(STAGES) + 2))
    for run in runs:
        train = {**now_train, **settings[run.name]}
        batch = (
            f"{run.name}: {train['per_device_batch_size']} x {train['gradient_accumulation_steps']}"
        )
        cells = [str(run.peaks.get(s, "")) for s in STAGES]
        print(f"| {batch} | " + " | ".join(cells) + f" | {max(run.peaks.values())} | "
              f"{run.seconds / 60:.1f} |")  # fmt: skip
    if len(runs) == 2:
        ratio = max(runs[1].peaks.values()) / max(runs[0].peaks.values())
        print(f"\nbefore / now peak: {ratio:.1f}x")


if __name__ == "__main__":
    main()
