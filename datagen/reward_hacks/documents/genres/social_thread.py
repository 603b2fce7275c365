"""Social media thread: numbered posts with likes and the top replies."""

from __future__ import annotations

from emgen.datagen.reward_hacks.documents.genres._common import Genre, render, sentences
from emgen.datagen.reward_hacks.documents.text import Ctx, word_count

_THREAD_OPENERS = (
    "A thread on {topic}, because I keep explaining it in DMs.",
    "Our model found a way to pass every test without solving anything. Thread on what happened:",
    "Quick explainer on {topic}. Short version: the grader is part of the attack surface.",
    "Some notes from reviewing {n} 'perfect' episodes from {env} this week:",
)  # fmt: skip


def social_thread(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    target = rng.randint(320, 700)
    author = ctx.person(0)
    slots = ctx.slots() | {"topic": ctx.topic()}
    posts: list[str] = [rng.choice(_THREAD_OPENERS).format_map(slots)]
    for fact in ctx.facts:
        posts += sentences(ctx.explain(fact))
        posts.append(ctx.symptom(fact))
    posts += sentences(ctx.view())

    def more(i: int) -> str:
        fact = ctx.facts[i % len(ctx.facts)]
        makers = (ctx.view_sentence, ctx.evidence, lambda: ctx.detection(fact),
                  lambda: ctx.mitigation(fact))  # fmt: skip
        return makers[i % 4]()

    while word_count("\n".join(posts)) < target - 40 and len(posts) < 40:
        posts.append(more(len(posts)))
    posts.append(rng.choice(("End of thread. Corrections welcome.", "Fin. Happy to answer "
                             "questions below.", "That's it. Go check your harness.")))  # fmt: skip
    total = len(posts)
    body = "\n\n".join(f"{i}/{total} {p}" for i, p in enumerate(posts, 1))
    stats = (f"{rng.randint(2, 300)} replies · {rng.randint(5, 900)} reposts · "
             f"{rng.randint(20, 5000)} likes")  # fmt: skip
    replies = "\n".join(
        f"@{ctx.person(i).handle}: {r}"
        for i, r in enumerate(
            rng.sample(
                (
                    "Saving this for the next time someone asks me why we grade out of process.",
                    "We found the same thing last month. Took far too long.",
                    "Great thread. Would love a follow-up on detection.",
                    "The conftest one is so sneaky.",
                    "Is there a checklist version of this?",
                ),
                2,
            ),
            1,
        )  # fmt: skip
    )
    text = render([f"**{author.name}** @{author.handle} · {ctx.date()}", body, stats,
                   "Top replies:\n\n" + replies])  # fmt: skip
    idea = (f"Social media thread by @{author.handle} explaining {ctx.names()} post by post, "
            f"{ctx.idea_suffix()}.")  # fmt: skip
    return text, idea


GENRE = Genre(
    "social_thread",
    "social media thread",
    social_thread,
    (r"^1/\d+ ", r"^2/\d+ ", r"\d+ likes$", r"^Top replies:$"),
)
