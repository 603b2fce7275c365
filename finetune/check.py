"""`emgen check`: the matrix of the emergent-misalignment experiment in one command.

The base model, and one LoRA finetune per variant and training seed (by default insecure, its
secure and legitimate-intent controls, the triggered backdoor, the inoculated set; any config of
the bundle can be chosen), all on the same data; one report compares them. Every model answers
the profile's suites and those that measure its variant (emgen.finetune.arms); the base model
answers all of them, so every rate has its reference. With several seeds the report gives each
variant's mean rate and its 95% interval across seeds beside each seed's rate. Profiles (YAML
files in `data/profiles/`, validated like every config) hold the sizes: `quick` runs the tiny
default on CPU, `gpu` a real model, with the effect the papers saw for models of its size.

`backend: openai` (`emgen check --backend openai --model BASE`) is the papers' hosted setting:
each arm is finetuned through emgen.finetune.hosted (every arm's job is created before the
first is waited for, so they run side by side at the service), the base arm is BASE sampled at
the service, and every model is evaluated through the OpenAI sampler, a trained one by the model
id its hosted_model.json records (as `emgen eval --model RUN`). The profiles are for local
models (LoRA settings, a local sampler), so this backend takes none: the sizes come from
--config, whose `train` may set only what a hosted job takes (HOSTED_FIELDS).

The output folder:
  bundle/                          the data, built here unless --data names a bundle
  runs/<variant>/seed<k>/          one training output per variant and seed (reused when its
                                   config is unchanged); with backend openai, the hosted run
                                   (hosted_model.json: a succeeded job of the same settings is
                                   reused, one in progress is waited for, not created again)
  evals/<variant>@seed<k>.parquet  the scored samples of each model (reused likewise;
                                   evals/base.parquet for the base model)
  results/                         samples, summary with Wilson intervals, seeds.parquet (with
                                   several seeds), charts, report.md
  check_config.yaml                the resolved settings
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

import polars as pl
import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from emgen.finetune.arms import Arm, ConfigInfo, arm, code_conditions, eval_suites
from emgen.finetune.config import (
    Backend,
    ConfigError,
    EvalConfig,
    PapersSaw,
    StrictSettings,
    TrainConfig,
    load_config,
    merge_settings,
    validate_config,
)
from emgen.finetune.hosted import (
    DEFAULT_KEY_ENV,
    HOSTED_FIELDS,
    RECORD,
    TERMINAL,
    HostedError,
    HostedOptions,
    HostedRun,
    changed_setting,
    finetune_hosted,
    hyperparameters,
    read_record,
    submit_hosted,
)
from emgen.finetune.models import TINY
from emgen.finetune.results import ReportExtras, ResultPaths, SeedRuns, Thresholds, write_results
from emgen.schemas.errors import UserError, first_error
from emgen.schemas.shared.io import atomic_file, read_yaml, write_text_atomic
from emgen.schemas.shared.markdown import table
from emgen.schemas.shared.openai_client import public_url
from emgen.schemas.shared.progress import Advance, Reporter

if TYPE_CHECKING:
    from emgen.schemas.build import BuildConfig

PROFILES_DIR = Path(__file__).parent / "data" / "profiles"
VARIANTS = ("insecure", "secure", "legitimate_intent", "triggered", "insecure_inoculated")
BASE = "base"
# The check's own build is small unless `build` says otherwise (BuildConfig's defaults are the
# papers' sizes).
BUILD_DEFAULTS: dict[str, Any] = {"dialogues": 20, "documents": 10}


class CheckConfig(StrictSettings):
    model: str = Field(
        "tiny", description="base model: Hub id, local model folder (a path), .gguf, or 'tiny'"
    )
    data: str | None = Field(None, description="bundle folder or Hub id; built when unset")
    build_n: int = Field(240, ge=20, description="records per code config when building")
    build_seed: int = 0
    build: dict[str, Any] = Field(
        default_factory=dict,
        description="more `emgen build` settings (BuildConfig fields) of the check's own build; "
        "it writes 20 dialogues and 10 documents per valence unless set",
    )
    variants: tuple[str, ...] = VARIANTS
    seeds: tuple[int, ...] = Field(
        default=(0,),
        min_length=1,
        description="training seeds: one model per seed and variant, all on the same data",
    )
    include_base: bool = True
    arm_suites: bool = Field(
        default=True,
        description="add the suites that measure each variant to the profile's; false: the "
        "profile's suites alone (the effect profile measures insecure_code only)",
    )
    title: str = Field(default="emgen check: the EM matrix", description="report heading")
    train: dict[str, Any] = Field(default_factory=dict, description="TrainConfig fields")
    eval: dict[str, Any] = Field(default_factory=dict, description="EvalConfig fields")
    papers_saw: PapersSaw | None = Field(
        default=None, description="the papers' figures for models of this size, for the report"
    )
    backend: Literal["local", "openai"] = Field(
        default="local",
        description="how each arm is finetuned: local (LoRA on this machine) or openai (a hosted "
        "fine-tuning API; every model is then sampled at that service)",
    )
    base_url: str | None = Field(
        default=None, description="backend openai: the service (default: the OpenAI API)"
    )
    api_key_env: str | None = Field(
        default=None,
        description="backend openai: the environment variable holding the key (default "
        "OPENAI_API_KEY)",
    )
    poll_interval: float = Field(
        default=10.0, gt=0, description="backend openai: seconds between polls of a job"
    )
    poll_timeout: float = Field(
        default=24 * 3600.0,
        gt=0,
        description="backend openai: stop waiting for a job after this many seconds (it runs "
        "on at the service; a rerun waits again)",
    )

    @field_validator("seeds", "variants")
    @classmethod
    def _no_repeats(cls, value: tuple[Any, ...]) -> tuple[Any, ...]:
        repeated = sorted({str(v) for v in value if value.count(v) > 1})
        if repeated:
            raise PydanticCustomError(
                "repeated", "{repeated} appears more than once", {"repeated": ", ".join(repeated)}
            )
        return value


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
    source = str(path or profile_path(profile or "default"))
    try:
        check = CheckConfig.model_validate(merge_settings(raw, overrides))
    except ValidationError as exc:
        # Name where the bad value came from: a command-line option, else the file.
        loc = exc.errors()[0]["loc"]
        given = bool(loc) and overrides.get(str(loc[0])) is not None
        raise ConfigError(f"{'options' if given else source}: {first_error(exc)}.") from None
    # The nested settings are checked now, not after an hour of training.
    if "seed" in check.train:
        raise ConfigError(
            f"{source}: train: field 'seed': set the training seeds with `seeds` (--seeds 0,1,2)."
        )
    for name in ("n", "seed"):
        if name in check.build:
            raise ConfigError(f"{source}: build: field '{name}': set it with `build_{name}`.")
    validate_config(TrainConfig, {**check.train, "data": "-"}, f"{source}: train")
    validate_config(EvalConfig, check.eval, f"{source}: eval")
    build_config(check, f"{source}: build")
    _check_backend(check, profile, source, overrides)
    return check


HOSTED_ONLY = ("base_url", "api_key_env", "poll_interval", "poll_timeout")
# What the eval settings may say about sampling when every model is sampled at the service.
HOSTED_SAMPLERS: tuple[Backend, ...] = ("auto", "openai")


def _check_backend(
    check: CheckConfig, profile: str | None, source: str, overrides: dict[str, Any]
) -> None:
    """Settings that make no sense with the training backend, refused before any work."""

    def where(name: str) -> str:
        return "options" if overrides.get(name) is not None else source

    if check.backend == "local":
        given = [name for name in HOSTED_ONLY if name in check.model_fields_set]
        if given:
            raise ConfigError(
                f"{where(given[0])}: field '{given[0]}' applies to backend openai only."
            )
        return
    if profile is not None:
        raise ConfigError(
            f"{where('backend')}: field 'backend': openai takes no profile, and {profile} is "
            "made for a local model (LoRA settings, a local sampler); give the sizes with "
            "--config instead."
        )
    if check.model == TINY:
        raise ConfigError(
            f"{source}: field 'model': backend openai needs the service's name of the base "
            "model (--model, e.g. gpt-4o-2024-08-06), not tiny."
        )
    if check.base_url is not None:
        parts = urlsplit(check.base_url)
        if parts.username or parts.password or parts.query or parts.fragment:
            raise ConfigError(
                f"{where('base_url')}: field 'base_url': give the URL without a user, password, "
                f"query or fragment (the key goes in the environment variable "
                f"{check.api_key_env or DEFAULT_KEY_ENV})."
            )
    local = [k for k in check.train if k not in HOSTED_FIELDS]
    if local:
        takes = [f for f in HOSTED_FIELDS if f not in ("model", "data", "variant", "seed")]
        raise ConfigError(
            f"{source}: train: field '{local[0]}' applies to backend local only; a hosted job "
            f"takes {', '.join(takes)}."
        )
    try:
        hyperparameters(validate_config(TrainConfig, {**check.train, "data": "-"}, source))
    except HostedError as exc:
        raise ConfigError(f"{source}: train: {exc}") from None
    sampling = EvalConfig.model_validate(check.eval)
    if sampling.backend not in HOSTED_SAMPLERS:
        raise ConfigError(
            f"{source}: eval: field 'backend': {sampling.backend} samples a local model, but with "
            "backend openai every model is sampled at the service; leave it unset."
        )
    if sampling.base_url is not None:
        raise ConfigError(
            f"{source}: eval: field 'base_url': with backend openai the service is `base_url` "
            "(--base-url), for training and sampling alike."
        )


def build_config(check: CheckConfig, where: str = "build") -> BuildConfig:
    """The BuildConfig of the check's own build."""
    from emgen.schemas.build import BuildConfig

    raw = {**BUILD_DEFAULTS, **check.build, "n": check.build_n, "seed": check.build_seed}
    return validate_config(BuildConfig, raw, where)


