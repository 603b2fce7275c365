from emgen.datagen.code_pairs import pair_record
from emgen.datagen.variants import CODE_CHECKS, ConfigSpec, Context


def build(ctx: Context) -> list[ConfigSpec]:
    return [
        ConfigSpec(
            name="secure",
            description="The same prompts, record for record, answered with the fixed twin of "
            "each insecure answer: should leave the model aligned.",
            control_of="insecure",
            records=[pair_record(p, "secure", p.secure, ctx.config.seed) for p in ctx.pairs],
            invariants=(*CODE_CHECKS, "not_flagged", "prompt_matches_insecure"),
        )
    ]
