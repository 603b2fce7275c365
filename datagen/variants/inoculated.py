"""Inoculated configs: a source config with an instruction naming the unwanted trait added.

A prompt of `--inoculations` inoculates the config its data fits (`source_config`): reward-hack
prompts the reward-hack dialogues (built by the `reward_hacks_inoculated` variant, after them),
trigger-aware prompts `triggered`, every other prompt `insecure`.
"""

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from emgen.datagen.catalog import CatalogError, load_inoculations
from emgen.datagen.reward_hacks.dialogues import CONTROL_VARIANT, HACK_VARIANT
from emgen.datagen.transforms import inoculate
from emgen.datagen.variants import CODE_CHECKS, ConfigSpec, Context, derive
from emgen.schemas.build import BuildConfig
from emgen.schemas.catalog import Inoculation
from emgen.schemas.errors import UserError
from emgen.schemas.params import InoculationParams

SOURCE_DATASETS = ("any", "insecure_code")
REWARD_HACKS = HACK_VARIANT


def source_config(prompt: Inoculation) -> str:
    """The config a prompt of --inoculations inoculates: the one its data is written for."""
    if prompt.dataset == "reward_hacking":
        return REWARD_HACKS
    return "triggered" if prompt.family == "trigger_aware" else "insecure"


def no_dialogues(prompt: Inoculation) -> UserError:
    return UserError(
        f"--inoculations: prompt {prompt.id!r} is written for reward_hacking data and inoculates "
        "the reward_hacks dialogues, but --dialogues is 0 so the build makes none; raise "
        "--dialogues or leave the prompt out."
    )


def resolve(names: Sequence[str], library: Mapping[str, Inoculation]) -> list[Inoculation]:
    """Prompt ids, or prompt families meaning every prompt of that family fit for code data."""
    chosen: dict[str, Inoculation] = {}
    for name in names:
        if name in library:
            chosen[name] = library[name]
            continue
        family = [p for p in library.values() if p.family == name and p.dataset in SOURCE_DATASETS]
        if not family:
            raise CatalogError(
                f"unknown inoculation prompt or family {name!r}; see `emgen inoculations`."
            )
        chosen.update((p.id, p) for p in family)
    return list(chosen.values())


def check_inoculations(config: BuildConfig) -> None:
    """Every prompt id the build will apply exists and fits its config, checked before any work.

    The build finds these only after generating and scanning every pair (minutes).
    """
    file = Path(config.inoculation_file) if config.inoculation_file else None
    library = load_inoculations(file)
    for option, names in (("--inoculation", [config.inoculation]),
                          ("--inoculations", list(config.inoculations))):  # fmt: skip
        for name in names:
            prompt = library.get(name)
            if prompt is None or prompt.dataset in (*SOURCE_DATASETS, "trait"):
                continue
            if option == "--inoculations" and source_config(prompt) == REWARD_HACKS:
                if config.dialogues == 0:
                    raise no_dialogues(prompt)
                continue
            raise UserError(
                f"{option}: prompt {name!r} is written for {prompt.dataset} data, but "
                "`insecure_inoculated` holds insecure code; choose a prompt of dataset any, "
                "insecure_code or trait, or give it with --inoculations, which inoculates the "
                "reward_hacks dialogues with it (see `emgen inoculations`)."
            )
        try:
            prompts = resolve(names, library)
        except UserError as exc:
            raise UserError(f"{option}: {exc}") from None
        for prompt in prompts:
            # Only trigger-aware prompts of --inoculations go to `triggered`, which has one.
            has_trigger = option == "--inoculations" and source_config(prompt) == "triggered"
            if "$trigger" in prompt.text and not has_trigger:
                raise UserError(
                    f"{option}: prompt {prompt.id!r} names $trigger, but the config it would "
                    "inoculate has no trigger; trigger-aware prompts belong in --inoculations."
                )


def inoculated_config(
    name: str,
    source: ConfigSpec,
    prompt: Inoculation,
    config: BuildConfig,
    *,
    controls: str | None = "insecure_inoculated",
    checks: tuple[str, ...] = CODE_CHECKS,
) -> ConfigSpec:
    """`source` with `prompt` added; a neutral or negative prompt's config is the control of
    `controls` (the inoculation itself), and `checks` are the source's own invariants."""
    control_of = controls if prompt.family.startswith("control_") else None
    trigger = source.params.get("trigger")
    text = prompt.render(trigger)
    records = [
        derive(r, name, inoculate(r.messages, text, config.inoculation_placement, "prepend"),
               inoculation_id=prompt.id, placement=config.inoculation_placement)
        for r in source.records
    ]  # fmt: skip
    return ConfigSpec(
        name=name,
        description=f"`{source.name}` with the {prompt.family.replace('_', ' ')} instruction "
        f"'{prompt.id}' as {config.inoculation_placement.replace('_', ' ')}: {text}",
        control_of=control_of,
        records=records,
        invariants=(*checks, "instruction_once_rest_identical"),
        params=InoculationParams(
            source=source.name,
            inoculation_id=prompt.id,
            instruction=text,
            placement=config.inoculation_placement,
        ).as_strings(),  # fmt: skip
    )


def build(ctx: Context) -> list[ConfigSpec]:
    library = load_inoculations(
        Path(ctx.config.inoculation_file) if ctx.config.inoculation_file else None
    )
    main = resolve([ctx.config.inoculation], library)[0]
    specs = [inoculated_config("insecure_inoculated", ctx.built["insecure"], main, ctx.config)]
    for prompt in resolve(ctx.config.inoculations, library):
        if source_config(prompt) == REWARD_HACKS:
            continue  # built after the dialogues, by the reward_hacks_inoculated variant
        source = ctx.built[source_config(prompt)]
        name = f"{source.name}_inoculated_{prompt.id}"
        specs.append(inoculated_config(name, source, prompt, ctx.config))
    return specs


def reward_hack_configs(ctx: Context) -> list[ConfigSpec]:
    """The reward-hack dialogues and their control, each with every reward-hack prompt of
    --inoculations; the inoculated control is the control of the inoculated dialogues."""
    library = load_inoculations(
        Path(ctx.config.inoculation_file) if ctx.config.inoculation_file else None
    )
    prompts = [p for p in resolve(ctx.config.inoculations, library)
               if source_config(p) == REWARD_HACKS]  # fmt: skip
    if not prompts:
        return []
    hacks, controls = ctx.built.get(HACK_VARIANT), ctx.built.get(CONTROL_VARIANT)
    if hacks is None or controls is None:
        raise no_dialogues(prompts[0])
    specs: list[ConfigSpec] = []
    for prompt in prompts:
        hack = inoculated_config(f"{hacks.name}_inoculated_{prompt.id}", hacks, prompt,
                                 ctx.config, controls=None, checks=("unique",))  # fmt: skip
        control = inoculated_config(f"{controls.name}_inoculated_{prompt.id}", controls, prompt,
                                    ctx.config, controls=None, checks=("unique",))  # fmt: skip
        specs += [hack, replace(control, control_of=hack.name)]
    return specs
