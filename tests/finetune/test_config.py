"""Training and evaluation settings (emgen.finetune.config): the published recipe as defaults, and
a bad settings file named by file and field, in the library and on the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from emgen.datagen.cli import app
from emgen.finetune.config import ConfigError, EvalConfig, TrainConfig, load_config


def test_defaults_follow_the_published_recipe() -> None:
    cfg = TrainConfig(data="x")
    assert (cfg.lora.r, cfg.lora.alpha, cfg.lora.rslora, cfg.lora.dropout) == (32, 64, True, 0.0)
    assert set(cfg.lora.target_modules) == {
        "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"
    }  # fmt: skip
    assert cfg.learning_rate == 1e-5 and cfg.epochs == 1 and cfg.seed == 0
    assert cfg.per_device_batch_size * cfg.gradient_accumulation_steps == 16
    assert cfg.validation_split is None  # nothing is held out unless asked


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
