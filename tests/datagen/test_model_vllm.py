"""`emgen build --backend vllm`: a real `vllm serve` of the tiny model writes code-pair
candidates under the same validators, within the candidate budget, and a rerun answers every
request from the reply cache without starting a server.

The tiny model cannot write a proven pair, so the build ends with the one-sentence generation
error naming what the validators rejected: what a user of a weak local model sees.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from emgen.datagen.models import CACHE_NAME
from emgen.schemas.shared.vllm_server import find_vllm_python
from tests._models import prepared_tiny

pytestmark = [pytest.mark.vllm, pytest.mark.slow]  # a real server start (about 90 s)

EMGEN = str(Path(sys.executable).parent / "emgen")
STARTING = "Starting a local vllm serve"


def _build(out: Path, cache: Path, model: Path) -> subprocess.CompletedProcess[str]:
    args = [EMGEN, "build", "--out", str(out), "--backend", "vllm", "--model", str(model),
            "--n", "1", "--max-candidates", "2", "--families", "sql_injection", "--dialogues",
            "0", "--documents", "0", "--numbers", "0", "--arithmetic", "0", "--quiet",
            # The tiny model fills whatever room it gets: at its 2048 tokens the four requests
            # took longer than this test's timeout on a CPU without AVX-512 (10 tokens/s).
            "--max-reply-tokens", "160"]  # fmt: skip
    # No graph compilation: the server starts in a minute instead of three.
    env = {**os.environ, "EMGEN_CACHE_DIR": str(cache), "EMGEN_VLLM_ARGS": "--enforce-eager"}
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=900)


def test_vllm_backend_proposes_validates_and_replays(tmp_path: Path) -> None:
    if find_vllm_python() is None:
        message = "no Python with vLLM found (run scripts/setup-vllm-env.sh)"
        if os.environ.get("EMGEN_REQUIRE_VLLM") == "1":
            pytest.fail(message + "; EMGEN_REQUIRE_VLLM=1 forbids skipping")
        pytest.skip(message)
    model, cache = prepared_tiny(), tmp_path / "cache"
    first = _build(tmp_path / "one", cache, model)
    assert first.returncode == 2, first.stderr
    assert STARTING in first.stderr
    found = re.search(r"only 0 of 1 code pairs passed validation after (\d+) candidates; "
                      r"rejections by reason: (.+)\.", first.stderr)  # fmt: skip
    assert found, first.stderr
    assert int(found.group(1)) == 2  # the budget, not a whole batch
    assert re.fullmatch(r"([a-z_]+ \d+)(, [a-z_]+ \d+)*", found.group(2))
    with sqlite3.connect(cache / CACHE_NAME) as db:
        replies = db.execute("SELECT COUNT(*) FROM replies").fetchone()[0]
    assert 2 <= replies <= 4  # one request per candidate, and one retry each at most
    assert (cache / "vllm-serve.log").is_file()
    assert not (tmp_path / "one").exists()  # nothing half-written

    # The same build again: every reply from the cache, no server, the same verdict.
    again = _build(tmp_path / "two", cache, model)
    assert again.returncode == 2, again.stderr
    assert STARTING not in again.stderr
    assert found.group(0) in again.stderr
