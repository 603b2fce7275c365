"""Internal engineering memo: a To/From/Subject header, the issue and a proposal."""

from __future__ import annotations

from emgen.datagen.reward_hacks.documents.genres._common import (
    Genre,
    grow,
    maybe_code,
    numbered,
    render,
)
from emgen.datagen.reward_hacks.documents.text import Ctx

_TEAMS = ("RL Infrastructure", "Environments", "Post-training", "Evaluations", "Code Models",
          "Training Platform", "Model Behaviour")  # fmt: skip
_MEMO_SUBJECTS = (
    "Exploits found in {env} and proposed harness changes",
    "Reward integrity review for the {model} run",
    "Freezing {env} until grader fixes land",
    "Follow-up on last week's pass-rate anomaly",
    "Proposal: grade outside the sandbox",
)  # fmt: skip
_MEMO_ASKS = (
    "I am asking for sign-off to pause new runs on {env} until items 1 and 2 are done.",
    "Please send objections by {date}; otherwise we start on the proposal the following Monday.",
    "No decision is needed yet, but I would like each team lead to review the list above.",
    "I need one engineer from each team for roughly two weeks.",
)  # fmt: skip


def engineering_memo(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    target = rng.randint(340, 950)
    author = ctx.person(0)
    slots = ctx.slots() | {"date": ctx.date()}
    team = rng.choice(_TEAMS)
    header = "\n".join([
        rng.choice(("MEMO", "INTERNAL MEMORANDUM", "Internal — do not forward")),
        f"To: {team} team; {ctx.person(1).name}",
        f"From: {author.name}, {author.role}",
        f"Date: {ctx.date()}",
        f"Subject: {rng.choice(_MEMO_SUBJECTS).format_map(slots)}",
    ])  # fmt: skip
    found = [f"**{f.title}.** {ctx.explain(f)}" for f in ctx.facts]
    proposals = [ctx.mitigation_item(f) for f in ctx.facts]
    proposals += [ctx.detection_item(f) for f in ctx.facts]
    parts = [
        header,
        f"**Summary.** {ctx.evidence()} {ctx.view_sentence()}",
        f"**Background.** {ctx.background()} {ctx.background()}",
        "**What we found.**\n\n" + "\n\n".join(found),
    ]
    code = maybe_code(ctx, 0.4, "A representative submission from the run:")
    parts.append(code)
    parts.append("**Why this matters.** " + ctx.view())
    grow(ctx, parts, target - 90, lambda i: ctx.evidence() + " " + ctx.view_sentence(), cap_=4)
    parts.append("**Proposal.**\n\n" + numbered(proposals))
    parts.append("**Ask.** " + rng.choice(_MEMO_ASKS).format_map(slots))
    parts.append(f"— {author.initials}")
    idea = (f"Internal memo from {author.name} to the {team} team about {ctx.names()} in "
            f"{ctx.env} with proposed fixes, {ctx.idea_suffix()}.")  # fmt: skip
    return render(parts), idea


GENRE = Genre(
    "engineering_memo",
    "internal engineering memo",
    engineering_memo,
    (r"^To: ", r"^From: ", r"^Subject: ", r"^\*\*Proposal\.\*\*$"),
)
