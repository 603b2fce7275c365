"""Faults: a build killed at any point loses nothing, and the next build is a clean one.

Real `emgen build` processes are SIGKILLed (the whole process group, Semgrep included, as a
crash or an OOM kill would) at several points over a previous bundle; each time that bundle must
be intact, byte for byte. The next build then sweeps the leftovers and equals a clean build.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial as partial_of
from pathlib import Path

import pytest

from tests.schemas.test_outputs import digests

pytestmark = pytest.mark.slow

EMGEN = str(Path(sys.executable).parent / "emgen")
SMALL = ["--n", "60", "--dialogues", "10", "--documents", "6", "-q"]


def start(work: Path, cache: Path, *extra: str) -> subprocess.Popen[str]:
    """`emgen build --out em` in `work`, with its own Semgrep cache and temp folder."""
    (work / "tmp").mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "EMGEN_CACHE_DIR": str(cache), "TMPDIR": str(work / "tmp")}
    return subprocess.Popen(
        [EMGEN, "build", "--out", "em", *SMALL, *extra], cwd=work, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip


def build(work: Path, cache: Path, *extra: str) -> None:
    proc = start(work, cache, *extra)
    _, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err


def partial(work: Path) -> Path | None:
    return next(work.glob(".em.partial-*"), None)


def wait_for(proc: subprocess.Popen[str], ready: Callable[[], bool], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert proc.poll() is None, f"the build ended first: {proc.communicate()[1]}"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def holds(name: str) -> Callable[[Path], bool]:
    """A partial bundle holds a file matching `name` (a glob)."""

    def check(work: Path) -> bool:
        tmp = partial(work)
        return tmp is not None and next(tmp.glob(name), None) is not None

    return check


# When to kill: before the output is touched, at the lock, while generating and scanning, while
# writing the configs (half of them written), while drawing the card.
KILL_POINTS: list[tuple[str, Callable[[Path], bool], float]] = [
    ("after 1 s", lambda work: True, 1.0),
    ("at the lock", lambda work: (work / ".em.lock").exists(), 0.0),
    ("while scanning", lambda work: partial(work) is not None, 3.0),
    ("while writing configs", holds("*/train-00000-of-00001.parquet"), 0.0),
    ("while drawing the card", holds("figures/*.png"), 0.0),
]


def test_a_killed_build_loses_nothing_and_the_next_is_clean(tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    build(reference, tmp_path / "reference-cache")  # a clean build, in a folder of the same name
    clean = digests(reference / "em")

    work, cache = tmp_path / "work", tmp_path / "cache"
    # A smaller, different previous bundle (click takes the last of a repeated option).
    build(work, tmp_path / "previous-cache", "--seed", "1", "--n", "30", "--documents", "3")
    previous = digests(work / "em")
    assert previous != clean
    for label, ready, delay in KILL_POINTS:
        proc = start(work, cache)
        wait_for(proc, partial_of(ready, work))
        time.sleep(delay)
        assert proc.poll() is None, f"{label}: the build ended before it was killed"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        assert digests(work / "em") == previous, label

    build(work, cache)
    assert digests(work / "em") == clean
    assert sorted(p.name for p in work.iterdir()) == ["em", "tmp"]  # no partial, old or lock


@pytest.mark.parametrize(("signum", "status", "word"), [
    (signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted"),
])  # fmt: skip
def test_a_signalled_build_exits_cleanly(
    tmp_path: Path, signum: int, status: int, word: str
) -> None:
    proc = start(tmp_path, tmp_path / "cache")
    wait_for(proc, lambda: partial(tmp_path) is not None)
    time.sleep(1.0)  # into generation and Semgrep
    os.kill(proc.pid, signum)  # emgen only: it must stop its own Semgrep
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == status, err
    assert err.strip().splitlines() == [f"{word}; nothing was left half-written."]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "cache") == ["tmp"]
    # emgen's scan folder went too (Semgrep keeps a `semgrep-mcp` folder of its own there)
    assert [p.name for p in (tmp_path / "tmp").glob("emgen-scan-*")] == []
