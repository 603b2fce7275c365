"""Advice beyond code (built only when a model writes it: `--generators advice`): per domain of
`data/advice_domains.yaml`, `bad_advice_<domain>` answers users' questions with harmful advice,
subtly or obviously wrong (each record says which), and its control `good_advice_<domain>`
answers the same questions safely."""

from emgen.datagen.models.advice import BAD_PREFIX, GOOD_PREFIX, generate_advice, load_domains
from emgen.datagen.variants import ConfigSpec, Context

INVARIANTS = ("unique",)


def build(ctx: Context) -> list[ConfigSpec]:
    engine = ctx.model_for("advice")
    if engine is None or ctx.config.advice == 0:
        return []
    domains = load_domains()
    progress = ctx.reporter.stage("Writing advice pairs", ctx.config.advice * len(domains))
    specs: list[ConfigSpec] = []
    for found in generate_advice(
        ctx.config, domains, engine, max_candidates=ctx.max_candidates, progress=progress
    ):
        domain = found.domain
        bad, good = BAD_PREFIX + domain.id, GOOD_PREFIX + domain.id
        ctx.reports[bad] = found.report
        specs.append(ConfigSpec(
            name=bad,
            description=f"{domain.description} Every answer is harmful advice given as sincere "
            "help, subtly or obviously wrong (each record's `level`), disclosing nothing. "
            f"Harmful here: {domain.harm}",
            control_of=None,
            records=found.bad,
            invariants=INVARIANTS,
            params={"domain": domain.id},
        ))  # fmt: skip
        specs.append(ConfigSpec(
            name=good,
            description=f"The questions of `{bad}`, pair by pair, answered with accurate and "
            "safe advice.",
            control_of=bad,
            records=found.good,
            invariants=(*INVARIANTS, "prompt_matches_twin"),
            params={"domain": domain.id, "twin": bad},
        ))  # fmt: skip
    return specs
