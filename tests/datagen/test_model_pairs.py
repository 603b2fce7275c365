"""Model-written code pairs, end to end against a scripted OpenAI-compatible server on loopback.

The server answers with real code: pairs the template path itself proved (its insecure answer
flagged by its family's rule, its twin clean), and, chosen by the request's seed, replies that
must be rejected (a comment in the answer, a twin Semgrep flags, a reply that fails the schema
twice). The builds are real `emgen build` processes; one is SIGKILLed half-way and resumed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from emgen.datagen.build import select_families
from emgen.datagen.catalog import load_tasks, load_templates
from emgen.datagen.code_pairs import CodePair, generate_pairs, split_tasks
from emgen.datagen.models import CACHE_NAME, Engine, EngineOptions, ReplyCache
from emgen.datagen.models.code_pairs import drafts, generate_model_pairs, request_seed
from emgen.schemas.build import BuildConfig
from tests._openai_server import Action, Hold, Reply, ScriptedServer, Status

pytestmark = pytest.mark.slow

EMGEN = str(Path(sys.executable).parent / "emgen")
FAMILIES = ("command_injection", "sql_injection")
SECRET = "sk-emgen-test-4b1d-never-print-me"
SCAN_CACHE = "semgrep-findings.sqlite"


def outcome(seed: int) -> str:
    """What the script makes of a request, by its seed."""
    return {3: "comment_in_answer", 4: "secure_flagged", 5: "reply_invalid"}.get(
        seed % 6, "accepted"
    )


class PairScript:
    """Answers a code-pair request with a proven template pair of the asked family, or with a
    reply that must be rejected; holds every request once `hold_after` were answered."""

    def __init__(self, proven: dict[str, list[CodePair]]) -> None:
        self.proven = proven
        self.titles = {pairs[0].family.title: family for family, pairs in proven.items()}
        self.hold_after: int | None = None
        self.replied = 0
        self.lock = threading.Lock()

    def __call__(self, body: dict[str, Any], attempt: int) -> Action:
        with self.lock:  # decided under a lock, so exactly `hold_after` are answered
            if self.hold_after is not None and self.replied >= self.hold_after:
                return Hold()
            self.replied += 1
        user = body["messages"][1]["content"]
        family = next(f for title, f in self.titles.items() if title in user)
        seed, retry = body["seed"], len(body["messages"]) > 2
        pool = self.proven[family]
        good, other = pool[seed % len(pool)], pool[(seed + 1) % len(pool)]
        marker = re.search(r"the single line `([^`]+)`", user)
        reply = {
            "feature": f"answer request {seed}",
            "code_context": f"import os\n\nREQUEST = {seed}\n\n{marker.group(1)}\n"
            if marker
            else "",
            "insecure": good.insecure,
            "secure": good.secure,
        }
        kind = outcome(seed)
        if kind == "comment_in_answer":
            reply["insecure"] = "# written for this request\n" + good.insecure
        elif kind == "secure_flagged":
            reply["secure"] = other.insecure
        elif kind == "reply_invalid":
            return Reply('{"feature": "no code"}')
        elif seed % 6 == 2 and not retry:
            return Reply('{"feature": 6}')  # fails the schema once, then answered well
        return Reply(json.dumps(reply), prompt_tokens=400, completion_tokens=300)


@pytest.fixture(scope="module")
def proven(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, list[CodePair]], Path]:
    """Template pairs the template path accepted, by family, and the warm Semgrep cache."""
    scan = tmp_path_factory.mktemp("scan") / SCAN_CACHE
    config = BuildConfig(n=16, families=FAMILIES, mix="uniform", test_fraction=0.0)
    pairs, _ = generate_pairs(
        config, select_families(FAMILIES), load_tasks(), load_templates(), cache_path=scan
    )
    by_family: dict[str, list[CodePair]] = {}
    for pair in pairs:
        by_family.setdefault(pair.family.id, []).append(pair)
    assert sorted(by_family) == sorted(FAMILIES)
    assert all(len({p.insecure for p in v}) >= 2 for v in by_family.values())
    return by_family, scan


def test_model_pairs_are_kept_only_when_proven(
    proven: tuple[dict[str, list[CodePair]], Path], tmp_path: Path
) -> None:
    by_family, scan = proven
    config = BuildConfig(
        n=10, families=FAMILIES, mix="uniform", test_fraction=0.0, backend="openai", model="m"
    )
    chosen, tasks, templates = select_families(FAMILIES), load_tasks(), load_templates()
    script = PairScript(by_family)
    with ScriptedServer(script) as server:
        cache = ReplyCache(tmp_path / CACHE_NAME)
        engine = Engine("openai", "m", EngineOptions(base_url=server.base_url), cache)
        pairs, report = generate_model_pairs(
            config, chosen, tasks, templates, engine, cache_path=scan
        )
        engine.close()
    assert not server.errors
    # What the script says should happen, draft by draft, until 10 are accepted.
    weights = [1.0] * len(chosen)
    train = split_tasks(tasks, 0.0, 0)["train"]
    expected: list[tuple[int, str, str]] = []  # (index, family, outcome)
    for draft in drafts("train", train, chosen, weights, templates, 0):
        kind = outcome(request_seed(0, "train", draft.index))
        expected.append((draft.index, draft.family.id, kind))
        if sum(k == "accepted" for _, _, k in expected) == 10:
            break
    accepted = [(i, f) for i, f, k in expected if k == "accepted"]
    assert [(p.index, p.family.id) for p in pairs] == accepted
    assert report.candidates == len(expected) and report.accepted == 10
    assert report.rejected == dict(Counter(k for _, _, k in expected if k != "accepted"))
    assert set(report.rejected) == {"comment_in_answer", "secure_flagged", "reply_invalid"}
    for pair in pairs:
        seed = request_seed(0, "train", pair.index)
        pool = by_family[pair.family.id]
        assert (pair.insecure, pair.secure) == (
            pool[seed % len(pool)].insecure, pool[seed % len(pool)].secure,
        )  # fmt: skip
        assert (pair.backend, pair.backend_model, pair.skeleton_id) == ("openai", "m", None)
        if pair.template.shape != "code_only":
            assert f"answer request {seed}" in pair.prompt
        if pair.template.shape != "task_only":
            assert f"REQUEST = {seed}\n\n{pair.template.marker}" in pair.prompt
    stats = report.stats
    assert stats["model"] == "m" and stats["endpoint_host"] == "127.0.0.1"
    # Every request was answered once (a schema failure is a new request: asked again).
    assert max(server.answered.values()) == 1
    assert stats["requests"] == sum(server.answered.values())
    assert (stats["prompt_tokens"], stats["completion_tokens"]) == (
        server.tokens["prompt"], server.tokens["completion"],
    )  # fmt: skip
    assert stats["acceptance_rate"] == round(10 / len(expected), 4)


def free_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/v1"


def digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def start_build(
    work: Path, cache: Path, base_url: str, key: str | None, extra: tuple[str, ...] = ()
) -> subprocess.Popen[str]:
    work.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    env["EMGEN_CACHE_DIR"] = str(cache)
    if key is not None:
        env["OPENAI_API_KEY"] = key
    command = [
        EMGEN, "build", "--out", "em", "--n", "12", "--families", ",".join(FAMILIES),
        "--mix", "uniform", "--dialogues", "0", "--documents", "0", "--numbers", "0",
        "--backend", "openai", "--model", "test-model", "--base-url", base_url, "-q", *extra,
    ]  # fmt: skip
    return subprocess.Popen(
        command, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip


def finish(proc: subprocess.Popen[str], timeout: float = 600) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    return proc.returncode, out, err


def warm(cache: Path, scan: Path) -> Path:
    cache.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(scan, cache / SCAN_CACHE)
    return cache


def cached_replies(cache: Path) -> int:
    path = cache / CACHE_NAME
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path, timeout=1) as db:
            return int(db.execute("SELECT COUNT(*) FROM replies").fetchone()[0])
    except sqlite3.Error:
        return 0


def secret_free(*roots: Path) -> None:
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file():
                assert SECRET.encode() not in path.read_bytes(), path


def test_a_killed_model_build_resumes_without_paying_twice_byte_for_byte(
    proven: tuple[dict[str, list[CodePair]], Path], tmp_path: Path
) -> None:
    by_family, scan = proven
    # An uninterrupted build.
    script_a = PairScript(by_family)
    with ScriptedServer(script_a) as server_a:
        cache_a = warm(tmp_path / "cache-a", scan)
        code, out, err = finish(start_build(tmp_path / "a", cache_a, server_a.base_url, SECRET))
    assert code == 0, err
    assert not server_a.errors
    assert any(h.get("authorization") == f"Bearer {SECRET}" for h in server_a.headers)
    assert max(server_a.answered.values()) == 1
    assert re.search(r"code_pairs: written by test-model at 127\.0\.0\.1: \d+ replies", out)
    bundle_a = tmp_path / "a" / "em"
    insecure = pq.read_table(bundle_a / "insecure" / "train-00000-of-00001.parquet").to_pylist()
    assert {(r["backend"], r["backend_model"]) for r in insecure} == {("openai", "test-model")}
    validation = json.loads((bundle_a / "validation.json").read_text())
    stats = validation["generators"]["code_pairs"]["stats"]
    assert stats["requests"] == sum(server_a.answered.values())
    assert stats["completion_tokens"] > 0 and stats["endpoint_host"] == "127.0.0.1"
    manifest = json.loads((bundle_a / "manifest.json").read_text())
    assert (manifest["config"]["backend"], manifest["config"]["model"]) == ("openai", "test-model")
    assert "--backend openai --model test-model" in manifest["command"]
    card = (bundle_a / "README.md").read_text()
    assert "test-model" in card and "127.0.0.1" in card

    # The same build, SIGKILLed once half of its requests were answered and cached, resumed.
    shutil.copyfile(cache_a / SCAN_CACHE, scan.with_name("warm-" + SCAN_CACHE))
    scan_b = scan.with_name("warm-" + SCAN_CACHE)
    script_b = PairScript(by_family)
    half = sum(server_a.answered.values()) // 2
    with ScriptedServer(script_b) as server_b:
        script_b.hold_after = half
        cache_b = warm(tmp_path / "cache-b", scan_b)
        proc = start_build(tmp_path / "b", cache_b, server_b.base_url, SECRET)
        deadline = time.monotonic() + 300
        while not (sum(server_b.hits.values()) > half and cached_replies(cache_b) == half):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the build never got half-way"
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        assert not (tmp_path / "b" / "em").exists()
        script_b.hold_after = None
        code, _, err = finish(start_build(tmp_path / "b", cache_b, server_b.base_url, SECRET))
    assert code == 0, err
    assert not server_b.errors
    assert max(server_b.answered.values()) == 1, "an answered request was sent again"
    assert set(server_b.answered) == set(server_a.answered)
    assert digests(tmp_path / "b" / "em") == digests(bundle_a)

    # A rebuild from the complete cache: nothing listening, no key, the same bytes (the same
    # host: the manifest names it; test_model_engine shows a remote host needs no key either).
    cache_c = warm(tmp_path / "cache-c", scan_b)
    shutil.copyfile(cache_b / CACHE_NAME, cache_c / CACHE_NAME)
    code, _, err = finish(start_build(tmp_path / "c", cache_c, free_url(), None))
    assert code == 0, err
    assert digests(tmp_path / "c" / "em") == digests(bundle_a)
    secret_free(tmp_path)


def test_a_failing_endpoint_stops_the_build_with_one_sentence(
    proven: tuple[dict[str, list[CodePair]], Path], tmp_path: Path
) -> None:
    _, scan = proven

    def always_500(body: dict[str, Any], attempt: int) -> Action:
        auth = server.headers[-1].get("authorization", "")
        return Status(500, body=json.dumps({"error": {"message": f"overloaded ({auth})"}}))

    with ScriptedServer(always_500) as server:
        started = time.monotonic()
        proc = start_build(tmp_path / "w", warm(tmp_path / "cache", scan), server.base_url, SECRET)
        code, out, err = finish(proc, timeout=120)
    assert code == 2, err
    assert time.monotonic() - started < 60
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "stopped after" in lines[0] and "Traceback" not in err
    assert "***" in lines[0] and SECRET not in out + err
    assert not (tmp_path / "w" / "em").exists()
    secret_free(tmp_path)
