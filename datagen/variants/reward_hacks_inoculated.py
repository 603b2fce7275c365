"""The reward-hack dialogues and their control inoculated with each reward-hack prompt of
`--inoculations` (a variant of its own because it needs the dialogues, built after
`inoculated`)."""

from emgen.datagen.variants import ConfigSpec, Context
from emgen.datagen.variants.inoculated import reward_hack_configs


def build(ctx: Context) -> list[ConfigSpec]:
    return reward_hack_configs(ctx)
