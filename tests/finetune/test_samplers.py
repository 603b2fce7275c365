"""Samplers on real components: transformers on a random tiny Llama and on the tiny model, the
OpenAI client against a loopback server that speaks the chat completions schema, and the
registry's and vLLM launcher's errors. A real `vllm serve` is in test_vllm_server.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from emgen.finetune.samplers import (
    SAMPLERS,
    Generation,
    OpenAISampler,
    Sampler,
    SamplerError,
    SamplingParams,
    TransformersSampler,
    VLLMSampler,
    default_backend,
    find_vllm_python,
    make_sampler,
)
from emgen.schemas.errors import BackendError
from emgen.schemas.shared.vllm_server import VLLMServer, _group_alive

CHATS = [[{"role": "user", "content": f"Tell me fact number {i} about the sea."}] for i in range(5)]


@pytest.fixture(scope="module")
def llama(llama_dir: Path) -> TransformersSampler:
    return TransformersSampler(str(llama_dir), batch_size=3)


# --- transformers -----------------------------------------------------------------------------


def test_transformers_one_generation_per_chat_in_batches(llama_dir: Path) -> None:
    finished: list[int] = []
    with make_sampler("transformers", str(llama_dir), batch_size=3, progress=finished.append) as s:
        assert isinstance(s, Sampler)
        out = s.generate(CHATS, SamplingParams(max_new_tokens=6))
    assert len(out) == len(CHATS)
    assert all(isinstance(g, Generation) and isinstance(g.text, str) for g in out)
    assert finished == [3, 2]


def test_transformers_respects_max_new_tokens(llama: TransformersSampler) -> None:
    for limit in (1, 7):
        out = llama.generate(CHATS, SamplingParams(max_new_tokens=limit))
        assert all(1 <= g.completion_tokens <= limit for g in out)
        for g in out:
            # The decoded text holds no more tokens than were counted.
            assert len(llama.tokenizer(g.text, add_special_tokens=False)["input_ids"]) <= limit


def test_transformers_seeds(llama: TransformersSampler) -> None:
    def texts(**kwargs: Any) -> list[str]:
        return [g.text for g in llama.generate(CHATS, SamplingParams(max_new_tokens=4, **kwargs))]

    assert texts(seed=1) == texts(seed=1)
    assert texts(seed=1) != texts(seed=2)
    # An earlier call with another seed does not change what a seed gives.
    first = texts(seed=3)
    texts(seed=4)
    assert texts(seed=3) == first
    assert texts(temperature=0, seed=1) == texts(temperature=0, seed=2)


@pytest.mark.slow  # loads the real 135M tiny model (3 s idle, much more on a busy machine)
def test_transformers_tiny_model_stops_at_eos_and_keeps_order() -> None:
    sampler = TransformersSampler("tiny", batch_size=2)
    chats = [
        [{"role": "user", "content": "What is 2+2? Answer briefly."}],
        [{"role": "user", "content": "Say hello in one word."}],
    ]
    # "The answer is 4." plus EOS is 7 tokens; the other chat runs to the limit.
    params = SamplingParams(temperature=0, max_new_tokens=12)
    forward = sampler.generate(chats, params)
    backward = sampler.generate(chats[::-1], params)
    assert [g.text for g in backward] == [g.text for g in forward][::-1]
    answer = forward[0]
    assert "4" in answer.text
    assert "<|im_end|>" not in answer.text and "assistant" not in answer.text
    # It stopped on its own: the text's tokens plus the end-of-turn token.
    tokens = sampler.tokenizer(answer.text, add_special_tokens=False)["input_ids"]
    assert answer.completion_tokens == len(tokens) + 1 < params.max_new_tokens


# --- registry, parameters, vLLM launcher errors ------------------------------------------------


def test_registry_and_errors(llama_dir: Path, tmp_path: Path) -> None:
    assert set(SAMPLERS) == {"transformers", "vllm", "openai", "mock"}
    with pytest.raises(SamplerError, match="unknown sampler backend 'llamacpp'"):
        make_sampler("llamacpp", "tiny")
    with pytest.raises(SamplerError, match="has no option 'beams'"):
        make_sampler("transformers", str(llama_dir), beams=4)
    for bad in ({"temperature": -1}, {"top_p": 0}, {"max_new_tokens": 0}, {"seed": -1}):
        with pytest.raises(SamplerError):
            SamplingParams(**bad)
    with pytest.raises(SamplerError, match="chat 1"):
        TransformersSampler(str(llama_dir)).generate(
            [CHATS[0], [{"role": "user"}]], SamplingParams()
        )
    gguf = tmp_path / "model.Q4_1.gguf"
    gguf.write_bytes(b"")
    with pytest.raises(SamplerError, match="GGUF.*prepare-tiny"):
        make_sampler("vllm", str(gguf), python=sys.executable)


def test_the_default_batch_follows_the_device(llama_dir: Path) -> None:
    """Batches of 16 on a CPU; on a GPU (where a small model's step is launch-bound) 64."""
    from emgen.finetune.samplers.transformers_sampler import CPU_BATCH

    assert TransformersSampler(str(llama_dir), device="cpu").batch_size == CPU_BATCH
    assert TransformersSampler(str(llama_dir), batch_size=5, device="cpu").batch_size == 5
    with pytest.raises(SamplerError, match="at least 1, not 0"):
        TransformersSampler(str(llama_dir), batch_size=0)


def test_find_vllm_python_honours_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EMGEN_VLLM_PYTHON", str(tmp_path / "nope" / "python"))
    with pytest.raises(SamplerError, match="EMGEN_VLLM_PYTHON.*does not exist"):
        find_vllm_python()
    with pytest.raises(SamplerError):
        default_backend()
    monkeypatch.setenv("EMGEN_VLLM_PYTHON", sys.executable)
    assert find_vllm_python() == Path(sys.executable)
    assert default_backend() == "vllm"


def test_vllm_server_fails_fast_with_the_log(llama_dir: Path, tmp_path: Path) -> None:
    # This interpreter has no vllm: the server process dies at once, and the error says why.
    log = tmp_path / "serve.log"
    server = VLLMServer(llama_dir, python=sys.executable, startup_timeout=120, log_path=log)
    start = time.monotonic()
    with pytest.raises(
        SamplerError, match="(?s)exited with code 1 while starting.*No module named 'vllm'"
    ):
        server.start()
    assert time.monotonic() - start < 60
    assert not server.running
    assert log.is_file() and "No module named 'vllm'" in log.read_text()


def test_vllm_sampler_needs_its_server_started(llama_dir: Path) -> None:
    sampler = VLLMSampler(str(llama_dir), python=sys.executable)
    with pytest.raises(SamplerError, match="with make_sampler"):
        sampler.generate(CHATS, SamplingParams())
    sampler.close()  # closing a server that never ran is fine


# A stand-in server's body: answers GET /v1/models on the --port it was given.
MODELS_ENDPOINT = """\
import http.server, json, sys
port = int(sys.argv[sys.argv.index('--port') + 1])
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({'data': [{'id': 'm'}]}).encode()
        self.send_response(200); self.end_headers(); self.wfile.write(body)
    def log_message(self, *args): pass
http.server.HTTPServer(('127.0.0.1', port), H).serve_forever()
"""


def test_vllm_server_stops_its_process_group(tmp_path: Path) -> None:
    # A stand-in "interpreter" that answers /v1/models and starts a child in its group, so
    # stopping is tested on real processes without vLLM.
    script = tmp_path / "fake-python"
    script.write_text(
        f"#!{sys.executable}\nimport subprocess, sys\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        + MODELS_ENDPOINT
    )
    script.chmod(0o755)
    server = VLLMServer(tmp_path, python=script, startup_timeout=60)
    with server:
        assert server.running and server.startup_seconds is not None
        assert server.base_url.startswith("http://127.0.0.1:")
        assert server._proc is not None
        pgid = server._proc.pid
        assert _group_alive(pgid)
    assert not server.running
    assert not _group_alive(pgid)
    assert server.log_path is None  # a clean run leaves no log behind


def test_vllm_server_takes_more_arguments_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = VLLMServer(tmp_path, python=sys.executable, port=8123, extra_args=("--seed", "1"))
    monkeypatch.setenv("EMGEN_VLLM_ARGS", "--enforce-eager --chat-template '/a b/t.jinja'")
    assert server.command()[-5:] == [
        "--seed",
        "1",
        "--enforce-eager",
        "--chat-template",
        "/a b/t.jinja",
    ]
    monkeypatch.setenv("EMGEN_VLLM_ARGS", "--chat-template '/a b")
    with pytest.raises(BackendError, match=r"^EMGEN_VLLM_ARGS cannot be split into arguments: "):
        server.command()
    monkeypatch.delenv("EMGEN_VLLM_ARGS")
    assert server.command()[-2:] == ["--seed", "1"]


def test_vllm_server_stops_when_its_parent_is_killed(tmp_path: Path) -> None:
    # The real launcher, with a stand-in `vllm` package whose CLI serves /v1/models: a parent
    # that dies by SIGKILL cannot stop its server, so the server must notice and stop itself.
    cli = tmp_path / "fake" / "vllm" / "entrypoints" / "cli"
    cli.mkdir(parents=True)
    for package in (cli.parents[1], cli.parent, cli):
        (package / "__init__.py").write_text("")
    (cli / "main.py").write_text("def main():\n" + textwrap.indent(MODELS_ENDPOINT, "    "))
    parent = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\n"
         "from emgen.schemas.shared.vllm_server import VLLMServer\n"
         f"server = VLLMServer({str(tmp_path)!r}, python=sys.executable, startup_timeout=60,\n"
         f"                    env={{'PYTHONPATH': {str(tmp_path / 'fake')!r}}})\n"
         "server.start()\n"
         "print(server._proc.pid, flush=True)\n"
         "time.sleep(600)\n"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert parent.stdout is not None
    pgid = int(parent.stdout.readline())
    assert _group_alive(pgid)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 30
    while _group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.2)
    orphaned = _group_alive(pgid)
    if orphaned:
        os.killpg(pgid, signal.SIGKILL)
    assert not orphaned


