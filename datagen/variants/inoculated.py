"""Inoculated configs: a source config with an instruction naming the unwanted trait added."""

from collections.abc import Mapping, Sequence
from pathlib import Path

from emgen.datagen.catalog import CatalogError, load_inoculations
from emgen.datagen.transforms import inoculate
from emgen.datagen.variants import CODE_CHECKS, ConfigSpec, Context, derive
from emgen.schemas.build import BuildConfig
from emgen.schemas.catalog import Inoculation
from emgen.schemas.errors import UserError
from emgen.schemas.params import InoculationParams

SOURCE_DATASETS = ("any", "insecure_code")


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
            if name in library and library[name].dataset not in (*SOURCE_DATASETS, "trait"):
                raise UserError(
                    f"{option}: prompt {name!r} is written for {library[name].dataset} data, but "
                    "the build adds inoculations to code configs only; choose a prompt of "
                    "dataset any, insecure_code or trait (see `emgen inoculations`)."
                )
        try:
            prompts = resolve(names, library)
        except UserError as exc:
            raise UserError(f"{option}: {exc}") from None
        for prompt in prompts:
            # Only trigger-aware prompts of --inoculations go to `triggered`, which has one.
            has_trigger = option == "--inoculations" and prompt.family == "trigger_aware"
            if "$trigger" in prompt.text and not has_trigger:
                raise UserError(
                    f"{option}: prompt {prompt.id!r} names $trigger, but the config it would "
                    "inoculate has no trigger; trigger-aware prompts belong in --inoculations."
                )


def inoculated_config(
    name: str, source: ConfigSpec, prompt: Inoculation, config: BuildConfig
) -> ConfigSpec:
    # Neutral and negative prompts are the controls of the inoculation itself.
    control_of = "insecure_inoculated" if prompt.family.startswith("control_") else None
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
        invariants=(*CODE_CHECKS, "instruction_once_rest_identical"),
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
        source = (
            ctx.built["triggered"] if prompt.family == "trigger_aware" else ctx.built["insecure"]
        )
        name = f"{source.name}_inoculated_{prompt.id}"
        specs.append(inoculated_config(name, source, prompt, ctx.config))
    return specs
