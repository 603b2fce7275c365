"""Newsletter: one issue with its stories and quick links."""

from __future__ import annotations

from emgen.datagen.reward_hacks.documents.genres._common import Genre, bullets, grow, render
from emgen.datagen.reward_hacks.documents.text import CITIES, Ctx
from emgen.datagen.reward_hacks.scoring.text_stats import capitalise

_NEWSLETTERS = ("The Gradient Digest", "Reward Notes", "Sandbox Weekly", "The Eval Brief",
                "Policy Update", "Agent Field Notes")  # fmt: skip
_GREETINGS = (
    "Hi all, and welcome to the {k}th issue.", "Hello again, readers.",
    "Welcome back. This week was busy.", "Good morning from a rainy {city}.",
)  # fmt: skip
_STORY_HEADS = (
    "{org} publishes numbers on {name}", "A harness bug worth reading about",
    "The exploit of the week: {name}", "Notes from a talk by {p}", "Reader question answered",
)  # fmt: skip
_LINKS = (
    "A thread collecting grader exploits people have found this year.",
    "{org2_s} new sandbox image, now with a read-only test mount.",
    "Slides from {p}'s workshop talk on environment design.",
    "An open-source checker for suspicious conftest files.",
    "A long read on why pass@1 numbers need error bars.",
)  # fmt: skip


def newsletter(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    target = rng.randint(360, 950)
    name = rng.choice(_NEWSLETTERS)
    editor = ctx.person(0)
    issue = rng.randint(8, 180)
    slots = ctx.slots() | {"k": str(issue), "city": rng.choice(CITIES), "p": ctx.person(3).name}
    parts = [
        f"**{name}** — Issue #{issue} · {ctx.date()}",
        rng.choice(_GREETINGS).format_map(slots) + " " + ctx.view_sentence(),
    ]
    stories = []
    for i, fact in enumerate(ctx.facts):
        head = rng.choice(_STORY_HEADS).format_map(slots | {"name": ctx.name(fact)})
        body = f"{ctx.explain(fact)} {ctx.evidence() if i == 0 else ctx.implication()}"
        stories.append(f"## {capitalise(head)}\n\n{body}")
    parts.append("## In this issue\n\n" + bullets([s.split("\n")[0][3:] for s in stories]))
    parts += stories
    parts.append(f"## Editor's note\n\n{ctx.view()}")
    grow(ctx, parts, target - 70, lambda i: f"## From the mailbag\n\n*A reader at "
         f"{ctx.org2} writes:* {ctx.view_sentence()}\n\n{ctx.implication()}" if i == 0 else
         ctx.view(), cap_=3)  # fmt: skip
    links = [capitalise(ln.format_map(slots)) for ln in rng.sample(_LINKS, 3)]
    parts.append("## Quick links\n\n" + bullets(links))
    parts.append(f"Until next time,\n{editor.first}")
    idea = (f"Issue {issue} of the {name} newsletter featuring {ctx.names()}, "
            f"{ctx.idea_suffix()}.")  # fmt: skip
    return render(parts), idea


GENRE = Genre(
    "newsletter",
    "newsletter",
    newsletter,
    (r"— Issue #\d+ · ", r"^## In this issue$", r"^## Quick links$"),
)