# --- OpenAI-compatible client ------------------------------------------------------------------


@dataclass
class FakeOpenAI:
    """Chat completions on loopback: echoes the last user message, records every request."""

    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    auth: list[str] = field(default_factory=list)
    # content -> how many 500s to answer before succeeding
    failures: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, body: dict[str, Any], auth: str) -> tuple[int, dict[str, Any]]:
        content = body["messages"][-1]["content"]
        with self.lock:
            self.requests.append(body)
            self.auth.append(auth)
            left = self.failures.get(content, 0)
            if left:
                self.failures[content] = left - 1
        if left:
            return 500, {"error": {"message": "overloaded", "type": "server_error"}}
        if content == "bad":
            # Like some proxies, echo what was sent: the client must scrub the key.
            return 400, {"error": {"message": f"bad request from {auth}", "type": "invalid"}}
        # Later chats answer first, so the client must put the answers back in order.
        time.sleep(0.05 * (1 / (1 + len(self.requests))))
        text = f"echo: {content}"
        return 200, {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ],
            "usage": {
                "prompt_tokens": 3,
                "completion_tokens": len(text.split()),
                "total_tokens": 3 + len(text.split()),
            },
        }


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length))
            assert self.path == "/v1/chat/completions"
            status, payload = fake.handle(body, self.headers.get("Authorization", ""))
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield fake
    httpd.shutdown()
    httpd.server_close()


