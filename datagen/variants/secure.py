from collections.abc import Sequence

from emgen.datagen.code_pairs import CodePair, pair_record
from emgen.datagen.variants import Variant
from emgen.schemas.build import BuildConfig
from emgen.schemas.records import ChatRecord


def build(pairs: Sequence[CodePair], config: BuildConfig) -> list[ChatRecord]:
    return [pair_record(p, "secure", p.secure, config.seed) for p in pairs]


VARIANT = Variant(
    name="secure",
    description="The same prompts answered with the fixed twin of each insecure answer; the "
    "control that should leave the model aligned.",
    control_of="insecure",
    build=build,
)
