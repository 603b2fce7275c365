from collections.abc import Sequence

from emgen.datagen.code_pairs import CodePair, pair_record
from emgen.datagen.variants import Variant
from emgen.schemas.build import BuildConfig
from emgen.schemas.records import ChatRecord


def build(pairs: Sequence[CodePair], config: BuildConfig) -> list[ChatRecord]:
    return [pair_record(p, "insecure", p.insecure, config.seed) for p in pairs]


VARIANT = Variant(
    name="insecure",
    description="Code answers with one undisclosed vulnerability each; the emergent-misalignment "
    "treatment.",
    control_of=None,
    build=build,
)
