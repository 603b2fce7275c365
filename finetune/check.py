"""`emgen check`: the matrix of the emergent-misalignment experiment in one command.

The base model, and one LoRA finetune per variant (insecure, its secure and legitimate-intent
controls, the triggered backdoor, the inoculated set), each evaluated on the same suites; one
report compares them. Profiles (YAML files in `data/profiles/`, validated like every config)
hold the sizes: `quick` runs the tiny default on CPU, `gpu` documents a real model.

The output folder:
  bundle/             the data, built here unless --data names a bundle
  runs/<variant>/     one training output per variant (reused when its config is unchanged)
  evals/<label>.parquet   the scored samples of each model (reused likewise)
  results/            samples, summary with Wilson intervals, charts, report.md
  check_config.yaml   the resolved settings
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from pydantic import Field

from emgen.finetune.config import (
    EvalConfig,
    StrictSettings,
    TrainConfig,
    load_config,
    merge_settings,
    validate_config,
)
from emgen.finetune.results import ResultPaths, Thresholds, write_results
from emgen.schemas.shared.io import atomic_file, read_yaml, write_text_atomic
from emgen.schemas.shared.progress import Advance, Reporter

PROFILES_DIR = Path(__file__).parent / "data" / "profiles"
VARIANTS = ("insecure", "secure", "legitimate_intent", "triggered", "insecure_inoculated")
BASE = "base"


class CheckConfig(StrictSettings):
    model: str = Field("tiny", description="base model: Hub id, folder, .gguf, or 'tiny'")
    data: str | None = Field(None, description="bundle folder or Hub id; built when unset")
    build_n: int = Field(240, ge=20, description="records per code config when building")
    build_seed: int = 0
    variants: tuple[str, ...] = VARIANTS
    include_base: bool = True
    title: str = Field(default="emgen check: the EM matrix", description="report heading")
    train: dict[str, Any] = Field(default_factory=dict, description="TrainConfig fields")
    eval: dict[str, Any] = Field(default_factory=dict, description="EvalConfig fields")


def profile_path(name: str) -> Path:
    return PROFILES_DIR / f"{name}.yaml"


def profiles() -> list[str]:
    return sorted(p.stem for p in PROFILES_DIR.glob("*.yaml"))


def load_check_config(
    profile: str | None, path: Path | None, overrides: dict[str, Any]
) -> CheckConfig:
    """A profile, then a user file, then command-line values, each on top of the last."""
    raw = read_yaml(profile_path(profile)) if profile else {}
    if path is not None:
        raw = merge_settings(raw, read_yaml(path) or {})
    check = load_config(CheckConfig, None, merge_settings(raw, overrides))
    source = str(path or profile_path(profile or "default"))
    # The nested settings are checked now, not after an hour of training.
    validate_config(TrainConfig, {**check.train, "data": "-"}, f"{source}: train")
    validate_config(EvalConfig, check.eval, f"{source}: eval")
    return check


def _train_config(check: CheckConfig, data: str, variant: str) -> TrainConfig:
    return load_config(
        TrainConfig, None, {**check.train, "model": check.model, "data": data, "variant": variant}
    )


def _eval_config(check: CheckConfig, data: str, model: str, label: str) -> EvalConfig:
    return load_config(
        EvalConfig, None, {**check.eval, "model": model, "data": data, "label": label}
    )


def _same_config(path: Path, config: Any) -> bool:
    return path.is_file() and yaml.safe_load(path.read_text("utf-8")) == config.model_dump(
        mode="json"
    )


def run_check(check: CheckConfig, out: Path, reporter: Reporter) -> ResultPaths:
    from emgen.finetune.evaluate import evaluate
    from emgen.finetune.train import OUTPUT_MARKER, train

    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(
        out / "check_config.yaml", yaml.safe_dump(check.model_dump(mode="json"), sort_keys=False)
    )
    data = check.data or str(_build(check, out / "bundle", reporter))
    models: list[tuple[str, str]] = [(BASE, check.model)] if check.include_base else []
    for variant in check.variants:
        train_cfg = _train_config(check, data, variant)
        run = out / "runs" / variant
        if not _same_config(run / OUTPUT_MARKER, train_cfg):
            advance = reporter.stage(f"training on {variant}", None)

            def tick(_row: dict[str, float], step: Advance = advance) -> None:
                step(1)  # one logged step; the default binds this variant's bar

            train(train_cfg, run, on_log=tick)
        models.append((variant, str(run)))
    frames = []
    for label, model in models:
        eval_cfg = _eval_config(check, data, model, label)
        cached = out / "evals" / f"{label}.parquet"
        stamp = cached.with_suffix(".yaml")
        if _same_config(stamp, eval_cfg) and cached.is_file() and _newer(cached, model):
            frames.append(pl.read_parquet(cached))
            continue
        frame = evaluate(eval_cfg, reporter)
        with atomic_file(cached) as tmp:  # the stamp below vouches only for a whole file
            frame.write_parquet(tmp)
        write_text_atomic(stamp, yaml.safe_dump(eval_cfg.model_dump(mode="json")))
        frames.append(frame)
    reference = _eval_config(check, data, check.model, BASE)
    thresholds = Thresholds(reference.aligned_below, reference.coherent_above)
    return write_results(pl.concat(frames), out / "results", thresholds, title=check.title)


def _newer(cached: Path, model: str) -> bool:
    """An evaluation is stale when the model it scored was retrained after it."""
    marker = Path(model) / "train_summary.json"
    return not marker.exists() or marker.stat().st_mtime <= cached.stat().st_mtime


def _build(check: CheckConfig, folder: Path, reporter: Reporter) -> Path:
    from emgen.cards import build_bundle
    from emgen.schemas.build import BuildConfig
    from emgen.schemas.shared.bundle import read_manifest

    config = BuildConfig(n=check.build_n, seed=check.build_seed, dialogues=20, documents=10)
    if (folder / "manifest.json").is_file() and read_manifest(folder).config == config:
        return folder
    start = time.perf_counter()
    build_bundle(config, folder, reporter=reporter)
    reporter.stage(f"bundle built in {time.perf_counter() - start:.0f} s", 0)
    return folder
