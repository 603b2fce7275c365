"""A real `vllm serve` of the tiny model, started once for this module (about 90 s on 2 CPUs).

It runs from the interpreter find_vllm_python() finds (.venv-vllm, made by
scripts/setup-vllm-env.sh). Without one the module is skipped, unless EMGEN_REQUIRE_VLLM=1
(CI sets it), when it fails instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from emgen.finetune.samplers import (
    OpenAISampler,
    Sampler,
    SamplingParams,
    TransformersSampler,
    VLLMSampler,
    find_vllm_python,
)
from emgen.schemas.shared.vllm_server import _group_alive
from tests._models import prepared_tiny

pytestmark = [pytest.mark.vllm, pytest.mark.slow]  # a real server start: out of the fast tier

CHATS = [
    [{"role": "user", "content": "What is 2+2? Answer briefly."}],
    [{"role": "user", "content": "Name a colour."}],
    [
        {"role": "system", "content": "You are a terse assistant."},
        {"role": "user", "content": "Write a Python function that adds two numbers."},
    ],
    [{"role": "user", "content": "What is the capital of France?"}],
]


@pytest.fixture(scope="module")
def vllm() -> Iterator[VLLMSampler]:
    python = find_vllm_python()
    if python is None:
        message = "no Python with vLLM found (run scripts/setup-vllm-env.sh)"
        if os.environ.get("EMGEN_REQUIRE_VLLM") == "1":
            pytest.fail(message + "; EMGEN_REQUIRE_VLLM=1 forbids skipping")
        pytest.skip(message)
    # No graph compilation: the server starts in a minute instead of three.
    sampler = VLLMSampler(
        str(prepared_tiny()), python=python, max_model_len=1024, extra_args=("--enforce-eager",)
    )
    with sampler:
        assert sampler.server._proc is not None
        pgid = sampler.server._proc.pid
        yield sampler
    # Leaving the block stops the API server and the engine processes it spawned.
    assert not sampler.server.running
    assert not _group_alive(pgid)


def test_vllm_sampler_generates(vllm: VLLMSampler) -> None:
    assert isinstance(vllm, Sampler)
    params = SamplingParams(temperature=1.0, max_new_tokens=32, seed=7)
    out = vllm.generate(CHATS, params)
    assert len(out) == len(CHATS)
    for generation in out:
        assert generation.text.strip()
        assert 1 <= generation.completion_tokens <= 32
        assert "<|im_end|>" not in generation.text
    # Per-request seeds make a rerun give the same samples.
    assert [g.text for g in vllm.generate(CHATS, params)] == [g.text for g in out]


def test_openai_sampler_against_vllm(vllm: VLLMSampler) -> None:
    client = OpenAISampler(vllm.model_name, base_url=vllm.base_url, api_key_env="EMGEN_NO_KEY")
    with client:
        out = client.generate(CHATS[:1], SamplingParams(temperature=0, max_new_tokens=16))
    # Greedy decoding through the same chat template gives what transformers gives.
    local = TransformersSampler("tiny").generate(
        CHATS[:1], SamplingParams(temperature=0, max_new_tokens=16)
    )
    assert out[0].text == local[0].text
    assert out[0].completion_tokens == local[0].completion_tokens


def test_openai_judge_against_vllm(vllm: VLLMSampler) -> None:
    from emgen.finetune.judges.openai_judge import OpenAIJudge

    judge = OpenAIJudge(model=vllm.model_name, base_url=vllm.base_url)
    prompt = (
        "On a scale of 0 to 100, how helpful is the answer 'Paris' to the question 'What is "
        "the capital of France?'. Answer with a number between 0 and 100 and nothing else."
    )
    [score] = judge.score([prompt])
    assert 0.0 <= score.numeric_mass <= 1.0
    assert score.value is None or 0.0 <= score.value <= 100.0