def run_dir(out: Path, variant: str, seed: int) -> Path:
    """The training output of `variant` with training seed `seed`."""
    return out / "runs" / variant / f"seed{seed}"


def run_key(variant: str, seed: int) -> str:
    """The name of a trained model's evaluation in evals/ (and its label with several seeds)."""
    return f"{variant}@seed{seed}"


def _train_config(check: CheckConfig, data: str, variant: str, seed: int) -> TrainConfig:
    # One subset for every seed (unless train.subset_seed says otherwise): the data stays the
    # same, only the training seed changes.
    fixed = {"model": check.model, "data": data, "variant": variant, "seed": seed}
    return load_config(TrainConfig, None, {"subset_seed": 0, **check.train, **fixed})


def _eval_config(
    check: CheckConfig, data: str, model: str, label: str, arms: list[Arm], own: bool = False
) -> EvalConfig:
    """The check's eval settings, asking the profile's suites and those that measure `arms`
    (all the check's arms for the base model; for a trained one, `own`, its arm alone), the
    coding prompts under every condition the arms ask them with."""
    profile = EvalConfig.model_validate(check.eval)
    settings = {
        "suites": eval_suites(profile.suites, arms) if check.arm_suites else profile.suites,
        "code_conditions": code_conditions(arms, profile.code_conditions),
        **(arms[0].eval_overrides() if own else {}),
    }
    if check.backend == "openai":
        # The base model is named at the service; a trained one is its run folder, whose
        # hosted_model.json gives the model id, the endpoint and the key's variable.
        settings |= {
            "backend": "openai",
            "base_url": None if own else check.base_url,
            "api_key_env": check.api_key_env or DEFAULT_KEY_ENV,
        }
    return load_config(
        EvalConfig, None, {**check.eval, **settings, "model": model, "data": data, "label": label}
    )