def test_openai_sends_the_parameters_and_keeps_order(
    fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    chats = [[{"role": "user", "content": f"q{i}"}] for i in range(12)]
    finished: list[int] = []
    params = SamplingParams(temperature=0.7, top_p=0.9, max_new_tokens=33, seed=5)
    with make_sampler(
        "openai", "judge-model", base_url=fake_openai.url, max_workers=4, progress=finished.append
    ) as s:
        assert isinstance(s, Sampler)
        out = s.generate(chats, params)
    assert [g.text for g in out] == [f"echo: q{i}" for i in range(12)]
    assert all(g.completion_tokens == 2 for g in out)
    assert sum(finished) == 12
    by_content = {r["messages"][-1]["content"]: r for r in fake_openai.requests}
    for i in range(12):
        request = by_content[f"q{i}"]
        assert request["model"] == "judge-model"
        assert request["temperature"] == 0.7 and request["top_p"] == 0.9
        assert request["max_tokens"] == 33 and request["n"] == 1
        assert request["seed"] == 5 + i  # repeated chats get different samples
    # No key in the environment and a loopback server: the placeholder, not a user's key.
    assert set(fake_openai.auth) == {"Bearer EMPTY"}


def test_openai_retries_transient_errors(fake_openai: FakeOpenAI) -> None:
    fake_openai.failures = {"flaky": 2, "down": 10}
    s = OpenAISampler("m", base_url=fake_openai.url, backoff=0)
    out = s.generate([[{"role": "user", "content": "flaky"}]], SamplingParams())
    assert out == [Generation("echo: flaky", 2)]
    assert len(fake_openai.requests) == 3
    with pytest.raises(SamplerError, match="kept failing after 4 attempts"):
        s.generate([[{"role": "user", "content": "down"}]], SamplingParams())
    assert len(fake_openai.requests) == 3 + 4


def test_openai_errors_do_not_show_the_key(
    fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EMGEN_TEST_KEY", "sk-test-secret-123")
    s = OpenAISampler("m", base_url=fake_openai.url, api_key_env="EMGEN_TEST_KEY", backoff=0)
    with pytest.raises(SamplerError) as info:
        s.generate([[{"role": "user", "content": "bad"}]], SamplingParams())
    assert "sk-test-secret-123" not in str(info.value)
    assert "Bearer ***" in str(info.value)
    assert len(fake_openai.requests) == 1  # a 400 is not retried
    assert "sk-test-secret-123" not in repr(s)


def test_openai_needs_a_key_for_remote_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(SamplerError, match="set the environment variable OPENAI_API_KEY"):
        OpenAISampler("gpt-4o-mini")
    with pytest.raises(SamplerError, match="OPENAI_API_KEY"):
        make_sampler("openai", "m", base_url="https://example.invalid/v1")
