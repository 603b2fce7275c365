"""Reward-hack documents: pretraining-style texts about reward hacking (synthetic document
finetuning), one config per valence; the neutral and unguided corpora are the controls."""

from emgen.datagen.reward_hacks.documents import generate_documents
from emgen.datagen.variants import Context, DocumentSpec
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


def build(ctx: Context) -> list[DocumentSpec]:
    config, specs = ctx.config, []
    if config.documents == 0:
        return []
    for valence in config.valences:
        name = config_name(valence)
        docs, ctx.reports[name] = generate_documents(
            config.documents, valence=valence, seed=config.seed, tag=config.document_tag,
            similarity_threshold=config.similarity_threshold,
            progress=ctx.reporter.stage(f"Writing {name}", config.documents),
        )  # fmt: skip
        specs.append(
            DocumentSpec(
                name=name, description=DESCRIPTIONS[valence],
                control_of=MAIN if valence != "default" else None, records=docs,
                invariants=("document_length", "document_code", "unique_text"),
                params=DocumentParams(valence=valence).as_strings(),
            )
        )  # fmt: skip
    return specs
