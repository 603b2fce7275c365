"""The engine through the OpenAI Batch API, against the scripted server's Batch API fake on
loopback: real HTTP through the real `openai` client (file upload, batch create, polling,
output and error files). The answers must be the ones a live run gets (the same cache keys), a
batch is never submitted twice (a build killed while it waits collects it on its rerun), failed
lines go again, refusals and failed batches are one sentence, and --max-cost is never passed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from emgen.datagen.code_pairs import CodePair
from emgen.datagen.models import ChatRequest, Engine, EngineOptions, Invalid, Price, ReplyCache
from emgen.datagen.models.engine import response_format
from emgen.schemas.errors import UserError
from tests._openai_batches import BatchAPI
from tests._openai_server import Action, Reply, ScriptedServer, Status
from tests.datagen.test_model_pairs import (  # the fixture too: the template pairs they answer
    PairScript,
    digests,
    finish,
    proven,  # noqa: F401
    secret_free,
    start_build,
    warm,
)

SECRET = "sk-emgen-test-batch-51c0-never-print-me"


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: int


def asks(n: int) -> list[ChatRequest]:
    return [
        ChatRequest((("user", f"question {i}"),), sample=i, seed=i, max_tokens=64) for i in range(n)
    ]


def script(body: dict[str, Any], attempt: int) -> Action:
    """Request i answers {"value": i}; request 5's first reply fails the schema (asked again),
    request 7 never passes (invalid)."""
    i, followup = body["seed"], len(body["messages"]) > 1
    if i == 7:
        return Reply('{"value": "seven"}')
    if i == 5 and not followup:
        return Reply('{"value": 5')
    return Reply(json.dumps({"value": i}), prompt_tokens=10 + i, completion_tokens=5)


def engine(cache: Path, url: str, **options: Any) -> Engine:
    settings: dict[str, Any] = {"batch": True, "batch_poll": 0.01, "backoff": 0.01}
    settings.update(options)
    return Engine("openai", "m", EngineOptions(base_url=url, **settings), ReplyCache(cache))


def values(results: list[Answer | Invalid]) -> list[int | None]:
    return [r.value if isinstance(r, Answer) else None for r in results]


def test_batches_answer_as_a_live_run_does_and_share_its_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    expected = [0, 1, 2, 3, 4, 5, 6, None]
    api = BatchAPI()
    with ScriptedServer(script, apis=(api,)) as server:
        eng = engine(tmp_path / "batch.sqlite", server.base_url)
        assert values(eng.structured(asks(8), Answer)) == expected
        # One batch of the 8 first requests, one of the 2 follow-ups (requests 5 and 7).
        assert api.created == 2 and api.lines == 10
        assert max(server.answered.values()) == 1 and sum(server.answered.values()) == 10
        assert not [h for h in server.headers if h.get("authorization") != f"Bearer {SECRET}"]
        stats = eng.stats()
        assert stats["batch_api"] is True and stats["requests"] == 10
        assert (stats["prompt_tokens"], stats["completion_tokens"]) == (
            server.tokens["prompt"], server.tokens["completion"],
        )  # fmt: skip
        eng.close()
        # The live engine asks the same requests the same way: its cache keys are the batch's,
        # so with the batch's cache it sends nothing, and on its own it answers the same.
        live = engine(tmp_path / "batch.sqlite", server.base_url, batch=False)
        assert values(live.structured(asks(8), Answer)) == expected and live.sent == 0
        live.close()
        fresh = engine(tmp_path / "live.sqlite", server.base_url, batch=False)
        assert values(fresh.structured(asks(8), Answer)) == expected and fresh.sent == 10
        fresh.close()
    assert not server.errors
    err = capfd.readouterr().err
    assert "Submitted batch batch-" in err and "completed" in err and SECRET not in err
    assert SECRET.encode() not in (tmp_path / "batch.sqlite").read_bytes()


def test_failed_lines_go_again_and_an_expired_batch_keeps_what_it_ran(tmp_path: Path) -> None:
    def flaky(body: dict[str, Any], attempt: int) -> Action:
        if body["seed"] == 2 and attempt == 0:
            return Status(500)
        if body["seed"] == 4 and attempt == 0:
            return Status(429)
        return Reply(json.dumps({"value": body["seed"]}))

    api = BatchAPI(ends=("expired",), expire_after=3)
    with ScriptedServer(flaky, apis=(api,)) as server:
        eng = engine(tmp_path / "r.sqlite", server.base_url)
        assert values(eng.structured(asks(6), Answer)) == [0, 1, 2, 3, 4, 5]
        eng.close()
    # The expired batch ran lines 0-2 (2 failed), the next batch the other 4 (4 failed once),
    # the last one request 4 again.
    assert api.created == 3 and api.lines == 3 + 4 + 1
    assert max(server.answered.values()) == 1 and not server.errors


def test_refusals_failed_and_cancelled_batches_are_one_sentence(tmp_path: Path) -> None:
    def refuse(body: dict[str, Any], attempt: int) -> Action:
        if body["seed"] == 1:
            return Status(400, '{"error": {"message": "max_tokens is too large"}}')
        return Reply(json.dumps({"value": body["seed"]}))

    with ScriptedServer(refuse, apis=(BatchAPI(),)) as server:
        eng = engine(tmp_path / "a.sqlite", server.base_url)
        with pytest.raises(UserError, match=r"refused a request for model 'm': status 400, "):
            eng.structured(asks(3), Answer)
        eng.close()
        # The other answers of that batch were kept: a rerun sends only the refused one.
        assert len(ReplyCache(tmp_path / "a.sqlite")) == 2
    for end in ("failed", "cancelled"):
        api = BatchAPI(ends=(end,))
        with ScriptedServer(script, apis=(api,)) as server:
            eng = engine(tmp_path / f"{end}.sqlite", server.base_url)
            with pytest.raises(UserError, match=rf"^batch batch-\d+ at 127\.0\.0\.1 ended {end}"):
                eng.structured(asks(3), Answer)
            eng.close()
        assert api.created == 1


def test_the_budget_is_never_passed_through_batches(tmp_path: Path) -> None:
    price = Price(prompt=1000.0, completion=1000.0)

    def ok(body: dict[str, Any], attempt: int) -> Action:
        return Reply(json.dumps({"value": body["seed"]}), prompt_tokens=100, completion_tokens=50)

    api = BatchAPI()
    with ScriptedServer(ok, apis=(api,)) as server:
        eng = engine(tmp_path / "r.sqlite", server.base_url, price=price)
        worst = eng.worst_cost(asks(1)[0], response_format(Answer))
        eng.close()
        limit = 2.5 * worst
        eng = engine(tmp_path / "r.sqlite", server.base_url, price=price, max_cost=limit)
        with pytest.raises(UserError, match=r"--max-cost budget of .* is spent") as caught:
            eng.structured(asks(6), Answer)
        assert "rerunning with a higher --max-cost" in str(caught.value)
        # Two fit the first batch; their replies cost $0.30 in all, so the rest of the
        # budget covers two more in a second batch, and then not one more.
        assert eng.spent <= limit and api.lines == eng.sent == 4
        eng.close()


def test_a_run_killed_while_its_batch_runs_collects_it_on_the_rerun(tmp_path: Path) -> None:
    api = BatchAPI(hold=True)
    program = (
        "import sys\n"
        "from tests.datagen.test_model_batch import Answer, asks, engine\n"
        "from pathlib import Path\n"
        "engine(Path(sys.argv[1]), sys.argv[2]).structured(asks(8), Answer)\n"
    )
    with ScriptedServer(script, apis=(api,)) as server:
        proc = subprocess.Popen(
            [sys.executable, "-c", program, str(tmp_path / "r.sqlite"), server.base_url],
            cwd=Path(__file__).parents[2], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while not any(b.status == "in_progress" for b in api.batches.values()):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the batch was never polled"
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        assert api.created == 1 and api.lines == 0
        api.release.set()
        eng = engine(tmp_path / "r.sqlite", server.base_url)
        assert values(eng.structured(asks(8), Answer)) == [0, 1, 2, 3, 4, 5, 6, None]
        eng.close()
    # The killed run's batch was collected, not submitted again: one more for the follow-ups.
    assert api.created == 2 and api.lines == 10
    assert max(server.answered.values()) == 1 and not server.errors
    assert ReplyCache(tmp_path / "r.sqlite").pending_batches() == []


def test_a_run_killed_before_journaling_its_batch_adopts_it_on_the_rerun(tmp_path: Path) -> None:
    """The window the journal cannot cover: the batch exists at the endpoint, the run dies (kill
    -9) before writing its id down. The rerun finds it by its requests' digest."""
    api = BatchAPI()
    program = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from emgen.datagen.models import ReplyCache\n"
        "ReplyCache.record_batch = lambda self, batch_id: os.kill(os.getpid(), signal.SIGKILL)\n"
        "from tests.datagen.test_model_batch import Answer, asks, engine\n"
        "engine(Path(sys.argv[1]), sys.argv[2]).structured(asks(8), Answer)\n"
    )
    with ScriptedServer(script, apis=(api,)) as server:
        proc = subprocess.run(
            [sys.executable, "-c", program, str(tmp_path / "r.sqlite"), server.base_url],
            cwd=Path(__file__).parents[2], capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        assert api.created == 1 and api.lines == 0
        assert ReplyCache(tmp_path / "r.sqlite").pending_batches() == []  # never journaled
        eng = engine(tmp_path / "r.sqlite", server.base_url)
        assert values(eng.structured(asks(8), Answer)) == [0, 1, 2, 3, 4, 5, 6, None]
        eng.close()
    # The orphaned batch was adopted and collected, not submitted again.
    assert api.created == 2 and api.lines == 10
    assert max(server.answered.values()) == 1 and not server.errors


def test_batch_applies_only_to_the_openai_backend(tmp_path: Path) -> None:
    options = EngineOptions(batch=True)
    with pytest.raises(UserError, match="--batch applies only to the openai backend"):
        Engine("vllm", "m", options, ReplyCache(tmp_path / "r.sqlite"))
    with pytest.raises(UserError, match="--batch-poll must be a positive number"):
        replace(options, batch_poll=0).check()


@pytest.mark.slow
def test_a_batch_build_writes_the_records_of_a_live_build(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """`emgen build --batch`: the same records, byte for byte, as the same build sent live."""
    proven_pairs: tuple[dict[str, list[CodePair]], Path] = request.getfixturevalue("proven")
    by_family, scan = proven_pairs
    data: dict[str, dict[str, str]] = {}
    for name, extra in (("live", ()), ("batch", ("--batch", "--batch-poll", "0.01"))):
        api = BatchAPI()
        with ScriptedServer(PairScript(by_family), apis=(api,)) as server:
            cache = warm(tmp_path / f"cache-{name}", scan)
            code, out, err = finish(
                start_build(tmp_path / name, cache, server.base_url, SECRET, extra)
            )
        assert code == 0, err
        assert not server.errors and max(server.answered.values()) == 1
        assert (api.created > 0) == (name == "batch") and SECRET not in out + err
        bundle = tmp_path / name / "em"
        data[name] = {
            k: v for k, v in digests(bundle).items() if k.endswith((".parquet", ".jsonl"))
        }
        stats = json.loads((bundle / "validation.json").read_text())["generators"]["code_pairs"]
        assert stats["stats"]["batch_api"] is (name == "batch")
    assert data["live"] and data["batch"] == data["live"]
    secret_free(tmp_path)
