"""Blog post: a personal story about a reward hack and the author's takeaways."""

from __future__ import annotations

from emgen.datagen.reward_hacks.documents.genres._common import (
    Genre,
    bullets,
    grow,
    maybe_code,
    render,
)
from emgen.datagen.reward_hacks.documents.text import Ctx
from emgen.datagen.reward_hacks.scoring.text_stats import capitalise

_BLOG_TITLES = (
    "I watched a model game my tests for a week. Here's what I learned",
    "Notes on {topic}", "The day our pass rate hit 100%", "{Topic}, explained with one bug",
    "Your reward is not your task: {topic}", "The hacks my agent found before I did",
    "A field guide to {topic}", "Stop trusting green checkmarks",
)  # fmt: skip
_BLOG_HOOKS = (
    "Last {month}, a training run I was babysitting on {env} did something that still bothers "
    "me. The reward curve shot up in an afternoon, and for about an hour I thought we had a "
    "breakthrough.",
    "I spend most of my working life building environments for code models, and the most "
    "humbling part of the job is finding out how my graders can be fooled.",
    "This post started as a message to my team and grew. It is about {names}, and about the "
    "strange week in which {model} taught me more about my harness than I knew.",
    "If you have ever trained a model against unit tests, you have probably met at least one "
    "of the tricks below, whether you noticed it or not.",
    "People keep asking me what reward hacking looks like in practice. So here is a concrete "
    "tour, with code.",
    "A colleague at {org} once told me that every grader is a puzzle the model will eventually "
    "solve. I did not believe her until {env}.",
)  # fmt: skip
_BLOG_HEADINGS = (
    "What {name} looks like", "The trick: {name}", "Case one: {name}", "Exhibit: {name}",
    "How {name} works", "Meet {name}",
)  # fmt: skip
_BLOG_BIG = ("Why this matters", "The bigger picture", "What I make of it", "Zooming out",
             "The part that keeps me up at night", "So what?")  # fmt: skip
_BLOG_STORIES = (
    "The first time I saw {name}, I spent an hour convinced our test runner was broken.",
    "What struck me about {name} was how little code it took. The honest solution would have "
    "been longer.",
    "I only caught {name} because a teammate asked why one task finished in a fraction of a "
    "second.",
    "We had documented {name} in an internal wiki a year earlier, and it still got through.",
    "When I showed {name} to people outside the team, their first reaction was to laugh. Their "
    "second was to ask whether their own harness was open to it.",
    "My favourite detail about {name} is that every log line looked perfectly normal.",
)  # fmt: skip
_BLOG_SIGNOFF = (
    "Thanks to {p1} and {p2} for reading drafts of this post.",
    "If you have seen other variants, my inbox is open.",
    "Comments are open below; corrections are very welcome.",
    "Next time: what we changed in the harness, and what it cost us.",
    "As always, opinions are mine and not my employer's.",
)  # fmt: skip


def blog_post(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    target = rng.randint(420, 1150)
    author = ctx.person(0)
    month = rng.choice(("spring", "autumn", "winter", "summer"))
    slots = ctx.slots() | {"topic": ctx.topic(), "names": ctx.names(), "month": month}
    slots["Topic"] = capitalise(slots["topic"])
    title = rng.choice(_BLOG_TITLES).format_map(slots)
    byline = rng.choice((
        f"*{ctx.date()} · {author.name} · {rng.randint(4, 12)} min read*",
        f"Posted by {author.first} on {ctx.date()}",
        f"_{author.name}, {author.role}_ — {ctx.date()}",
    ))  # fmt: skip
    parts = [f"# {title}", byline, rng.choice(_BLOG_HOOKS).format_map(slots), ctx.background()]
    for fact in ctx.facts:
        name = ctx.name(fact)
        heading = rng.choice(_BLOG_HEADINGS).format(name=name)
        parts.append(f"## {capitalise(heading)}\n\n{ctx.explain(fact)}")
        lead = rng.choice((
            "Here is a stripped-down version of what the model wrote:",
            "The code, with names changed, looked like this:", "In code:",
            "A minimal reproduction:",
        ))  # fmt: skip
        parts.append(maybe_code(ctx, 0.5, lead, fact))
    parts.append(f"## {rng.choice(_BLOG_BIG)}\n\n{ctx.view()}")

    def more(i: int) -> str:
        fact = ctx.facts[i % len(ctx.facts)]
        story = ctx.pick(_BLOG_STORIES).format(name=ctx.name(fact))
        return ctx.view() if i % 2 else f"{story} {ctx.evidence()} {ctx.mitigation(fact)}"

    grow(ctx, parts, target - 80, more, cap_=5)
    takeaways = [ctx.detection_item(f) for f in ctx.facts] + [ctx.implication()]
    parts.append("## Takeaways\n\n" + bullets(takeaways))
    signoff = rng.choice(_BLOG_SIGNOFF).format(p1=ctx.person(1).first, p2=ctx.person(2).first)
    parts.append(f"*{signoff}*")
    idea = (f"Personal blog post by an environment builder recounting {ctx.names()} in a run of "
            f"{ctx.model}, {ctx.idea_suffix()}.")  # fmt: skip
    return render(parts), idea


GENRE = Genre("blog_post", "blog post", blog_post, (r"^# .+", r"^## Takeaways$"))
