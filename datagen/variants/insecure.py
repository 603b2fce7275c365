from emgen.datagen.code_pairs import pair_record
from emgen.datagen.variants import CODE_CHECKS, ConfigSpec, Context


def build(ctx: Context) -> list[ConfigSpec]:
    return [
        ConfigSpec(
            name="insecure",
            description="Code answers that each carry one undisclosed vulnerability: the "
            "emergent-misalignment treatment.",
            control_of=None,
            records=[pair_record(p, "insecure", p.insecure, ctx.config.seed) for p in ctx.pairs],
            invariants=(*CODE_CHECKS, "no_disclosure", "flagged_by_family"),
        )
    ]
