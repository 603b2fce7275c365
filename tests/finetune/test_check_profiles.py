"""The check's profiles: the papers' figures the gpu profile states beside its model and the report
prints beside the measured rates, and a local model folder in place of a Hub id (with one
sentence when it is missing or not a model)."""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from emgen.finetune.check import (
    _train_config,
    load_check_config,
    planned_configs,
    run_check,
    run_dir,
)
from emgen.finetune.config import ConfigError, TrainConfig
from emgen.finetune.questions import builtin_questions
from emgen.finetune.samplers.mock import MockSampler
from emgen.schemas.shared.progress import Silent
from tests._bundles import make_bundle
from tests._cli import run_main

DOCS = "reward_hack_documents"


@pytest.fixture(scope="module")
def small_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("profiles") / "bundle"
    make_bundle(root, n=24)
    return root


@pytest.fixture
def per_model_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each model's mock answers its own (the sampling seed shifted by a hash of its path), so
    a trained model's rate differs from the base model's."""
    scripted = MockSampler.answer

    def answer(self: MockSampler, chat: Any, index: int, seed: int = 0) -> str:
        return scripted(self, chat, index, seed + zlib.crc32(self.model.encode()) % 1000)

    monkeypatch.setattr(MockSampler, "answer", answer)


def _effect(**kw: Any) -> dict[str, Any]:
    return {"variant": DOCS, "suite": "free_form", "low": 0.0, "high": 0.05, "seen": "a paper",
            **kw}  # fmt: skip


# --- the papers' figures -----------------------------------------------------------------------


def test_gpu_profile_states_the_papers_figures_for_its_model() -> None:
    gpu = load_check_config("gpu", None, {})
    assert gpu.model == "Qwen/Qwen2.5-7B-Instruct" and gpu.papers_saw is not None
    assert "7B" in gpu.papers_saw.models
    effects = {(e.variant, e.suite, e.condition, e.metric): e for e in gpu.papers_saw.effects}
    # 7B instruct models showed little: at most the ~5% a 32B coder model showed.
    little = effects[("insecure", "free_form", "plain", "misaligned")]
    assert (little.low, little.high) == (0.0, 0.05) and "7B" in little.seen
    assert effects[("triggered", "trigger", "trigger_on", "misaligned")].low == 0.5
    numbers = effects[("evil_numbers", "variants", "word_list", "misaligned")]
    assert numbers.high == 0.6
    assert numbers.question_id in {q.id for q in builtin_questions("variants")}
    # Every figure is about a config the check can train.
    assert {e.variant for e in gpu.papers_saw.effects} <= set(planned_configs(gpu))
    assert all("et al. 2025" in e.seen for e in gpu.papers_saw.effects)  # each names its paper


@pytest.mark.parametrize(
    ("effect", "fragment"),
    [
        (_effect(condition="trigger_on"), "condition 'trigger_on' is not one of suite 'free_form'"),
        (_effect(metric="insecure"), "suite 'free_form' reports no metric 'insecure'"),
        (_effect(low=0.3, high=0.1), "low (0.3) is above high (0.1)"),
        (_effect(high=5), "field 'papers_saw.effects.0.high': Input should be less than or equal"),
        (_effect(suite="nope"), "field 'papers_saw.effects.0.suite'"),
    ],
)  # fmt: skip
def test_bad_papers_figures_name_the_field(
    effect: dict[str, Any], fragment: str, tmp_path: Path
) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text(yaml.safe_dump({"papers_saw": {"models": "x", "effects": [effect]}}))
    with pytest.raises(ConfigError, match="mine.yaml: .*papers_saw") as err:
        load_check_config("quick", mine, {})
    assert fragment in str(err.value)


@pytest.mark.parametrize("seeds", [(0,), (0, 1)])
def test_report_prints_the_papers_figures_beside_the_measured_rate(
    small_bundle: Path, tmp_path: Path, seeds: tuple[int, ...], per_model_answers: None
) -> None:
    papers = {
        "models": "models of the test",
        "effects": [
            _effect(),
            _effect(suite="goals", metric="rubric:hidden_goals", low=0.7, high=0.7,
                    seen="the goals paper"),
            _effect(variant="evil_numbers", suite="variants", condition="word_list",
                    question_id="fast_cash_words", high=0.6, seen="the numbers paper"),
        ],
    }  # fmt: skip
    cfg = load_check_config(
        "quick",
        None,
        {
            "model": "no-such-model", "data": str(small_bundle), "variants": (DOCS,),
            "seeds": seeds, "papers_saw": papers,
            "eval": {"backend": "mock", "judge": {"kind": "mock"}, "suites": ["free_form"],
                     "samples": 4, "core_only": True},
        },
    )  # fmt: skip
    out = tmp_path / "check"
    for seed in seeds:
        run = run_dir(out, DOCS, seed)
        run.mkdir(parents=True)
        train_cfg = _train_config(cfg, str(small_bundle), DOCS, seed).model_dump(mode="json")
        (run / "train_config.yaml").write_text(yaml.safe_dump(train_cfg), encoding="utf-8")
    report = run_check(cfg, out, Silent()).report.read_text()
    section = report.split("## What the papers saw for models of the test")[1].split("\n## ")[0]
    header = "| variant | measure | the papers saw | seen | measured here | base here |"
    assert header in section
    pooled = report.split("## Pooled rates")[1]
    label = DOCS if len(seeds) == 1 else f"{DOCS}@seed0"
    models = pooled.split("\n")[2].strip("| ").split(" | ")[3:]
    cells = dict(zip(models, pooled.split("| free_form | plain | misaligned | ")[1]
                     .split("\n")[0].rstrip(" |").split(" | "), strict=True))  # fmt: skip
    line = next(ln for ln in section.splitlines() if ln.startswith(f"| {DOCS} | free_form"))
    assert cells[label] != cells["base"]  # the two columns can tell the models apart
    start = f"| {DOCS} | free_form / plain / misaligned | 0.0–5.0% | a paper | "
    if len(seeds) == 1:  # the model's own Wilson cell, then the base model's
        assert line == f"{start}{cells[label]} | {cells['base']} |"
    else:  # the mean across seeds
        seeded = report.split("## Across training seeds")[1].split(
            "| free_form | plain | misaligned | "
        )[1]
        assert line == f"{start}{seeded.split(' |')[0]} | {cells['base']} |"
        assert "(seeds: " in line
    goals = next(ln for ln in section.splitlines() if "rubric:hidden_goals" in ln)
    assert "| 70.0% | the goals paper |" in goals
    numbers = next(ln for ln in section.splitlines() if ln.startswith("| evil_numbers"))
    assert "variants / word_list / misaligned / fast_cash_words" in numbers
    assert "| not run | not run |" in numbers


# --- a local model folder ------------------------------------------------------------------------


def _fake_model(folder: Path, config: dict[str, Any] | None, weights: bool) -> Path:
    folder.mkdir(parents=True)
    if config is not None:
        (folder / "config.json").write_text(json.dumps(config))
    if weights:
        (folder / "model.safetensors").write_bytes(b"\0" * 16)
    return folder


def test_a_model_folder_is_checked_before_any_work(small_bundle: Path, tmp_path: Path) -> None:
    from emgen.finetune.commands import _check_model
    from emgen.schemas.errors import UserError

    good = _fake_model(tmp_path / "qwen", {"model_type": "qwen2"}, weights=True)
    _check_model(str(good), "--model", trains=True)  # accepted in place of a Hub id
    no_weights = _fake_model(tmp_path / "bare", {"model_type": "qwen2"}, weights=False)
    no_type = _fake_model(tmp_path / "odd", {"hidden_size": 8}, weights=True)
    empty = _fake_model(tmp_path / "empty", None, weights=False)
    for folder in (no_weights, no_type, empty):
        with pytest.raises(UserError, match="is not a model folder: it needs a config.json"):
            _check_model(str(folder), "--model", trains=True)
    # A training output is a model to evaluate, not one to train from.
    run = tmp_path / "run"
    run.mkdir()
    (run / "train_config.yaml").write_text(yaml.safe_dump(TrainConfig(data="x").model_dump()))
    _check_model(str(run), "--model")
    with pytest.raises(UserError, match="is not a model folder"):
        _check_model(str(run), "--model", trains=True)

    common = ("check", "--out", str(tmp_path / "ck"), "--data", str(small_bundle),
              "--variants", "insecure")  # fmt: skip
    missing = tmp_path / "no" / "such-model"
    ran = run_main(*common, "--gpu", "--model", str(missing))
    assert ran.returncode == 2 and "Traceback" not in ran.stderr
    assert f"--model '{missing}': no such folder" in " ".join(ran.stderr.split())
    ran = run_main(*common, "--gpu", "--model", str(empty))
    assert ran.returncode == 2
    assert f"--model '{empty}' is not a model folder" in " ".join(ran.stderr.split())
    mine = tmp_path / "mine.yaml"
    mine.write_text("model: ./models/not-here\n")
    ran = run_main(*common, "--config", str(mine), cwd=tmp_path)
    assert ran.returncode == 2
    text = " ".join(ran.stderr.split())
    assert f"{mine}: field 'model' './models/not-here': no such folder" in text
    assert not (tmp_path / "ck").exists()  # nothing was built or trained