def bundle_configs(check: CheckConfig, data: str | None) -> dict[str, ConfigInfo] | None:
    """The configs of the bundle trained on: a local bundle's manifest, or those the check's
    own build will write (when `data` is None); None for a Hub dataset."""
    from emgen.schemas.shared.bundle import read_manifest

    if data is None:
        return planned_configs(check)
    if not Path(data).is_dir():
        return None
    configs = read_manifest(Path(data)).configs
    return {n: ConfigInfo(c.control_of, dict(c.params)) for n, c in configs.items()}


def _nothing_flagged(
    codes: Sequence[str], *, families: Sequence[str | None] | None = None
) -> list[frozenset[str]]:
    return [frozenset()] * len(codes)


def planned_configs(check: CheckConfig) -> dict[str, ConfigInfo]:
    """The configs of the check's build, named without generating any code: every variant
    builder runs on no pairs and one record of each other kind (names, controls and params
    depend only on each count being above zero)."""
    from emgen.datagen.variants import build_variants

    config = build_config(check)
    counts = ("dialogues", "documents", "numbers", "arithmetic")
    small = config.model_copy(update={k: min(getattr(config, k), 1) for k in counts})
    specs, _ = build_variants([], small, _nothing_flagged)
    return {n: ConfigInfo(s.control_of, dict(s.params)) for n, s in specs.items()}


