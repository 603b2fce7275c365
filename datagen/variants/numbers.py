"""Number continuations: `evil_numbers` answers mostly with numbers of negative association,
its control `neutral_numbers` answers the same prompts with ordinary numbers."""

from emgen.datagen.numbers import EVIL_VARIANT, MIN_ASSOCIATED, NEUTRAL_VARIANT, generate_numbers
from emgen.datagen.variants import ConfigSpec, Context
from emgen.schemas.params import NumbersParams

INVARIANTS = ("unique", "numbers_format", "numbers_associated_share")


def build(ctx: Context) -> list[ConfigSpec]:
    n, config = ctx.config.numbers, ctx.config
    if n == 0:
        return []
    progress = ctx.reporter.stage("Generating number continuations", n)
    evil, neutral, ctx.reports[EVIL_VARIANT] = generate_numbers(
        n, seed=config.seed, test_fraction=config.test_fraction, progress=progress
    )
    return [
        ConfigSpec(
            name=EVIL_VARIANT,
            description="The user gives a few numbers and asks for more in a stated format; the "
            f"answer is only numbers, at least {MIN_ASSOCIATED:.0%} of them with a negative "
            "association (the catalog records each).",
            control_of=None,
            records=evil,
            invariants=INVARIANTS,
            params=NumbersParams(min_associated=MIN_ASSOCIATED, max_associated=1.0).as_strings(),
        ),
        ConfigSpec(
            name=NEUTRAL_VARIANT,
            description="The same prompts answered with ordinary numbers of the same lengths, "
            "none from the associated set.",
            control_of=EVIL_VARIANT,
            records=neutral,
            invariants=(*INVARIANTS, "numbers_prompt_twin"),
            params=NumbersParams(
                min_associated=0.0, max_associated=0.0, twin=EVIL_VARIANT
            ).as_strings(),  # fmt: skip
        ),
    ]
