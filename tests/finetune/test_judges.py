"""Judges: the 0..100 expectation, logprob parsing, the OpenAI client against a real loopback
HTTP server, and the local judge's exact answer distribution on a tiny random Llama."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from emgen.finetune.judges import (
    JUDGES,
    Judge,
    JudgeError,
    JudgeScore,
    LocalJudge,
    OpenAIJudge,
    integer_token_value,
    make_judge,
    probs_from_top_logprobs,
    score_from_probs,
)
from emgen.schemas.errors import UserError

# ---------------------------------------------------------------- score_from_probs


def test_score_from_probs_hand_computed() -> None:
    assert score_from_probs({0: 0.5, 100: 0.5}) == JudgeScore(value=50.0, numeric_mass=1.0)
    score = score_from_probs({20: 0.1, 80: 0.3})
    assert score.value == pytest.approx(65.0)  # (2 + 24) / 0.4
    assert score.numeric_mass == pytest.approx(0.4)
    assert score_from_probs({7: 1.0}).value == 7.0


def test_score_from_probs_mass_threshold() -> None:
    assert score_from_probs({50: 0.25}).value == 50.0  # exactly min_mass is scored
    assert score_from_probs({10: 0.125, 30: 0.125}).value == 20.0
    low = score_from_probs({50: 0.2499})
    assert low.value is None
    assert low.numeric_mass == pytest.approx(0.2499)
    assert score_from_probs({50: 0.1}, min_mass=0.05).value == 50.0
    assert score_from_probs({}) == JudgeScore(value=None, numeric_mass=0.0)
    assert score_from_probs({}, min_mass=0.0).value is None  # nothing to average


def test_score_from_probs_ignores_keys_outside_range() -> None:
    score = score_from_probs({-5: 0.5, 101: 0.3, 40: 0.3})
    assert score.value == 40.0
    assert score.numeric_mass == pytest.approx(0.3)


# ---------------------------------------------------------------- token parsing


@pytest.mark.parametrize(
    ("token", "value"),
    [
        ("0", 0),
        ("7", 7),
        ("50", 50),
        (" 50", 50),
        ("50\n", 50),
        ("100", 100),
        ("101", None),
        ("-5", None),
        ("+5", None),
        ("3.5", None),
        ("05", None),
        ("007", None),
        ("00", None),
        ("CODE", None),
        ("REFUSAL", None),
        ("", None),
        (" ", None),
        ("5 0", None),
        ("\u0665", None),  # Arabic-Indic five: not a plain ASCII digit
        ("\u00b2", None),  # superscript two passes str.isdigit
        ("9" * 5000, None),  # longer than int() accepts by default
    ],
)
def test_integer_token_value(token: str, value: int | None) -> None:
    assert integer_token_value(token) == value


def test_probs_from_top_logprobs_merges_and_drops() -> None:
    pairs = [
        ("50", math.log(0.3)),
        (" 50", math.log(0.1)),
        ("CODE", math.log(0.2)),
        ("REFUSAL", math.log(0.1)),
        ("-5", math.log(0.05)),
        ("101", math.log(0.05)),
        ("3.5", math.log(0.05)),
        ("007", math.log(0.05)),
        ("0", math.log(0.1)),
    ]
    probs = probs_from_top_logprobs(pairs)
    assert probs.keys() == {50, 0}
    assert probs[50] == pytest.approx(0.4)
    assert probs[0] == pytest.approx(0.1)
    assert score_from_probs(probs).value == pytest.approx(40.0)


def test_refusal_like_distribution_has_no_score() -> None:
    pairs = [("I", math.log(0.8)), ("Sorry", math.log(0.05)), ("90", math.log(0.1))]
    score = score_from_probs(probs_from_top_logprobs(pairs))
    assert score.value is None
    assert score.numeric_mass == pytest.approx(0.1)


def test_very_negative_logprobs_count_as_zero() -> None:
    probs = probs_from_top_logprobs([("10", -9999.0), ("20", float("-inf")), ("30", 0.0)])
    assert probs == {10: 0.0, 20: 0.0, 30: 1.0}


# ---------------------------------------------------------------- registry


def test_registry_and_make_judge_errors() -> None:
    assert set(JUDGES) == {"openai", "local", "mock"}
    with pytest.raises(JudgeError, match="unknown judge kind 'gpt'; known: openai, local, mock"):
        make_judge("gpt", model="x")
    with pytest.raises(JudgeError, match="no option 'temperature'"):
        make_judge("openai", model="x", temperature=1.0)
    with pytest.raises(JudgeError, match="'model'"):
        make_judge("local")
    with pytest.raises(JudgeError, match="dtype"):
        make_judge("local", model="unused", dtype="int3")
    assert issubclass(JudgeError, UserError)


def test_import_is_lazy() -> None:
    code = (
        "import sys, emgen.finetune.judges; "
        "print(sorted(m for m in ('torch', 'transformers', 'openai') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------- OpenAI judge, real HTTP


@dataclass
class FakeServer:
    """A real OpenAI-compatible /v1/chat/completions endpoint on loopback (stdlib only)."""

    respond: Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    base_url: str = ""


def _completion(top: list[tuple[str, float]], *, logprobs: bool = True) -> dict[str, Any]:
    """A chat.completion body in OpenAI's schema with one generated token."""

    def entry(token: str, logprob: float) -> dict[str, Any]:
        return {"token": token, "logprob": logprob, "bytes": list(token.encode())}

    first = top[0][0] if top else ""
    choice: dict[str, Any] = {
        "index": 0,
        "message": {"role": "assistant", "content": first, "refusal": None},
        "finish_reason": "length",
        "logprobs": None,
    }
    if logprobs:
        choice["logprobs"] = {
            "content": [{**entry(*top[0]), "top_logprobs": [entry(t, lp) for t, lp in top]}],
            "refusal": None,
        }
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "judge-model",
        "system_fingerprint": "fp_test",
        "choices": [choice],
        "usage": {"prompt_tokens": 12, "completion_tokens": 1, "total_tokens": 13},
    }


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., FakeServer]]:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(var, raising=False)
    servers: list[ThreadingHTTPServer] = []

    def start(respond: Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]) -> FakeServer:
        state = FakeServer(respond)
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (stdlib name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with lock:
                    state.requests.append(body)
                    state.headers.append({k.lower(): v for k, v in self.headers.items()})
                    status, payload = (
                        (404, {"error": {"message": "not found"}})
                        if self.path != "/v1/chat/completions"
                        else state.respond(body)
                    )
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        state.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        return state

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


UNSET_KEY = "EMGEN_TEST_JUDGE_KEY_UNSET"


def test_openai_judge_scores_from_real_http(
    serve: Callable[..., FakeServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(UNSET_KEY, raising=False)
    top = [
        ("50", math.log(0.4)),
        (" 50", math.log(0.1)),
        ("80", math.log(0.2)),
        ("CODE", math.log(0.2)),
        ("I", math.log(0.05)),
    ]
    server = serve(lambda body: (200, _completion(top)))
    judge = OpenAIJudge("judge-model", base_url=server.base_url, api_key_env=UNSET_KEY)
    assert isinstance(judge, Judge)
    [score] = judge.score(["Rate this answer 0..100."])
    assert score.value == pytest.approx((50 * 0.5 + 80 * 0.2) / 0.7)
    assert score.numeric_mass == pytest.approx(0.7)

    [body] = server.requests
    assert body["model"] == "judge-model"
    assert body["messages"] == [{"role": "user", "content": "Rate this answer 0..100."}]
    assert body["max_tokens"] == 1
    assert body["logprobs"] is True
    assert body["top_logprobs"] == 20
    assert body["temperature"] == 0
    assert body["seed"] == 0
    # No key in the environment and a loopback server: the placeholder, as vLLM expects.
    assert server.headers[0]["authorization"] == "Bearer EMPTY"


def test_openai_judge_keeps_prompt_order_under_concurrency(
    serve: Callable[..., FakeServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(UNSET_KEY, raising=False)

    def respond(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        n = int(re.findall(r"\d+", body["messages"][0]["content"])[0])
        if n == 13:  # a refusal
            return 200, _completion([("I", math.log(0.9)), ("13", math.log(0.1))])
        return 200, _completion([(str(n), math.log(0.75)), ("x", math.log(0.25))])

    server = serve(respond)
    judge = make_judge(
        "openai", model="judge-model", base_url=server.base_url, api_key_env=UNSET_KEY,
        max_workers=4,
    )  # fmt: skip
    prompts = [f"answer {n}" for n in (90, 3, 13, 47, 0, 100, 64, 21, 8)]
    scores = judge.score(prompts)
    assert [s.value for s in scores] == [90, 3, None, 47, 0, 100, 64, 21, 8]
    assert scores[0].numeric_mass == pytest.approx(0.75)
    assert len(server.requests) == len(prompts)
    assert judge.score([]) == []


def test_openai_judge_without_logprobs_fails(
    serve: Callable[..., FakeServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(UNSET_KEY, raising=False)
    server = serve(lambda body: (200, _completion([("50", 0.0)], logprobs=False)))
    judge = OpenAIJudge("judge-model", base_url=server.base_url, api_key_env=UNSET_KEY)
    with pytest.raises(JudgeError, match="did not return logprobs"):
        judge.score(["Rate this."])


def test_openai_judge_retries_transient_errors(
    serve: Callable[..., FakeServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(UNSET_KEY, raising=False)
    calls = []

    def respond(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        calls.append(1)
        if len(calls) <= 2:
            return 503, {"error": {"message": "overloaded", "type": "server_error"}}
        if len(calls) == 3:
            return 429, {"error": {"message": "slow down", "type": "rate_limit"}}
        return 200, _completion([("70", 0.0)])

    server = serve(respond)
    judge = OpenAIJudge(
        "judge-model", base_url=server.base_url, api_key_env=UNSET_KEY, backoff=0.01
    )
    assert judge.score(["Rate this."])[0].value == 70.0
    assert len(calls) == 4

    always = serve(lambda body: (500, {"error": {"message": "broken"}}))
    judge = OpenAIJudge("judge-model", base_url=always.base_url, api_key_env=UNSET_KEY, backoff=0)
    with pytest.raises(JudgeError, match="after 5 attempts"):
        judge.score(["Rate this."])
    assert len(always.requests) == 5


def test_openai_judge_client_error_names_model_and_url_not_key(
    serve: Callable[..., FakeServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-test-0123456789abcdef"
    monkeypatch.setenv("EMGEN_TEST_JUDGE_KEY", secret)
    server = serve(
        lambda body: (401, {"error": {"message": f"Incorrect API key provided: {secret}"}})
    )
    judge = OpenAIJudge("judge-model", base_url=server.base_url, api_key_env="EMGEN_TEST_JUDGE_KEY")
    with pytest.raises(JudgeError) as info:
        judge.score(["Rate this."])
    message = str(info.value)
    assert "'judge-model'" in message
    assert server.base_url in message
    assert secret not in message
    assert secret not in repr(judge)
    assert len(server.requests) == 1  # not transient: no retry
    assert server.headers[0]["authorization"] == f"Bearer {secret}"


def test_openai_judge_needs_key_for_remote_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(UNSET_KEY, raising=False)
    # Raised while building the judge, before any client or connection exists.
    with pytest.raises(JudgeError, match=UNSET_KEY):
        OpenAIJudge("gpt-4o", base_url="https://judge.example.com/v1", api_key_env=UNSET_KEY)
    with pytest.raises(JudgeError, match=UNSET_KEY):
        make_judge("openai", model="gpt-4o", api_key_env=UNSET_KEY)
    for url in ("http://localhost:8000/v1", "http://127.0.0.5:1/v1", "http://[::1]:8000/v1"):
        OpenAIJudge("m", base_url=url, api_key_env=UNSET_KEY)


# ---------------------------------------------------------------- local judge, tiny Llama

TEMPLATE = (
    "{% for m in messages %}<|user|> {{ m['content'] }} {% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)
WORDS = [
    "rate",
    "the",
    "answer",
    "from",
    "0",
    "to",
    "100",
    "how",
    "aligned",
    "is",
    "this",
    "reply",
    "a",
    "it",
    "yes",
    "no",
    "score",
    "code",
]
PUNCT = [".", ",", "?", ":", "!"]
SPECIALS = ["<pad>", "<s>", "</s>", "<unk>", "<|user|>", "<|assistant|>"]
PROMPTS = [
    "rate the answer",
    "how aligned is this reply ? rate it from 0 to 100 .",
    "score : 42",
    "yes",
]


def _save_tiny_judge(path: Path, kind: str, extra_vocab: int = 0) -> Path:
    """A random tiny Llama with a real offline tokenizer: numbers split into digits
    ("digits"), 0..100 as whole tokens ("whole"), or a BPE where "10" is a token but "100"
    is "10" + "0" ("bpe")."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from tokenizers import Tokenizer, models, pre_tokenizers

    letters = sorted(set("".join(WORDS)) - set("0123456789"))
    if kind == "bpe":
        vocab_list = SPECIALS + list("0123456789") + letters + PUNCT + ["10", "at", "ate"]
        vocab = {t: i for i, t in enumerate(vocab_list)}
        merges = [("1", "0"), ("a", "t"), ("at", "e")]
        tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token="<unk>"))
        tok.pre_tokenizer = pre_tokenizers.Whitespace()
    else:
        numbers = [str(n) for n in range(101)] if kind == "whole" else list("0123456789")
        vocab_list = SPECIALS + numbers + [w for w in WORDS if not w.isdigit()] + PUNCT
        vocab = {t: i for i, t in enumerate(dict.fromkeys(vocab_list))}
        tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
        splitters: list[Any] = [pre_tokenizers.Whitespace()]
        if kind == "digits":
            splitters.insert(0, pre_tokenizers.Digits(individual_digits=True))
        tok.pre_tokenizer = pre_tokenizers.Sequence(splitters)
    tok.add_special_tokens(SPECIALS)
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>",
        pad_token="<pad>",
    )  # fmt: skip
    tokenizer.chat_template = TEMPLATE

    config = transformers.LlamaConfig(
        vocab_size=len(tokenizer) + extra_vocab, hidden_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, intermediate_size=128,
        max_position_embeddings=256, initializer_range=0.3, tie_word_embeddings=False,
    )  # fmt: skip
    torch.manual_seed(0)
    model = transformers.LlamaForCausalLM(config)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def _brute_force(path: Path, prompt: str) -> dict[int, float]:
    """p(n) by the definition: a full forward of prompt + tokens(n), no cache, no batching."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
    text = tokenizer.apply_chat_template(
        [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
    )
    prefix = tokenizer(text, add_special_tokens=False)["input_ids"]
    vocab = model.config.vocab_size
    digit_start = torch.tensor(
        [i < len(tokenizer) and str(tokenizer.decode([i]))[:1].isdigit() for i in range(vocab)]
    )
    answers = [tokenizer.encode(str(n), add_special_tokens=False) for n in range(101)]
    single = all(len(a) == 1 for a in answers)
    # Each row is prompt + tokens(n), right-padded; under causal attention a row's real
    # positions never see its padding, so this is 101 plain unpadded forwards in one call.
    width = len(prefix) + max(len(a) for a in answers)
    rows = torch.tensor([prefix + a + [0] * (width - len(prefix) - len(a)) for a in answers])
    with torch.no_grad():
        dists = torch.softmax(model(rows).logits.double(), dim=-1)
    probs = {}
    for n, answer in enumerate(answers):
        p = 1.0
        for k, token in enumerate(answer):
            p *= dists[n, len(prefix) - 1 + k, token].item()
        if not single:
            p *= dists[n, len(prefix) - 1 + len(answer)][~digit_start].sum().item()
        probs[n] = p
    return probs


@pytest.fixture(scope="module")
def tiny_judges(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("judges")
    return {
        "digits": _save_tiny_judge(root / "digits", "digits", extra_vocab=5),
        "whole": _save_tiny_judge(root / "whole", "whole"),
        "bpe": _save_tiny_judge(root / "bpe", "bpe"),
    }


@pytest.mark.parametrize("kind", ["digits", "bpe"])
def test_local_judge_matches_brute_force_on_split_numbers(
    tiny_judges: dict[str, Path], kind: str
) -> None:
    path = tiny_judges[kind]
    judge = LocalJudge(path, min_mass=0.0, batch_size=3)
    assert isinstance(judge, Judge)
    assert not judge.single_token
    if kind == "digits":
        assert judge._tokenizer.encode("57", add_special_tokens=False) == [
            judge._tokenizer.convert_tokens_to_ids(t) for t in "57"
        ]
    got = judge.answer_probs(PROMPTS)  # 4 prompts of different lengths: a padded batch
    for prompt, probs in zip(PROMPTS, got, strict=True):
        expected = _brute_force(path, prompt)
        assert sorted(probs) == list(range(101))
        assert sum(probs.values()) <= 1.0 + 1e-6
        for n in range(101):
            assert probs[n] == pytest.approx(expected[n], rel=1e-4, abs=1e-9), (prompt, n)
    # The same answers one prompt at a time: padding changes nothing.
    alone = LocalJudge(path, min_mass=0.0, batch_size=1).answer_probs(PROMPTS)
    for a, b in zip(alone, got, strict=True):
        assert [a[n] for n in range(101)] == pytest.approx([b[n] for n in range(101)], rel=1e-4)

    scores = judge.score(PROMPTS)
    for score, probs in zip(scores, got, strict=True):
        assert score == score_from_probs(probs, min_mass=0.0)
        assert score.value is not None and 0.0 <= score.value <= 100.0
    # Deterministic: the same call gives the same numbers.
    assert judge.score(PROMPTS) == scores


def test_local_judge_single_token_numbers_use_first_token(tiny_judges: dict[str, Path]) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = tiny_judges["whole"]
    judge = make_judge("local", model=str(path), batch_size=2, min_mass=0.0)
    assert isinstance(judge, LocalJudge)
    assert judge.single_token
    got = judge.answer_probs(PROMPTS)

    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
    for prompt, probs in zip(PROMPTS, got, strict=True):
        text = tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
        )
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            dist = torch.softmax(model(torch.tensor([ids])).logits[0, -1].double(), dim=-1)
        for n in range(101):
            [token] = tokenizer.encode(str(n), add_special_tokens=False)
            assert probs[n] == pytest.approx(dist[token].item(), rel=1e-4), (prompt, n)
        assert sum(probs.values()) <= 1.0 + 1e-6
    assert judge.score(PROMPTS) == [score_from_probs(p, min_mass=0.0) for p in got]
    assert judge.score([]) == []


def test_local_judge_without_chat_template(tmp_path: Path) -> None:
    from transformers import AutoTokenizer

    path = _save_tiny_judge(tmp_path / "plain", "digits")
    tokenizer = AutoTokenizer.from_pretrained(path)
    tokenizer.chat_template = None
    tokenizer.save_pretrained(path)
    (path / "chat_template.jinja").unlink(missing_ok=True)
    judge = LocalJudge(path, min_mass=0.0)
    assert not judge._tokenizer.chat_template
    [probs] = judge.answer_probs(["rate the answer"])
    assert 0.0 < sum(probs.values()) <= 1.0 + 1e-6


def test_local_judge_load_errors(tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    with pytest.raises(JudgeError, match="could not load"):
        LocalJudge(tmp_path / "missing")
    with pytest.raises(JudgeError, match="batch_size"):
        LocalJudge(tmp_path, batch_size=0)
