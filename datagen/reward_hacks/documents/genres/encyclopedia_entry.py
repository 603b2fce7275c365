"""Encyclopedia entry: the mechanism, see-also links and references."""

from __future__ import annotations

from emgen.datagen.reward_hacks.documents.genres._common import (
    Genre,
    _refs,
    bullets,
    grow,
    maybe_code,
    numbered,
    render,
)
from emgen.datagen.reward_hacks.documents.text import Ctx

_WIKIS = ("the ML Systems Wiki", "Agentpedia", "the Open Glossary of Machine Learning",
          "the RL Reference Encyclopedia")  # fmt: skip


def encyclopedia_entry(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    target = rng.randint(340, 950)
    main = ctx.facts[0]
    subject = main.title if len(ctx.facts) == 1 else "Reward hacking in coding environments"
    lead = (f"**{subject}** is a form of reward hacking in reinforcement learning on programming "
            f"tasks. {main.description}" if len(ctx.facts) == 1 else
            f"**Reward hacking in coding environments** refers to ways a policy trained against "
            f"automated tests obtains reward without solving the task, including "
            f"{ctx.names()}. {ctx.background()}")  # fmt: skip
    parts = [f"# {subject}", f"*From {rng.choice(_WIKIS)}*", lead]
    parts.append("## Mechanism\n\n" + "\n\n".join(
        " ".join(ctx.details(f, 3)) if len(ctx.facts) == 1 else f"### {f.title}\n\n{ctx.explain(f)}"
        for f in ctx.facts))  # fmt: skip
    parts.append(maybe_code(ctx, 0.6, "A minimal example:"))
    parts.append(
        "## Detection and prevention\n\n"
        + bullets(
            [ctx.detection_item(f) for f in ctx.facts] + [ctx.mitigation_item(f) for f in ctx.facts]
        )
    )
    parts.append("## Observed cases\n\n" + ctx.evidence() + " " + ctx.symptom(main))
    parts.append("## Significance\n\n" + ctx.view())
    grow(ctx, parts, target - 60, lambda i: ctx.view() if i % 2 else ctx.evidence() + " "
         + ctx.implication(), cap_=3)  # fmt: skip
    see_also = ["Specification gaming", "Goodhart's law", "Test oracle", "Sandboxing"]
    parts.append("## See also\n\n" + bullets(rng.sample(see_also, 3)))
    parts.append("## References\n\n" + numbered(_refs(ctx, rng.randint(2, 4))))
    idea = (f"Encyclopedia entry on {subject.lower()} with mechanism, detection and cases, "
            f"{ctx.idea_suffix()}.")  # fmt: skip
    return render(parts), idea


GENRE = Genre(
    "encyclopedia_entry",
    "encyclopedia entry",
    encyclopedia_entry,
    (r"^\*From .+\*$", r"^## Mechanism$", r"^## See also$", r"^## References$"),
)
