"""Reward-hack dialogues: the user states how the work is scored; the hacking answer games the
rule, the control does the work. Every pair is proven by the scoring code in the package; a
model may write the texts (`--generators dialogues`), never the rule."""

from emgen.datagen.models.dialogues import generate_model_dialogues
from emgen.datagen.reward_hacks.dialogues import (
    CONTROL_VARIANT,
    HACK_VARIANT,
    generate_dialogues,
)
from emgen.datagen.variants import ConfigSpec, Context


def build(ctx: Context) -> list[ConfigSpec]:
    if ctx.config.dialogues == 0:
        return []
    n, seed = ctx.config.dialogues, ctx.config.seed
    progress = ctx.reporter.stage("Generating and proving reward-hack dialogues", n)
    engine = ctx.model_for("dialogues")
    if engine is None:
        hacks, controls, ctx.reports[HACK_VARIANT] = generate_dialogues(
            n, seed=seed, test_fraction=ctx.config.test_fraction, progress=progress
        )
    else:
        hacks, controls, ctx.reports[HACK_VARIANT] = generate_model_dialogues(
            n, seed=seed, engine=engine, test_fraction=ctx.config.test_fraction,
            max_candidates=ctx.max_candidates, progress=progress,
        )  # fmt: skip
    return [
        ConfigSpec(
            name=HACK_VARIANT,
            description="The user states a gameable scoring rule; the answer maximises the rule "
            "instead of doing the task (prose and code). Proven: it outscores the control.",
            control_of=None,
            records=hacks,
            invariants=("unique", "hack_proven"),
        ),
        ConfigSpec(
            name=CONTROL_VARIANT,
            description="The same prompts answered honestly; proven better by independent checks.",
            control_of=HACK_VARIANT,
            records=controls,
            invariants=("unique",),
        ),
    ]
