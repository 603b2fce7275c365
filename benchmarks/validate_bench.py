"""`emgen validate` of a chat file of code answers against bandit on the same answers.

    make bench-validate                                  # a default build's 6000 + 6000 answers
    .venv/bin/python benchmarks/validate_bench.py --bundle build/em-variants

Both tools start cold: emgen with an empty findings cache, bandit as it always does. The
insecure answers measure recall (answers flagged), the secure twins the false alarms (secure
answers flagged); bandit runs at `-ll` (medium severity and up), as the issue that set the
target asked. Prints one table with the ratios. Builds a default bundle first unless given one
(about 8 minutes).
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

BIN = Path(sys.executable).parent


def chat_file(bundle: Path, config: str, out: Path) -> int:
    """Every split of `config`'s chat exports in one JSONL file; the number of records."""
    lines: list[str] = []
    for split in ("train", "test"):
        path = bundle / "exports" / config / f"{split}.jsonl"
        if path.exists():
            lines += path.read_text().splitlines()
    out.write_text("\n".join(lines) + "\n")
    return len(lines)


def emgen_validate(path: Path, cache: Path) -> tuple[float, int]:
    """Seconds and answers flagged, cold cache."""
    env = {**os.environ, "EMGEN_CACHE_DIR": str(cache)}
    start = time.perf_counter()
    proc = subprocess.run(
        [str(BIN / "emgen"), "validate", str(path), "--json"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"emgen validate failed ({proc.returncode}): {proc.stderr.strip()}")
    return seconds, int(json.loads(proc.stdout)["flagged"])


def bandit(path: Path, folder: Path) -> tuple[float, int]:
    """Seconds and answers flagged by `bandit -ll` on the answers written one file each."""
    folder.mkdir()
    for i, line in enumerate(path.read_text().splitlines()):
        answer = json.loads(line)["messages"][-1]["content"]
        (folder / f"{i:06d}.py").write_text(answer)
    start = time.perf_counter()
    proc = subprocess.run(
        [str(BIN / "bandit"), "-ll", "-q", "-f", "json", "-r", str(folder)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):  # 1: issues found
        raise SystemExit(f"bandit failed ({proc.returncode}): {proc.stderr.strip()[:500]}")
    flagged = {r["filename"] for r in json.loads(proc.stdout)["results"]}
    return seconds, len(flagged)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--bundle", type=Path, help="a built bundle (default: build one)")
    args = parser.parse_args()
    if shutil.which("bandit", path=str(BIN)) is None:
        raise SystemExit("bandit is not installed in this environment: run `make bench-validate`.")

    with tempfile.TemporaryDirectory(prefix="emgen-validate-bench-") as tmp:
        root = Path(tmp)
        bundle = args.bundle
        if bundle is None:
            bundle = root / "em"
            subprocess.run(
                [str(BIN / "emgen"), "build", "--out", str(bundle), "-q"],
                env={**os.environ, "EMGEN_CACHE_DIR": str(root / "build-cache")}, check=True,
            )  # fmt: skip
        rows: list[tuple[str, str, str, str]] = []
        results: dict[str, dict[str, tuple[float, int]]] = {}
        for config in ("insecure", "secure"):
            path = root / f"{config}.jsonl"
            n = chat_file(bundle, config, path)
            results[config] = {
                "emgen": emgen_validate(path, root / f"cache-{config}"),
                "bandit": bandit(path, root / f"files-{config}"),
            }
            for tool, (seconds, flagged) in results[config].items():
                rows.append((f"{config} ({n} answers)", tool, f"{seconds:.1f} s", str(flagged)))
        ins, sec = results["insecure"], results["secure"]
        time_ratio = ins["emgen"][0] / ins["bandit"][0]
        recall_ratio = ins["emgen"][1] / max(ins["bandit"][1], 1)
        rows.append(
            ("ratio emgen / bandit, insecure", "", f"{time_ratio:.2f}x", f"{recall_ratio:.2f}x")
        )
        rows.append(
            (
                "secure answers flagged, emgen - bandit",
                "",
                "",
                str(sec["emgen"][1] - sec["bandit"][1]),
            )
        )

    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    header = ("answers", "tool", "time", "flagged")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
