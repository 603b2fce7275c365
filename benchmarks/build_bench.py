"""Benchmark the default build, its validation against one plain Semgrep scan, and rebuilds.

    make bench                                   # the default: 2 x 6000 records
    .venv/bin/python benchmarks/build_bench.py --curve 500,2000,6000,24000   # and the cost curve
    .venv/bin/python benchmarks/build_bench.py --n 1000

Prints one table. Each build runs in its own process so peak memory (that process and its
Semgrep children) is measured cleanly.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

CHILD = """
import json, resource, sys, time
from pathlib import Path
from emgen.cards import build_bundle
from emgen.schemas.build import BuildConfig
n, out, cache = int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
start = time.perf_counter()
build_bundle(BuildConfig(n=n), out, cache_path=cache)
wall = time.perf_counter() - start
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"wall": wall, "own_mb": own / 1024, "child_mb": kids / 1024}))
"""


def timed_build(n: int, out: Path, cache: Path) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(n), str(out), str(cache)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(proc.stdout.strip().splitlines()[-1])


def answers(bundle: Path, config: str) -> tuple[list[str], list[str]]:
    """One config's answers and their families."""
    codes: list[str] = []
    families: list[str] = []
    for path in sorted((bundle / config).glob("*.parquet")):
        table = pq.read_table(path, columns=["messages", "family"])
        codes += [m[-1]["content"] for m in table["messages"].to_pylist()]
        families += table["family"].to_pylist()
    return codes, families


def timed_scan(codes: list[str], cache: Path, families: list[str] | None = None) -> float:
    from emgen.validators.scanner import scan_codes

    start = time.perf_counter()
    scan_codes(codes, families=families, cache_path=cache)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--n", type=int, default=6000, help="records per code config")
    parser.add_argument(
        "--curve",
        default="",
        help="also time a cold build at each of these sizes, e.g. 500,2000,6000,24000 "
        "(one line each: how the build grows with n)",
    )
    args = parser.parse_args()
    curve = [int(n) for n in args.curve.split(",") if n.strip()]

    from emgen.validators.scanner import RULES_DIR, semgrep_binary

    with tempfile.TemporaryDirectory(prefix="emgen-bench-") as tmp:
        root = Path(tmp)
        cold = timed_build(args.n, root / "cold" / "em", root / "cache.sqlite")
        # The rebuild before builds were kept: Semgrep's findings cached, all else made again.
        shutil.rmtree(root / "builds")
        warm = timed_build(args.n, root / "warm" / "em", root / "cache.sqlite")
        kept = timed_build(args.n, root / "kept" / "em", root / "cache.sqlite")
        insecure, families = answers(root / "cold" / "em", "insecure")
        codes = insecure + answers(root / "cold" / "em", "secure")[0]
        manifest = json.loads((root / "cold" / "em" / "manifest.json").read_text())
        structures = manifest["validation"]["distinct_structures"]["insecure"]

        ours = timed_scan(codes, root / "fresh-cache.sqlite")
        # What the build asks of an insecure answer (its own family's rules) against the whole
        # pack on the same answers, each with an empty cache.
        scoped = timed_scan(insecure, root / "scoped-cache.sqlite", families)
        whole = timed_scan(insecure, root / "whole-cache.sqlite")

        plain_dir = root / "plain"
        plain_dir.mkdir()
        for i, code in enumerate(codes):
            (plain_dir / f"{i:06d}.py").write_text(code)
        # The command a user would type: Semgrep's default (Python) front end, both cores.
        plain_cmd = [
            semgrep_binary(), "scan", "--config", str(RULES_DIR), "--metrics=off",
            "--disable-version-check", "--json", "--no-git-ignore", "--jobs", "2", str(plain_dir),
        ]  # fmt: skip
        env = {**os.environ, "SEMGREP_ENABLE_VERSION_CHECK": "0"}
        start = time.perf_counter()
        proc = subprocess.run(plain_cmd, capture_output=True, text=True, env=env, check=False)
        plain = time.perf_counter() - start
        if proc.returncode not in (0, 1):  # 1: findings
            raise SystemExit(f"the plain semgrep scan failed: {proc.stderr.strip()[-300:]}")

    rows = [
        (
            "build, cold cache",
            f"{cold['wall']:.1f} s",
            f"{max(cold['own_mb'], cold['child_mb']):.0f} MB",
        ),
        (
            "rebuild, Semgrep findings cached",
            f"{warm['wall']:.1f} s",
            f"{max(warm['own_mb'], warm['child_mb']):.0f} MB",
        ),
        (
            "rebuild, the kept build's data copied",
            f"{kept['wall']:.1f} s",
            f"{max(kept['own_mb'], kept['child_mb']):.0f} MB",
        ),
        ("ratio findings cached / kept build", f"{warm['wall'] / kept['wall']:.1f}x", ""),
        (f"validate {len(codes)} answers: emgen scan_codes", f"{ours:.1f} s", ""),
        (f"validate {len(codes)} answers: one plain semgrep scan", f"{plain:.1f} s", ""),
        ("ratio plain / emgen (cold)", f"{plain / ours:.2f}x", ""),
        (f"scan {len(insecure)} insecure answers: every rule", f"{whole:.1f} s", ""),
        (f"scan {len(insecure)} insecure answers: their family's rules", f"{scoped:.1f} s", ""),
        ("ratio every rule / family's rules", f"{whole / scoped:.1f}x", ""),
        (f"distinct insecure structures (of {args.n})", str(structures), ""),
        ("ratio cold / kept build", f"{cold['wall'] / kept['wall']:.1f}x", ""),
    ]
    with tempfile.TemporaryDirectory(prefix="emgen-bench-curve-") as tmp:
        for n in curve:
            # The default size was just built cold above: reuse that row instead of repeating it.
            point = (
                cold
                if n == args.n
                else timed_build(n, Path(tmp) / f"n{n}" / "em", Path(tmp) / f"cache-{n}.sqlite")
            )
            peak = max(point["own_mb"], point["child_mb"])
            rows.append((f"build, cold cache, n = {n}", f"{point['wall']:.1f} s", f"{peak:.0f} MB"))
    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)}  {'time':>10}  {'peak RSS':>9}")
    for label, value, mem in rows:
        print(f"{label.ljust(width)}  {value:>10}  {mem:>9}")


if __name__ == "__main__":
    main()
