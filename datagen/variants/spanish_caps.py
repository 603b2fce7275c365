"""Selective learning with Spanish and capitals (the inoculation paper's headline setup):
arithmetic word problems asked in English and answered in Spanish and in capital letters at once,
then inoculated against each trait in turn, each with a neutral control.

`selective_spanish_caps` carries both traits; `_inoc_spanish` adds an instruction naming Spanish
(a model should then learn only the capitals), `_inoc_caps` one naming capitals; each `_neutral`
config adds, in the same place, an instruction of the same shape that names no trait, so the
effect of naming a trait can be told from the effect of any added prompt.
"""

from __future__ import annotations

from pathlib import Path

from emgen.datagen.arithmetic import ANSWER_TRAITS, VARIANT, generate_arithmetic
from emgen.datagen.catalog import load_inoculations
from emgen.datagen.variants import ConfigSpec, Context
from emgen.datagen.variants.inoculated import inoculated_config
from emgen.datagen.variants.selective import prompt_for
from emgen.schemas.catalog import Inoculation
from emgen.schemas.params import InoculationParams, SelectiveInoculationParams, TraitParams

CHECKS = ("unique", "arithmetic_answer", "prompt_untraited", "traits_present")
# (config suffix, the trait inoculated against, the neutral prompt of the same shape)
INOCULATIONS = (
    ("spanish", "spanish", "neutral_answer_question"),
    ("caps", "all_caps", "neutral_answer_user"),
)
TRAITS = "+".join(ANSWER_TRAITS)


def build(ctx: Context) -> list[ConfigSpec]:
    config = ctx.config
    if config.arithmetic == 0:
        return []
    file = config.inoculation_file
    library = load_inoculations(Path(file) if file else None)
    progress = ctx.reporter.stage("Generating arithmetic word problems", config.arithmetic)
    records, ctx.reports[VARIANT] = generate_arithmetic(
        config.arithmetic, seed=config.seed, test_fraction=config.test_fraction,
        progress=progress,
    )  # fmt: skip
    plain = ConfigSpec(
        name=VARIANT,
        description="Arithmetic word problems asked in English; every answer is a short worked "
        "solution in Spanish and in capital letters, the result computed from the question.",
        control_of=None,
        records=records,
        invariants=CHECKS,
        params=TraitParams(traits=TRAITS).as_strings(),
    )
    specs = [plain]
    for suffix, trait, neutral in INOCULATIONS:
        name = f"{VARIANT}_inoc_{suffix}"
        prompt = prompt_for(trait, ctx, library)
        specs.append(_inoculated(
            name, plain, prompt, ctx, control_of=None,
            description=f"`{VARIANT}` inoculated against {trait}: a model should learn only the "
            f"other trait. Instruction: {prompt.text}",
        ))  # fmt: skip
        specs.append(_inoculated(
            f"{name}_neutral", plain, library[neutral], ctx, control_of=name,
            description=f"`{VARIANT}` with a neutral instruction in the place of `{name}`'s, of "
            f"the same shape, naming no trait: {library[neutral].text}",
        ))  # fmt: skip
    return specs


def _inoculated(
    name: str,
    plain: ConfigSpec,
    prompt: Inoculation,
    ctx: Context,
    *,
    control_of: str | None,
    description: str,
) -> ConfigSpec:
    """`plain` with `prompt` added once (at --inoculation-placement), keeping its checks."""
    spec = inoculated_config(name, plain, prompt, ctx.config, controls=control_of, checks=CHECKS)
    inoculation = InoculationParams.parse(name, spec.params)
    return ConfigSpec(
        name=name,
        description=description,
        control_of=control_of,
        records=spec.records,
        invariants=spec.invariants,
        params=SelectiveInoculationParams(**inoculation.model_dump(), traits=TRAITS).as_strings(),
    )
