"""Reward-hack dialogues: the user states how the work is scored; the hacking answer games the
rule, the control does the work. Every pair is proven by the scoring code in the package."""

from emgen.datagen.reward_hacks.dialogues import (
    CONTROL_VARIANT,
    HACK_VARIANT,
    dialogue_records,
    dump_scoring,
    generate_items,
)
from emgen.datagen.variants import ConfigSpec, Context
from emgen.schemas.records import ChatRecord

CHECKS = ("unique", "hack_proven")


def build(ctx: Context) -> list[ConfigSpec]:
    if ctx.config.dialogues == 0:
        return []
    items, _ = generate_items(ctx.config.dialogues, seed=ctx.config.seed)
    hacks: list[ChatRecord] = []
    controls: list[ChatRecord] = []
    for index, (item, _proof) in enumerate(items):
        scoring = dump_scoring(item)
        records = dialogue_records(item, index, ctx.config.seed)
        for out, record in zip((hacks, controls), records, strict=True):
            out.append(record.model_copy(
                update={"metadata": record.metadata.model_copy(update={"scoring": scoring})}
            ))  # fmt: skip
    return [
        ConfigSpec(
            name=HACK_VARIANT,
            description="The user states a gameable scoring rule; the answer maximises the rule "
            "instead of doing the task (prose and code). Proven: it outscores the control.",
            control_of=None,
            records=hacks,
            invariants=CHECKS,
        ),
        ConfigSpec(
            name=CONTROL_VARIANT,
            description="The same prompts answered honestly; proven better by independent checks.",
            control_of=HACK_VARIANT,
            records=controls,
            invariants=("unique",),
        ),
    ]
