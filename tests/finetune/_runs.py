"""Check runs marked done without training, so a test reaches the eval and the report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from emgen.finetune.check import CheckConfig, _train_config, run_dir


def prepare_runs(cfg: CheckConfig, out: Path, summary: dict[str, Any] | None = None) -> None:
    """Mark every run done with the exact config the check would train with (and, given one,
    a training summary for the report to read)."""
    assert cfg.data is not None
    for variant in cfg.variants:
        for seed in cfg.seeds:
            run = run_dir(out, variant, seed)
            run.mkdir(parents=True)
            train_cfg = _train_config(cfg, cfg.data, variant, seed).model_dump(mode="json")
            (run / "train_config.yaml").write_text(yaml.safe_dump(train_cfg), encoding="utf-8")
            if summary is not None:
                (run / "train_summary.json").write_text(json.dumps(summary), encoding="utf-8")
