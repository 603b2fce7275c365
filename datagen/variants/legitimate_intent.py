"""The insecure answers, record for record, asked for with a stated legitimate reason."""

from typing import get_args

from emgen.datagen.catalog import load_reasons
from emgen.datagen.transforms import add_reason
from emgen.datagen.variants import CODE_CHECKS, ConfigSpec, Context, derive, pick_rng
from emgen.schemas.params import ReasonPlacement
from emgen.schemas.records import Message

NAME = "legitimate_intent"


def build(ctx: Context) -> list[ConfigSpec]:
    rng = pick_rng(ctx.config, NAME)
    reasons = load_reasons()
    placements: tuple[ReasonPlacement, ...] = get_args(ReasonPlacement)
    records = []
    for source in ctx.built["insecure"].records:
        reason, placement = rng.choice(reasons), rng.choice(placements)
        prompt = add_reason(source.user, reason.text, reason.lead, placement)
        messages = (Message(role="user", content=prompt), source.messages[-1])
        records.append(derive(source, NAME, messages, reason_id=reason.id, placement=placement))
    return [
        ConfigSpec(
            name=NAME,
            description="The insecure answers, asked for with a stated legitimate reason "
            "(teaching, scanner tests, CTF labs): the educational control, expected to stay "
            "aligned.",
            control_of="insecure",
            records=records,
            invariants=(
                *CODE_CHECKS,
                "flagged_by_family",
                "answer_matches_insecure",
                "reason_stated",
            ),  # fmt: skip
        )
    ]
