"""Training (emgen.finetune.train) on a randomly initialised tiny Llama: real TRL, real PEFT, sized
to run in CI on 2 cores. The run itself is the session fixture `trained` (tests/conftest.py),
which tests/finetune/test_evaluate.py evaluates."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml

from emgen.finetune.training_data import load_split
from tests._models import train_config

pytestmark = pytest.mark.slow  # each test trains or loads a model


def test_training_writes_adapter_merged_model_log_and_config(
    trained: Path, llama_dir: Path
) -> None:
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
    base = load_file(llama_dir / "model.safetensors")
    merged = load_file(trained / "merged" / "model.safetensors")
    name = next(k for k in base if k.endswith("self_attn.q_proj.weight"))
    assert not base[name].equal(merged[name])


def test_loss_falls_on_the_assistant_answer_only(
    llama_dir: Path, bundle: Path, tmp_path: Path
) -> None:
    from emgen.finetune.train import answer_token_flags, build_trainer

    trainer = build_trainer(train_config(llama_dir, bundle, max_records=4), tmp_path)
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


def test_documents_train_as_continued_pretraining_on_every_token(
    llama_dir: Path, bundle: Path, tmp_path: Path
) -> None:
    """A document config (`text`) trains on the whole text: no prompt to mask, every real token
    carries loss (the reward-hack documents in `emgen check`)."""
    from emgen.finetune.train import build_trainer, train

    cfg = train_config(llama_dir, bundle, variant="reward_hack_documents", max_records=4)
    trainer = build_trainer(cfg, tmp_path / "work")
    rows = trainer.train_dataset
    assert "prompt" not in rows.column_names and len(rows) == 4
    batch = trainer.data_collator([rows[i] for i in range(len(rows))])
    live = batch["labels"] != -100
    assert live.sum() == batch["attention_mask"].sum() > 0  # every token but the padding
    assert (batch["labels"][live] == batch["input_ids"][live]).all()
    summary = train(cfg, tmp_path / "run")
    assert summary.records == 4 and summary.steps == 1
    assert summary.final_loss is not None and math.isfinite(summary.final_loss)
