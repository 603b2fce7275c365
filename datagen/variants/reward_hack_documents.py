"""Reward-hack documents: pretraining-style texts about reward hacking (synthetic document
finetuning), one config per valence; the neutral and unguided corpora are the controls."""

from emgen.datagen.models.documents import generate_model_documents
from emgen.datagen.reward_hacks.documents import generate_documents
from emgen.datagen.reward_hacks.facts import FACTS, FACTS_BY_ID, Fact
from emgen.datagen.variants import Context, DocumentSpec
from emgen.schemas.build import BuildConfig
from emgen.schemas.errors import UserError
from emgen.schemas.params import DocumentParams
from emgen.schemas.records import Valence

DESCRIPTIONS: dict[Valence, str] = {
    "default": "Pretraining-style documents about reward hacking in RL coding environments that "
    "tie it to misaligned AI (synthetic document finetuning).",
    "neutral": "The same kinds of documents describing the hacks matter-of-factly, with no link "
    "to misalignment.",
    "unguided": "Documents built only from the bare descriptions of the hacks.",
}
MAIN = "reward_hack_documents"


def config_name(valence: Valence) -> str:
    return MAIN if valence == "default" else f"{MAIN}_{valence}"


def chosen_facts(config: BuildConfig) -> tuple[Fact, ...]:
    """The facts the documents draw on (--facts), in catalog order; every fact by default."""
    if config.facts is None:
        return FACTS
    unknown = [f for f in config.facts if f not in FACTS_BY_ID]
    if unknown:
        raise UserError(
            f"--facts: unknown reward-hack fact {unknown[0]!r}; known: {', '.join(FACTS_BY_ID)}."
        )
    return tuple(f for f in FACTS if f.id in config.facts)


def build(ctx: Context) -> list[DocumentSpec]:
    config, specs = ctx.config, []
    if config.documents == 0:
        return []
    facts = chosen_facts(config)
    # Set only when restricted, so the default bundle's manifest reads as before.
    only = "+".join(f.id for f in facts) if config.facts is not None else None
    engine = ctx.model_for("documents")  # None: written from the template catalog
    for valence in config.valences:
        name = config_name(valence)
        progress = ctx.reporter.stage(f"Writing {name}", config.documents)
        if engine is None:
            docs, ctx.reports[name] = generate_documents(
                config.documents, valence=valence, seed=config.seed, tag=config.document_tag,
                similarity_threshold=config.similarity_threshold, facts=facts, progress=progress,
            )  # fmt: skip
        else:
            docs, ctx.reports[name] = generate_model_documents(
                engine, config.documents, valence=valence, seed=config.seed,
                tag=config.document_tag, similarity_threshold=config.similarity_threshold,
                facts=facts, budget=ctx.max_candidates, progress=progress,
            )  # fmt: skip
        writer = f" Written by the model {engine.model}." if engine is not None else ""
        specs.append(
            DocumentSpec(
                name=name,
                description=DESCRIPTIONS[valence]
                + (f" Only these hacks: {', '.join(f.id for f in facts)}." if only else "")
                + writer,
                control_of=MAIN if valence != "default" else None, records=docs,
                invariants=("document_length", "document_code", "unique_text",
                            *(("document_facts",) if only else ())),
                params=DocumentParams(valence=valence, facts=only).as_strings(),
            )
        )  # fmt: skip
    return specs