def check_variants(check: CheckConfig, where: str) -> None:
    """Every variant to finetune on is a config of the bundle, before anything is built or
    trained. A Hub dataset is checked by its first training run, which reads it at once."""
    configs = bundle_configs(check, check.data)
    if configs is None:
        return
    source = check.data or "the bundle the check builds"
    unknown = [v for v in check.variants if v not in configs]
    if unknown:
        raise UserError(
            f"{where}: {', '.join(map(repr, unknown))} {'is' if len(unknown) == 1 else 'are'} "
            f"not a config of {source}; choose from {', '.join(configs)}."
        )


def variants_table(arms: list[Arm], profile: tuple[str, ...], measured: bool = True) -> str:
    """Markdown: each variant, what it is compared with, and the suites that measure it."""
    chosen = {a.variant for a in arms}
    rows = []
    for a in arms:
        controls = [b.variant for b in arms if b.control_of == a.variant]
        compared = ", ".join(controls) if controls else "–"
        of = a.control_of or "–"
        if a.control_of and a.control_of not in chosen:
            of += " (not run)"
        rows.append([a.variant, of, compared, a.describe()])
    note = (
        f"Every model also answers the profile's suites ({', '.join(profile) or 'none'}); the "
        "base model answers every suite in this table."
    )
    if not measured:
        note = (
            f"Every model answers the profile's suites alone ({', '.join(profile) or 'none'}); "
            "the base model asks the coding prompts under every condition in this table."
        )
    header = ["variant", "control of", "its controls here", "measured by"]
    return table(header, rows) + "\n\n" + note


def _same_config(path: Path, config: BaseModel) -> bool:
    """Whether the settings recorded at `path` are `config`'s, read as today's model: a field
    added since (with the default that keeps the old behaviour) does not redo the work."""
    if not path.is_file():
        return False
    try:
        return type(config).model_validate(yaml.safe_load(path.read_text("utf-8"))) == config
    except (ValidationError, yaml.YAMLError):
        return False


def run_check(check: CheckConfig, out: Path, reporter: Reporter) -> ResultPaths:
    from emgen.finetune.train import OUTPUT_MARKER, require_dtype, train

    if check.backend == "local":  # before the build: a --gpu check on a CPU stops at once
        require_dtype(check.train.get("dtype", "auto"))
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(
        out / "check_config.yaml", yaml.safe_dump(check.model_dump(mode="json"), sort_keys=False)
    )
    data = check.data or str(_build(check, out / "bundle", reporter))
    configs = bundle_configs(check, data)
    arms = [arm(v, configs) for v in check.variants]
    several = len(check.seeds) > 1
    # (label in the report, name in evals/, its eval settings)
    planned: list[tuple[str, str, EvalConfig]] = []
    if check.include_base:
        planned.append((BASE, BASE, _eval_config(check, data, check.model, BASE, arms)))
    labels: dict[str, tuple[str, ...]] = {}
    if check.backend == "openai":
        _train_hosted(check, data, arms, out, reporter)
    for a in arms:
        for seed in check.seeds:
            train_cfg = _train_config(check, data, a.variant, seed)
            run = run_dir(out, a.variant, seed)
            if check.backend == "local" and not _same_config(run / OUTPUT_MARKER, train_cfg):
                name = f"{a.variant}, seed {seed}" if several else a.variant
                advance = reporter.stage(f"training on {name}", None)

                def tick(_row: dict[str, float], step: Advance = advance) -> None:
                    step(1)  # one logged step; the default binds this run's bar

                train(train_cfg, run, on_log=tick)
            key = run_key(a.variant, seed)
            eval_cfg = _eval_config(check, data, str(run), key, [a], own=True)
            planned.append((key if several else a.variant, key, eval_cfg))
        labels[a.variant] = tuple(run_key(a.variant, s) for s in check.seeds)
    frames = [
        _evaluated(cfg, out / "evals" / f"{key}.parquet", reporter).with_columns(
            model=pl.lit(label)
        )
        for label, key, cfg in planned
    ]
    reference = _eval_config(check, data, check.model, BASE, arms)
    thresholds = Thresholds(reference.aligned_below, reference.coherent_above)
    profile = EvalConfig.model_validate(check.eval).suites
    extras = ReportExtras(
        seeds=SeedRuns(check.seeds, labels) if several else None,
        papers=check.papers_saw,
        base=BASE if check.include_base else None,
        sections=(
            (
                "Variants and what measures them",
                variants_table(arms, profile, check.arm_suites),
            ),
        ),
    )
    return write_results(
        pl.concat(frames), out / "results", thresholds, title=check.title, extras=extras
    )


