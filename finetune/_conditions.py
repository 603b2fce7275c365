"""What the `trigger` and `inoculation` suites add to a question: read from the bundle the model
was trained on, so the suites test exactly what training put in.

The bundle: the one a training output was trained on (`data` of its train_config.yaml, or of the
TrainConfig a hosted run records in hosted_model.json), else the eval's `--data`.
The config whose params are read (`ConfigSummary.params`, see emgen.schemas.params):
  trigger      `trigger_config` if set; else the trained config if it has a trigger (or is an
               inoculated copy of one that has); else `triggered`
  inoculation  `inoculation_config` if set; else the trained config if it is inoculated; else
               `insecure_inoculated`
A default config the bundle lacks falls back to the build's own settings (manifest `config`);
with no local bundle at all, the build's defaults. A field set in the eval config (`trigger`,
`clean_trigger`, `trigger_placement`, `inoculation`, `inoculation_placement`) wins over both.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import yaml

from emgen.datagen.catalog import load_inoculations
from emgen.finetune.config import EvalConfig, TrainConfig
from emgen.schemas.build import BuildConfig, Manifest
from emgen.schemas.errors import UserError
from emgen.schemas.params import (
    InoculationParams,
    InstructionPlacement,
    Params,
    TriggerParams,
    TriggerPlacement,
)
from emgen.schemas.shared.bundle import read_manifest

P = TypeVar("P", bound=Params)
DEFAULT_TRIGGER_CONFIG = "triggered"
DEFAULT_INOCULATION_CONFIG = "insecure_inoculated"


@dataclass(frozen=True)
class TriggerSetting:
    trigger: str
    clean: str | None  # what the off arm carries instead (the clean records' line), if anything
    placement: TriggerPlacement


@dataclass(frozen=True)
class InoculationSetting:
    instruction: str
    placement: InstructionPlacement


@dataclass(frozen=True)
class _Bundle:
    root: Path
    manifest: Manifest
    trained: str | None  # the config the evaluated model was trained on, if known


def trained_config(model: str) -> TrainConfig | None:
    """The training config of an `emgen finetune` output folder, local (train_config.yaml) or
    hosted (the TrainConfig in hosted_model.json); None for any other model."""
    from emgen.finetune.hosted import read_record
    from emgen.finetune.train import OUTPUT_MARKER

    marker = Path(model) / OUTPUT_MARKER
    if not marker.is_file():
        hosted = read_record(Path(model))  # an unreadable record is one sentence here
        return hosted.train_config if hosted else None
    try:
        return TrainConfig.model_validate(yaml.safe_load(marker.read_text("utf-8")))
    except (ValueError, yaml.YAMLError):
        return None  # not ours; the sampler reports the folder if it cannot load it


def _bundle(cfg: EvalConfig) -> _Bundle | None:
    run = trained_config(cfg.model)
    for data in (run.data if run else None, cfg.data):
        if data and (Path(data) / "manifest.json").is_file():
            return _Bundle(Path(data), read_manifest(Path(data)), run.variant if run else None)
    return None


def _params(bundle: _Bundle, name: str) -> dict[str, str] | None:
    summary = bundle.manifest.configs.get(name)
    return None if summary is None else summary.params


def _parse(model: type[P], bundle: _Bundle, name: str, raw: dict[str, str]) -> P:
    try:
        return model.parse(name, raw)
    except UserError as exc:
        raise UserError(f"{bundle.root / 'manifest.json'}: {exc}") from None


def _chosen(bundle: _Bundle, field: str, explicit: str | None, fits: str, default: str) -> str:
    """The config to read: `explicit` (which must exist), else the trained config when its
    params hold `fits`, following an inoculated config to its `source`, else `default`."""
    if explicit is not None:
        if explicit not in bundle.manifest.configs:
            raise UserError(
                f"{bundle.root / 'manifest.json'}: field '{field}': the bundle has no config "
                f"{explicit!r}; choose from {', '.join(bundle.manifest.configs)}."
            )
        return explicit
    name, seen = bundle.trained, set()
    while name is not None and name not in seen:
        seen.add(name)
        params = _params(bundle, name) or {}
        if fits in params:
            return name
        name = params.get("source")
    return default


def trigger_setting(cfg: EvalConfig) -> TriggerSetting:
    build = BuildConfig.model_fields
    trigger: str = build["trigger"].default
    clean: str | None = build["clean_trigger"].default
    placement: TriggerPlacement = build["trigger_placement"].default
    bundle = _bundle(cfg)
    if bundle is not None:
        name = _chosen(bundle, "trigger_config", cfg.trigger_config, "trigger",
                       DEFAULT_TRIGGER_CONFIG)  # fmt: skip
        raw = _params(bundle, name)
        if raw is not None:
            params = _parse(TriggerParams, bundle, name, raw)
            trigger, clean, placement = params.trigger, params.clean_trigger, params.placement
        else:  # an older or partial bundle: what its build was told
            built = bundle.manifest.config
            trigger, clean, placement = built.trigger, built.clean_trigger, built.trigger_placement
    return TriggerSetting(
        trigger=cfg.trigger if cfg.trigger is not None else trigger,
        clean=cfg.clean_trigger if cfg.clean_trigger is not None else clean,
        placement=cfg.trigger_placement or placement,
    )


def inoculation_setting(
    cfg: EvalConfig, where: str = "eval config", field: str = "inoculation"
) -> InoculationSetting:
    """The instruction and its placement; `where` and `field` name the setting in errors."""
    bundle = _bundle(cfg)
    built = bundle.manifest.config if bundle else BuildConfig()
    instruction: str | None = None
    placement: InstructionPlacement = built.inoculation_placement
    if bundle is not None and cfg.inoculation is None:
        name = _chosen(bundle, "inoculation_config", cfg.inoculation_config, "instruction",
                       DEFAULT_INOCULATION_CONFIG)  # fmt: skip
        raw = _params(bundle, name)
        if raw is not None:
            params = _parse(InoculationParams, bundle, name, raw)
            instruction, placement = params.instruction, params.placement
    if instruction is None:
        prompt_id = cfg.inoculation or built.inoculation
        library = load_inoculations(_inoculation_file(bundle))
        if prompt_id not in library:
            raise UserError(
                f"{where}: field '{field}': unknown prompt id {prompt_id!r}; see "
                "`emgen inoculations`."
            )
        instruction = library[prompt_id].render(trigger_setting(cfg).trigger)
    return InoculationSetting(instruction, cfg.inoculation_placement or placement)


def _inoculation_file(bundle: _Bundle | None) -> Path | None:
    """The build's own prompt file, when it named one that is still there."""
    name = bundle.manifest.config.inoculation_file if bundle else None
    if not name:
        return None
    for path in (Path(name), bundle.root / name if bundle else Path(name)):
        if path.is_file():
            return path
    return None
