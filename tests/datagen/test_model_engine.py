"""The model engine against a scripted OpenAI-compatible server on loopback: real HTTP through
the real `openai` client, faults injected by the server (429 with Retry-After, 500, a timeout,
a body that is not JSON, a dropped connection, replies that fail the schema), the circuit
breaker, the budget, the cache, and the API key kept out of every message."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from emgen.datagen.models import (
    CachedReply,
    ChatRequest,
    Engine,
    EngineOptions,
    Invalid,
    Price,
    ReplyCache,
    price_for,
)
from emgen.datagen.models.engine import response_format
from emgen.schemas.errors import UserError
from emgen.schemas.shared.openai_client import open_client
from tests._openai_server import (
    Action,
    Drop,
    Hold,
    Malformed,
    Reply,
    ScriptedServer,
    Sleep,
    Status,
    request_id,
)

SECRET = "sk-emgen-test-9f3c2a7e-never-print-me"


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: int


def requests(n: int) -> list[ChatRequest]:
    return [ChatRequest((("user", f"question {i}"),), sample=i, seed=i) for i in range(n)]


def engine(tmp_path: Path, base_url: str, **options: Any) -> Engine:
    settings: dict[str, Any] = {"concurrency": 4, "timeout": 1.0, "backoff": 0.05}
    settings.update(options)
    cache = ReplyCache(tmp_path / "replies.sqlite")
    return Engine("openai", "test-model", EngineOptions(base_url=base_url, **settings), cache)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def faulty(body: dict[str, Any], attempt: int) -> Action:
    """Request i answers {"value": i}, after one fault chosen by i on its first attempt."""
    i = body["seed"]
    first = attempt == 0 and len(body["messages"]) == 1
    faults: dict[int, Action] = {
        1: Status(429, headers={"Retry-After": "1"}),
        2: Status(500),
        3: Sleep(2.0, Reply('{"value": 3}')),  # past the client's 1 s timeout
        4: Malformed(),
        5: Drop(),
        6: Reply('{"value": 6'),  # not JSON: asked again with the error, then accepted
    }
    if i == 7:
        return Reply('{"value": "seven"}')  # fails the schema twice: invalid
    if first and i in faults:
        return faults[i]
    return Reply(json.dumps({"value": i}), prompt_tokens=10 * i + 1, completion_tokens=i + 1)


def test_faults_are_retried_and_a_rerun_needs_no_network(tmp_path: Path) -> None:
    with ScriptedServer(faulty) as server:
        eng = engine(tmp_path, server.base_url)
        started = time.monotonic()
        results = eng.structured(requests(9), Answer)
        elapsed = time.monotonic() - started
    assert not server.errors
    assert [r.value if isinstance(r, Answer) else r for r in results[:7]] == list(range(7))
    assert isinstance(results[7], Invalid) and "value" in results[7].problem
    assert isinstance(results[8], Answer) and results[8].value == 8
    assert elapsed < 8, "the faults must not stall the run"
    # Retry-After was honoured: request 1's second attempt came a second after its first.
    times = [t for t, rid, _, _ in server.log if rid == request_id(_body(1))]
    assert len(times) == 2 and times[1] - times[0] >= 0.9
    # Each fault cost one extra attempt; 6 and 7 were asked again with the error (a new
    # conversation), 7 twice in all.
    by_seed = {i: server.hits[request_id(_body(i))] for i in range(9)}
    assert by_seed == {0: 1, 1: 2, 2: 2, 3: 2, 4: 2, 5: 2, 6: 1, 7: 1, 8: 1}
    assert sum(server.hits.values()) == 9 + 5 + 2  # 5 faults retried, 6 and 7 asked again
    stats = eng.stats()
    assert stats["requests"] == eng.sent == 11  # answered requests, each once
    assert stats["endpoint_host"] == "127.0.0.1" and stats["cost_usd"] is None
    eng.close()

    # A second engine on the same cache, with nothing listening: the same results, no request.
    again = engine(tmp_path, closed_port_url())
    assert again.structured(requests(9), Answer) == results
    assert again.sent == 0 and again.stats() == stats
    again.close()


def _body(i: int) -> dict[str, Any]:
    """The body the engine sends for requests(n)[i] with the Answer schema."""
    from emgen.datagen.models.engine import response_format

    return {
        "messages": [{"role": "user", "content": f"question {i}"}],
        "temperature": 1.0,
        "max_tokens": 2048,
        "seed": i,
        "response_format": response_format(Answer),
    }


def echo_key(
    body: dict[str, Any], attempt: int, *, code: int, headers: list[dict[str, str]]
) -> Action:
    auth = headers[-1].get("authorization", "")
    return Status(code, body=json.dumps({"error": {"message": f"bad request from {auth}"}}))


def test_breaker_stops_with_one_sentence_and_no_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EMGEN_TEST_KEY", SECRET)
    seen: list[dict[str, str]] = []

    def always_500(body: dict[str, Any], attempt: int) -> Action:
        return echo_key(body, attempt, code=500, headers=seen)

    with ScriptedServer(always_500) as server:
        seen = server.headers
        eng = engine(tmp_path, server.base_url, api_key_env="EMGEN_TEST_KEY", breaker=5)
        started = time.monotonic()
        with pytest.raises(UserError) as caught:
            eng.structured(requests(20), Answer)
        assert time.monotonic() - started < 10
    message = str(caught.value)
    assert message.startswith("stopped after ") and "failed requests in a row" in message
    assert "127.0.0.1" in message and "500" in message and "a rerun continues" in message
    assert SECRET not in message and "***" in message
    assert message.count(". ") == 0 and message.endswith(".")
    assert any(h.get("authorization") == f"Bearer {SECRET}" for h in server.headers)
    assert sum(server.hits.values()) < 20, "the breaker must stop before every request failed"


def test_a_refused_request_is_one_sentence_without_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EMGEN_TEST_KEY", SECRET)
    seen: list[dict[str, str]] = []

    def unauthorized(body: dict[str, Any], attempt: int) -> Action:
        return echo_key(body, attempt, code=401, headers=seen)

    with ScriptedServer(unauthorized) as server:
        seen = server.headers
        eng = engine(tmp_path, server.base_url, api_key_env="EMGEN_TEST_KEY")
        with pytest.raises(UserError, match="refused a request for model 'test-model'") as caught:
            eng.structured(requests(3), Answer)
    assert SECRET not in str(caught.value) and "***" in str(caught.value)
    assert SECRET not in (tmp_path / "replies.sqlite").read_bytes().decode("utf-8", "replace")


def test_budget_stops_cleanly_is_never_overspent_and_a_rerun_pays_only_for_the_rest(
    tmp_path: Path,
) -> None:
    def ok(body: dict[str, Any], attempt: int) -> Action:
        return Sleep(0.2, Reply(json.dumps({"value": body["seed"]}), 100, 50))

    price = Price(prompt=1000.0, completion=1000.0)  # $0.15 a reply
    with ScriptedServer(ok) as server:
        # Four in flight at once would spend $0.60; the budget holds each request's worst cost
        # until its reply is counted, so exactly two fit: $0.15 + worst, then $0.30 + worst.
        asks = [replace(r, max_tokens=100) for r in requests(5)]
        eng = engine(tmp_path, server.base_url, concurrency=4, price=price)
        worst = eng.worst_cost(asks[0], response_format(Answer))
        assert 0.15 < worst < 1.0
        eng.close()
        limit = 0.15 + worst + 0.01
        eng = engine(tmp_path, server.base_url, concurrency=4, max_cost=limit, price=price)
        with pytest.raises(
            UserError, match=rf"--max-cost budget of \${limit:.2f} is spent"
        ) as caught:
            eng.structured(asks, Answer)
        assert "rerunning with a higher --max-cost" in str(caught.value)
        assert sum(server.hits.values()) == 2
        assert eng.spent == pytest.approx(0.30) and eng.spent <= limit
        eng.close()
        more = engine(tmp_path, server.base_url, concurrency=4, max_cost=10.0, price=price)
        results = more.structured(asks, Answer)
        assert [r.value for r in results if isinstance(r, Answer)] == [0, 1, 2, 3, 4]
        assert sum(server.hits.values()) == 5 and more.sent == 3
        assert more.stats()["cost_usd"] == pytest.approx(0.75)
        more.close()


def test_max_reply_tokens_caps_each_request_its_key_and_the_stats(tmp_path: Path) -> None:
    def echo(body: dict[str, Any], attempt: int) -> Action:
        return Reply(json.dumps({"value": body["max_tokens"]}))

    asks = [replace(r, max_tokens=m) for r, m in zip(requests(2), (2048, 50), strict=True)]
    with ScriptedServer(echo) as server:
        capped = engine(tmp_path / "a", server.base_url, max_tokens=100)
        values = [getattr(r, "value", None) for r in capped.structured(asks, Answer)]
        assert values == [100, 50]
        assert capped.stats()["max_reply_tokens"] == 100
        capped.close()
        # Another cap is another question, not answered from the first one's cache; a request
        # already under both caps is the same question.
        cache_a = ReplyCache(tmp_path / "a" / "replies.sqlite")
        options = EngineOptions(base_url=server.base_url, timeout=1.0, max_tokens=60)
        other = Engine("openai", "test-model", options, cache_a)
        values = [getattr(r, "value", None) for r in other.structured(asks, Answer)]
        assert values == [60, 50]
        assert other.sent == 1
        other.close()


def test_max_cost_needs_a_price_and_the_table_matches_snapshots(tmp_path: Path) -> None:
    assert price_for("gpt-4o-mini-2024-07-18") == price_for("gpt-4o-mini") != price_for("gpt-4o")
    assert price_for("my-local-model") is None
    with pytest.raises(UserError, match="--max-cost needs the price of model 'test-model'"):
        engine(tmp_path, closed_port_url(), max_cost=1.0)


def test_a_remote_endpoint_without_a_key_fails_only_when_it_must_send(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EMGEN_TEST_KEY", raising=False)
    remote = "https://models.example.invalid/v1"
    cache = ReplyCache(tmp_path / "replies.sqlite")
    eng = Engine(
        "openai", "test-model", EngineOptions(base_url=remote, api_key_env="EMGEN_TEST_KEY"), cache
    )
    request = requests(1)[0]
    with pytest.raises(
        UserError, match="needs an API key: set the environment variable EMGEN_TEST_KEY"
    ):
        eng.complete(request)
    # Once the reply is in the cache, the same request needs neither key nor network.
    from emgen.datagen.models.cache import request_key

    key = request_key(
        {
            "backend": "openai", "model": "test-model", "messages": [["user", "question 0"]],
            "params": {"temperature": 1.0, "max_tokens": 2048, "seed": 0},
            "response_format": None, "sample": 0,
        }
    )  # fmt: skip
    cache.put(key, CachedReply('{"value": 0}', 3, 4))
    assert eng.complete(request) == CachedReply('{"value": 0}', 3, 4)
    assert eng.stats()["endpoint_host"] == "models.example.invalid"
    # Credentials typed into the URL never reach the message.
    typed = "https://me:sk-in-url-1@models.example.invalid/v1?api_key=sk-in-url-2#sk-in-url-3"
    with pytest.raises(UserError) as caught:
        open_client(typed, "EMGEN_TEST_KEY", 1.0, UserError, "sampling at {where} needs a key")
    assert "at https://models.example.invalid/v1 needs a key: set" in str(caught.value)
    assert "sk-in-url" not in str(caught.value) and "me:" not in str(caught.value)
    cache.close()


def test_the_cache_ignores_a_damaged_row_and_appends(tmp_path: Path) -> None:
    import sqlite3

    cache = ReplyCache(tmp_path / "replies.sqlite")
    cache.put("k", CachedReply("first", 1, 2))
    cache.close()
    with sqlite3.connect(tmp_path / "replies.sqlite") as db:
        db.execute("UPDATE replies SET value = replace(value, 'first', 'forged')")
    cache = ReplyCache(tmp_path / "replies.sqlite")
    assert cache.get("k") is None
    cache.put("k", CachedReply("second", 1, 2))
    assert cache.get("k") == CachedReply("second", 1, 2) and len(cache) == 2
    cache.close()
    (tmp_path / "folder.sqlite").mkdir()
    with pytest.raises(UserError, match="model reply cache .* cannot be used"):
        ReplyCache(tmp_path / "folder.sqlite")


EMGEN = str(Path(sys.executable).parent / "emgen")


@pytest.mark.slow  # eleven processes
@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        (["--backend", "openai"], "--model: the openai backend needs a model name."),
        (["--model", "gpt-4o-mini"], "--model: a model applies only with a model backend"),
        (["--backend", "llamacpp", "--model", "m"], "--backend: "),
        (
            ["--backend", "vllm", "--model", "m", "--base-url", "http://127.0.0.1:1/v1"],
            "--base-url applies only to the openai backend; vllm starts its own server.",
        ),
        (["--generators", "code_pairs,documents"], "--generators: generators apply only with"),
        (
            ["--backend", "openai", "--model", "m", "--generators", "sonnets"],
            "unknown model generator 'sonnets'; known: code_pairs",
        ),
        (["--backend", "openai", "--model", "m", "--generators", ","], "--generators ',' names no"),
        (["--max-cost", "5"], "--max-cost apply only with a model backend (--backend)."),
        (
            ["--backend", "openai", "--model", "m", "--price", "cheap"],
            "--price 'cheap' must be two numbers",
        ),
        (
            ["--backend", "openai", "--model", "m", "--concurrency", "0"],
            "--concurrency must be at least 1, not 0.",
        ),
        (
            ["--backend", "openai", "--model", "local-model", "--max-cost", "2"],
            "--max-cost needs the price of model 'local-model'",
        ),
        (
            ["--backend", "openai", "--model", "m", "--max-reply-tokens", "0"],
            "--max-reply-tokens must be at least 1, not 0.",
        ),
        (["--max-reply-tokens", "64"], "--max-reply-tokens apply only with a model backend"),
    ],
)
def test_bad_model_options_are_one_sentence(
    tmp_path: Path, options: list[str], fragment: str
) -> None:
    result = subprocess.run(
        [EMGEN, "build", "--out", str(tmp_path / "em"), "-q", *options],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert fragment in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_stops_a_build_waiting_on_the_model_at_once(tmp_path: Path) -> None:
    def hold(body: dict[str, Any], attempt: int) -> Action:
        return Hold()

    with ScriptedServer(hold) as server:
        proc = subprocess.Popen(
            [EMGEN, "build", "--out", str(tmp_path / "em"), "-q", "--backend", "openai",
             "--model", "m", "--base-url", server.base_url, "--n", "12"],
            env={**os.environ, "EMGEN_CACHE_DIR": str(tmp_path / "cache")},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while sum(server.hits.values()) < 8:  # every worker waits on a reply
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        started = time.monotonic()
        _, err = proc.communicate(timeout=30)
        assert time.monotonic() - started < 5, "the build waited for requests in flight"
    assert proc.returncode == 130 and "interrupted; nothing was left half-written." in err
    assert "Traceback" not in err and not (tmp_path / "em").exists()


def test_the_progress_line_shows_replies_in_flight_tokens_and_cost(tmp_path: Path) -> None:
    def slow(body: dict[str, Any], attempt: int) -> Action:
        return Sleep(0.3, Reply(json.dumps({"value": body["seed"]}), 100, 50))

    lines: list[str] = []
    with ScriptedServer(slow) as server:
        eng = engine(tmp_path, server.base_url, price=Price(1.0, 2.0), max_cost=5.0)
        eng.watch = lines.append
        eng.structured(requests(4), Answer)
        eng.close()
    flying = [int(re.search(r"(\d+) in flight", line).group(1)) for line in lines]  # type: ignore[union-attr]
    assert max(flying) == 4 and flying[-1] == 0
    assert lines[-1] == "4 replies (4 paid now), 0 in flight, 600 tokens, $0.0008 (budget $5.00)"