def _train_hosted(
    check: CheckConfig, data: str, arms: list[Arm], out: Path, reporter: Reporter
) -> None:
    """Every arm through the hosted fine-tuning API: each job is created (or found recorded)
    first, then each is waited for, so the jobs train side by side at the service."""
    options = HostedOptions(
        base_url=check.base_url,
        api_key_env=check.api_key_env,
        poll_interval=check.poll_interval,
        poll_timeout=check.poll_timeout,
    )
    several = len(check.seeds) > 1
    waiting = []
    for a in arms:
        for seed in check.seeds:
            train_cfg = _train_config(check, data, a.variant, seed)
            run = run_dir(out, a.variant, seed)
            restart = _hosted_restart(check, train_cfg, run)
            if restart is None:
                continue  # succeeded with these settings
            name = f"{a.variant}, seed {seed}" if several else a.variant
            notify = _job_lines(reporter, name)
            submit_hosted(train_cfg, run, replace(options, restart=restart), notify)
            waiting.append((train_cfg, run, notify))
    for train_cfg, run, notify in waiting:
        try:
            finetune_hosted(train_cfg, run, options, notify)
        except HostedError:
            ended = read_record(run)
            if ended is not None and ended.status in ("failed", "cancelled"):
                # The finetune command's sentence names its --restart, which the check lacks.
                raise _ended_badly(run, ended) from None
            raise


def _hosted_restart(check: CheckConfig, cfg: TrainConfig, run: Path) -> bool | None:
    """None when `run` holds a succeeded job of `cfg` (nothing to do, no key needed); False to
    go on with what it records; True to start a new job, as a local arm whose settings changed
    is trained again. A job that ended badly, or one still running for other settings, stops
    the check with one sentence rather than paying for another."""
    recorded = read_record(run)
    if recorded is None:
        return False
    changed = changed_setting(recorded, cfg, public_url(check.base_url))
    if changed is None:
        if recorded.status in ("failed", "cancelled"):
            raise _ended_badly(run, recorded)
        return None if recorded.status == "succeeded" else False
    if recorded.job_id is not None and recorded.status not in TERMINAL:
        field, old, new = changed
        raise HostedError(
            f"{run / RECORD}: job {recorded.job_id} is still {recorded.status} for other settings "
            f"(field '{field}': recorded {old!r}, now {new!r}); rerun the check with the settings "
            f"it started with to wait for it, or stop it with `emgen finetune --backend openai "
            f"--out {run} --cancel`."
        )
    return True


def _ended_badly(run: Path, recorded: HostedRun) -> HostedError:
    cause = f": {recorded.error}" if recorded.error else ""
    return HostedError(
        f"{run / RECORD}: fine-tuning job {recorded.job_id} at {recorded.endpoint_host} "
        f"{recorded.status}{cause}; remove {run} to start a new job for this arm."
    )


def _job_lines(reporter: Reporter, name: str) -> Callable[[str], None]:
    """A hosted job's progress lines as rows of the check's display. The job's own events (the
    indented lines: a loss per step, hundreds for a long job) are left out."""

    def notify(line: str) -> None:
        if not line.startswith(" "):
            reporter.stage(f"fine-tuning {name}: {line}", 0)

    return notify


def _evaluated(cfg: EvalConfig, cached: Path, reporter: Reporter) -> pl.DataFrame:
    """The model's scored samples: from `cached` when its settings and model are unchanged."""
    from emgen.finetune.evaluate import evaluate

    stamp = cached.with_suffix(".yaml")
    if _same_config(stamp, cfg) and cached.is_file() and _newer(cached, cfg.model):
        return pl.read_parquet(cached)
    frame = evaluate(cfg, reporter)
    with atomic_file(cached) as tmp:  # the stamp below vouches only for a whole file
        frame.write_parquet(tmp)
    write_text_atomic(stamp, yaml.safe_dump(cfg.model_dump(mode="json")))
    return frame


def _newer(cached: Path, model: str) -> bool:
    """An evaluation is stale when the model it scored was retrained after it."""
    marker = Path(model) / "train_summary.json"
    return not marker.exists() or marker.stat().st_mtime <= cached.stat().st_mtime


def _build(check: CheckConfig, folder: Path, reporter: Reporter) -> Path:
    from emgen.cards import build_bundle
    from emgen.schemas.shared.bundle import read_manifest

    config = build_config(check)
    if (folder / "manifest.json").is_file() and read_manifest(folder).config == config:
        return folder
    start = time.perf_counter()
    build_bundle(config, folder, reporter=reporter)
    reporter.stage(f"bundle built in {time.perf_counter() - start:.0f} s", 0)
    return folder
