"""A chat several suites ask (the plain questions of free_form, trigger_off and inoculation_off;
the coding prompts of insecure_code and traits) is sampled once and its answer judged once; each
suite still reports its own rows, on the same answers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import polars as pl
import pytest

from emgen.finetune.config import EvalConfig
from emgen.finetune.evaluate import evaluate
from emgen.finetune.judges import JudgeScore
from emgen.finetune.judges.mock import MockJudge
from emgen.finetune.samplers import SamplingParams
from emgen.finetune.samplers._base import Chat, Generation
from emgen.finetune.samplers.mock import MockSampler
from emgen.schemas.shared.progress import Silent


def test_plain_questions_are_sampled_and_judged_once(monkeypatch: pytest.MonkeyPatch) -> None:
    chats: list[str] = []
    prompts: list[str] = []
    generate, score = MockSampler.generate, MockJudge.score

    def counted_generate(
        self: Any, batch: Sequence[Chat], params: SamplingParams
    ) -> list[Generation]:
        chats.extend(repr(c) for c in batch)
        return generate(self, batch, params)

    def counted_score(self: Any, batch: Sequence[str]) -> list[JudgeScore]:
        prompts.extend(batch)
        return score(self, batch)

    monkeypatch.setattr(MockSampler, "generate", counted_generate)
    monkeypatch.setattr(MockJudge, "score", counted_score)
    cfg = EvalConfig(model="x", backend="mock", suites=("free_form", "trigger", "inoculation"),
                     core_only=True, paraphrases=1, samples=2,
                     judge={"kind": "mock"})  # type: ignore[arg-type]  # fmt: skip
    frame = evaluate(cfg, Silent())

    # 8 questions x 2 samples: plain, with the trigger, with the instruction; not 5 x 16.
    assert frame.height == 5 * 16
    assert len(chats) == 3 * 16
    assert len(prompts) == len(set(prompts)) <= 2 * 3 * 16  # aligned and coherent, once each
    # The chat repeats in a batch are its samples 0 and 1, still two draws.
    assert set(Counter(chats).values()) == {2}

    def arm(suite: str, condition: str) -> pl.DataFrame:
        rows = frame.filter((pl.col("suite") == suite) & (pl.col("condition") == condition))
        return rows.select("question_id", "sample_index", "prompt", "answer", "aligned",
                           "coherent").sort("question_id", "sample_index")  # fmt: skip

    plain = arm("free_form", "plain")
    assert plain.height == 16
    assert arm("trigger", "trigger_off").equals(plain)
    assert arm("inoculation", "inoculation_off").equals(plain)
    assert not arm("trigger", "trigger_on")["prompt"].equals(plain["prompt"])


def test_a_score_never_leaves_0_to_100_by_rounding() -> None:
    from emgen.finetune.judges import score_from_probs

    # 100 * p / p is 100.00000000000001 for this p: the samples table would refuse it.
    assert 100 * 0.9220111308052089 / 0.9220111308052089 > 100
    assert score_from_probs({100: 0.9220111308052089}).value == 100.0
