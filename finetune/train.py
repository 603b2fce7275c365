"""Supervised LoRA finetuning of one bundle config with TRL's SFTTrainer.

Writes, atomically, into the output folder:
  adapter/             the PEFT adapter and the tokenizer
  merged/              the adapter merged into the base weights (only with `merge`)
  train_config.yaml    the resolved config (every default spelled out)
  train_log.jsonl      one line per logged optimiser step: loss, learning rate, grad norm
  train_summary.json   records, steps, tokens, seconds, tokens per second, final loss

Under `accelerate launch` every process trains; only the main process writes.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from emgen.finetune.config import ConfigError, TrainConfig
from emgen.finetune.models import load_model, load_tokenizer, resolve_model, save_model
from emgen.schemas.shared.io import atomic_dir

OUTPUT_MARKER = "train_config.yaml"


@dataclass(frozen=True)
class TrainSummary:
    model: str
    data: str
    variant: str
    records: int
    steps: int
    tokens: int
    seconds: float
    tokens_per_second: float
    final_loss: float | None
    out: str


def _is_main_process() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


def require_dtype(dtype: str) -> None:
    """Refuse, in one sentence and before any work, a half-precision dtype this machine cannot
    train in (transformers would stop with a traceback when the trainer is built)."""
    if dtype not in ("bfloat16", "float16"):
        return
    import torch

    if not torch.cuda.is_available():
        why = "torch sees no GPU on this machine"
    elif dtype == "bfloat16" and not torch.cuda.is_bf16_supported():
        why = "this GPU does not support it"
    else:
        return
    raise ConfigError(
        f"train: field 'dtype': {dtype} training needs a GPU that supports it, and {why}; "
        "set train.dtype to float32 or auto (on a CPU, `emgen check --quick` is the profile)."
    )


def _sft_config(cfg: TrainConfig, workdir: Path, has_eval: bool, chat: bool = True) -> Any:
    import torch
    from trl import SFTConfig

    bf16 = cfg.dtype == "bfloat16" or (cfg.dtype == "auto" and torch.cuda.is_available())
    return SFTConfig(
        output_dir=str(workdir),
        per_device_train_batch_size=cfg.per_device_batch_size,
        gradient_accumulation_steps=cfg.gradient_accumulation_steps,
        learning_rate=cfg.learning_rate,
        num_train_epochs=cfg.epochs,
        warmup_steps=cfg.warmup_steps,
        weight_decay=cfg.weight_decay,
        lr_scheduler_type=cfg.lr_scheduler,
        seed=cfg.seed,
        data_seed=cfg.seed,
        max_length=cfg.max_length,
        # Prompt/completion rows: loss on the assistant turn only. Document rows (`text`) are
        # continued pretraining: every token counts (said, not left to TRL reading the flag
        # as meant for prompt/completion rows only).
        completion_only_loss=chat,
        logging_steps=cfg.logging_steps,
        save_strategy="no",
        eval_strategy="epoch" if has_eval else "no",
        report_to=[],
        bf16=bf16,
        fp16=cfg.dtype == "float16",
        dataloader_num_workers=0,
        dataloader_pin_memory=torch.cuda.is_available(),
        gradient_checkpointing=cfg.gradient_checkpointing,
        disable_tqdm=False,
    )


def _lora_config(cfg: TrainConfig) -> Any:
    from peft import LoraConfig

    return LoraConfig(
        r=cfg.lora.r,
        lora_alpha=cfg.lora.alpha,
        lora_dropout=cfg.lora.dropout,
        use_rslora=cfg.lora.rslora,
        target_modules=list(cfg.lora.target_modules),
        bias="none",
        task_type="CAUSAL_LM",
    )


def _token_count(dataset: Any) -> int:
    if "input_ids" not in dataset.column_names:
        return 0
    return sum(len(ids) for ids in dataset["input_ids"])


def build_trainer(cfg: TrainConfig, workdir: Path, callbacks: list[Any] | None = None) -> Any:
    """The SFTTrainer for `cfg`, its data tokenised and masked, ready to `train()`."""
    from transformers import set_seed
    from trl import SFTTrainer

    from emgen.finetune.training_data import training_rows

    ref = resolve_model(cfg.model)
    subset_seed = cfg.seed if cfg.subset_seed is None else cfg.subset_seed
    train_rows = training_rows(cfg.data, cfg.variant, cfg.split, cfg.max_records, subset_seed)
    eval_rows = (
        training_rows(cfg.data, cfg.variant, cfg.validation_split, None, cfg.seed)
        if cfg.validation_split
        else None
    )
    set_seed(cfg.seed)  # before the adapter is created: its initial weights are random
    tokenizer = load_tokenizer(ref)
    trainer = SFTTrainer(
        model=load_model(ref, cfg.dtype),
        args=_sft_config(cfg, workdir, eval_rows is not None, "prompt" in train_rows.column_names),
        train_dataset=train_rows,
        eval_dataset=eval_rows,
        processing_class=tokenizer,
        peft_config=_lora_config(cfg),
        callbacks=callbacks or [],
    )
    if "prompt" in train_rows.column_names:
        _check_masked(trainer.train_dataset)
    return trainer


def answer_token_flags(dataset: Any) -> list[list[bool]]:
    """Per row, which tokens carry loss: TRL marks them in `labels` (-100 = ignored) or, in some
    versions, in `completion_mask`."""
    if "labels" in dataset.column_names:
        return [[label != -100 for label in row] for row in dataset["labels"]]
    if "completion_mask" in dataset.column_names:
        return [[bool(m) for m in row] for row in dataset["completion_mask"]]
    raise RuntimeError("SFTTrainer built no loss mask; the prompt would be trained on.")


def _check_masked(dataset: Any) -> None:
    """Fail loudly if TRL would train on the prompt: every row needs masked and live tokens."""
    for i, flags in enumerate(answer_token_flags(dataset)):
        if all(flags) or not any(flags):
            raise RuntimeError(f"training row {i}: its prompt or its answer is not masked right.")


def train(
    cfg: TrainConfig, out: Path, on_log: Callable[[dict[str, float]], None] | None = None
) -> TrainSummary:
    """Train a LoRA adapter on `cfg.variant` of `cfg.data` and write it under `out`."""
    from transformers import TrainerCallback

    require_dtype(cfg.dtype)
    log: list[dict[str, float]] = []

    class _Record(TrainerCallback):  # type: ignore[misc]
        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kw: Any) -> None:
            if logs and "loss" in logs:
                row = {"step": state.global_step, **{k: float(v) for k, v in logs.items()}}
                log.append(row)
                if on_log:
                    on_log(row)

    with tempfile.TemporaryDirectory(prefix="emgen-train-") as workdir:
        trainer = build_trainer(cfg, Path(workdir), [_Record()])
        tokens = _token_count(trainer.train_dataset) * cfg.epochs
        start = time.perf_counter()
        result = trainer.train()
        seconds = time.perf_counter() - start
        summary = TrainSummary(
            model=resolve_model(cfg.model).label,
            data=cfg.data,
            variant=cfg.variant,
            records=len(trainer.train_dataset),
            steps=int(result.global_step),
            tokens=int(tokens),
            seconds=round(seconds, 3),
            tokens_per_second=round(tokens / seconds, 1) if seconds else 0.0,
            final_loss=log[-1]["loss"] if log else None,
            out=str(out),
        )
        if _is_main_process():
            _write_outputs(trainer, trainer.processing_class, cfg, log, summary, out)
        del trainer, result
    _give_back_memory()
    return summary


def _give_back_memory() -> None:
    """Return the memory training freed to the system. glibc keeps freed blocks for reuse, so
    without this a process that trains and then samples (emgen check) holds training's peak
    for the rest of its run."""
    import contextlib
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def is_training_output(folder: Path) -> bool:
    """Whether `folder` is provably a training output: its train_config.yaml parses as ours."""
    try:
        TrainConfig.model_validate(yaml.safe_load((folder / OUTPUT_MARKER).read_bytes()))
    except (OSError, ValueError, yaml.YAMLError):  # ValidationError is a ValueError
        return False
    return True


def _write_outputs(
    trainer: Any,
    tokenizer: Any,
    cfg: TrainConfig,
    log: list[dict[str, float]],
    summary: TrainSummary,
    out: Path,
) -> None:
    with atomic_dir(out, is_training_output, "an emgen training output") as tmp:
        trainer.model.save_pretrained(tmp / "adapter")
        tokenizer.save_pretrained(tmp / "adapter")
        if cfg.merge:
            save_model(trainer.model.merge_and_unload(), tokenizer, tmp / "merged")
        (tmp / OUTPUT_MARKER).write_text(
            yaml.safe_dump(cfg.model_dump(mode="json"), sort_keys=False), encoding="utf-8"
        )
        with (tmp / "train_log.jsonl").open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(row, sort_keys=True) + "\n" for row in log)
        (tmp / "train_summary.json").write_text(
            json.dumps(asdict(summary), indent=2) + "\n", encoding="utf-8"
        )


def merge_adapter(run: Path) -> Path:
    """`run/merged`: the adapter of a training output folded into its base model, made once."""
    from peft import PeftModel

    merged = run / "merged"
    if (merged / "config.json").is_file():
        return merged
    cfg = TrainConfig.model_validate(yaml.safe_load((run / OUTPUT_MARKER).read_text("utf-8")))
    ref = resolve_model(cfg.model)
    model = PeftModel.from_pretrained(load_model(ref, cfg.dtype), run / "adapter")
    return save_model(model.merge_and_unload(), load_tokenizer(ref), merged)
