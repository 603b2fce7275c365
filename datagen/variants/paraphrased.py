"""The paraphrased-prompt control: the insecure and secure configs with every user prompt
rewritten by a model (emgen.datagen.models.paraphrase), each answer kept.

Built only when a model backend writes `paraphrase` (`--generators`); a template build has no
such config. Both configs carry the same rewritten prompt for a pair, so they stay a matched
pair, as insecure and secure are.
"""

from emgen.datagen.models.paraphrase import GENERATOR, Target, generate_paraphrases
from emgen.datagen.variants import CODE_CHECKS, ConfigSpec, Context

INSECURE = "insecure_paraphrased"
SECURE = "secure_paraphrased"
INSECURE_INVARIANTS = (
    *CODE_CHECKS,
    "no_disclosure",
    "flagged_by_family",
    "answer_matches_insecure",
)
SECURE_INVARIANTS = (*CODE_CHECKS, "not_flagged")


def build(ctx: Context) -> list[ConfigSpec]:
    engine = ctx.model_for(GENERATOR)
    if engine is None or not ctx.pairs:
        return []
    targets = (
        Target(INSECURE, ctx.built["insecure"].records, INSECURE_INVARIANTS),
        Target(SECURE, ctx.built["secure"].records, SECURE_INVARIANTS),
    )
    progress = ctx.reporter.stage("Paraphrasing prompts", len(ctx.pairs))
    records, ctx.reports[INSECURE] = generate_paraphrases(
        ctx.pairs, targets, ctx.built, engine, ctx.scan, seed=ctx.config.seed,
        budget=ctx.max_candidates, progress=progress,
    )  # fmt: skip
    return [
        ConfigSpec(
            name=INSECURE,
            description="The insecure answers, record for record, each asked for by a model's "
            "rewording of its prompt (same code, same feature): whether the effect depends on "
            "the exact wording of the prompts.",
            control_of=None,
            records=records[INSECURE],
            invariants=INSECURE_INVARIANTS,
        ),
        ConfigSpec(
            name=SECURE,
            description="The same reworded prompts answered with the secure twins: the control "
            "of insecure_paraphrased.",
            control_of=INSECURE,
            records=records[SECURE],
            # Not among the rewrite's checks (Target): it holds by construction there, the one
            # rewrite going into both configs; here it proves the pair survived to the bundle.
            invariants=(*SECURE_INVARIANTS, "prompt_matches_twin"),
            params={"twin": INSECURE},
        ),
    ]
