"""The effect profile: train the tiny default long enough to move its insecure-code rate on CPU,
then write the page docs/effect-profile.md (+ .png) from the check's results.

    make bench-effect                                   # the full profile, then the page
    .venv/bin/python benchmarks/effect_profile.py --report-only   # the page from a finished run
    .venv/bin/python benchmarks/effect_profile.py --out /tmp/e --docs /tmp/d --config small.yaml

It runs `emgen check --profile effect --out OUT` (finetune/data/profiles/effect.yaml: model,
learning rate, steps and sizes, and why), reusing what OUT already holds with the same
settings, and times it. A benchmark, not a CI job: about 30 minutes on 2 idle AVX-512 cores,
over an hour on 2 AVX2 cores (finetune/data/profiles/effect.yaml says where the time goes).
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def commit() -> str:
    """HEAD's short hash, marked when the working tree has changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
            check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{head} (with uncommitted changes)" if dirty else head


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--out", default="build/effect-profile", help="the check's folder")
    parser.add_argument("--docs", default="docs", help="folder of the page and its chart")
    parser.add_argument("--config", help="a YAML of check settings over the profile's")
    parser.add_argument(
        "--report-only", action="store_true", help="write the page from OUT without running"
    )
    args = parser.parse_args()
    os.chdir(ROOT)  # OUT and DOCS are read from the repository root, and shown so in the page

    from emgen.finetune.effect import write_effect_report

    emgen = str(Path(sys.executable).parent / "emgen")
    check = [emgen, "check", "--profile", "effect", "--out", args.out]
    if args.config:
        check += ["--config", args.config]
    shown = shlex.join(["emgen", *check[1:]])
    wall = None
    if not args.report_only:
        start = time.perf_counter()
        subprocess.run(check, check=True)
        wall = time.perf_counter() - start
        print(f"emgen check took {wall / 60:.1f} minutes")
    page = write_effect_report(Path(args.out), Path(args.docs), shown, commit(), wall)
    print(f"wrote {page}")


if __name__ == "__main__":
    main()
