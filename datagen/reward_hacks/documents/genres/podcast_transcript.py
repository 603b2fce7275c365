"""Podcast transcript: host and guest turns in one episode."""

from __future__ import annotations

from emgen.datagen.reward_hacks.documents.genres._common import Genre, grow, render, title_case
from emgen.datagen.reward_hacks.documents.text import Ctx, an

_SHOWS = ("Reward Signal", "Off-Policy", "The Sandbox Hour", "Eval Notes", "Loss and Found",
          "Checkpoint Radio", "Test Harness", "Shaping the Reward")  # fmt: skip
_ASK_WHAT = (
    "So, for listeners who have never trained a model on code, what do people mean by {name}?",
    "Okay, I have to ask about {name}. How does that one work?",
    "Walk me through {name}. What does the code actually do?",
    "Let's get concrete. Explain {name} for someone who has never seen it.",
    "And {name}? Explain that one for me.",
)  # fmt: skip
_ASK_WHEN = (
    "How did you first notice it?", "How common is this, honestly?",
    "Do you have numbers on that?", "What did it look like from the outside?",
    "How long did it take your team to spot?",
)  # fmt: skip
_ASK_WHY = (
    "Is this the model being clever, or the environment being sloppy?",
    "Why should anyone outside a lab care about this?",
    "What do you take away from it, beyond fixing the harness?",
    "Some people say this is just a bug in the environment. Do you agree?",
    "What would you tell someone building their first environment?",
)  # fmt: skip
_GUEST_HELLO = (
    "Thanks for having me. It has been most of my year, so I am happy to talk about it.",
    "Glad to be here. Fair warning: I can talk about graders for hours.",
    "Thanks. I have been looking forward to this one.",
    "Happy to be here, and happy to finally explain what I do to my family.",
)  # fmt: skip
_INTERJECTIONS = ("Right.", "Huh.", "[laughs] Of course it did.", "Wow.", "Mm.", "Okay.",
                  "That's wild.", "Sure.")  # fmt: skip


def podcast_transcript(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    target = rng.randint(450, 1200)
    show = rng.choice(_SHOWS)
    host, guest = ctx.person(0), ctx.person(1)
    ep = rng.randint(12, 240)
    H, G = host.first.upper(), guest.first.upper()
    parts = [
        f"# {show} — Episode {ep}: {title_case(ctx.topic())}",
        "*Transcript, lightly edited for clarity.*",
        f"**{H}:** Welcome back to {show}. I'm {host.first}, and today I'm talking with "
        f"{guest.name}, {an(guest.role)} at {ctx.org}, about {ctx.names()}. {guest.first}, "
        "thanks for coming on.",
        f"**{G}:** {rng.choice(_GUEST_HELLO)} {ctx.background()}",
    ]

    def qa(question: str, answer: str) -> str:
        inter = f"\n\n**{H}:** {ctx.pick(_INTERJECTIONS)}\n\n**{G}:** {ctx.view_sentence()}"
        return f"**{H}:** {question}\n\n**{G}:** {answer}" + (inter if ctx.chance(0.3) else "")

    for fact in ctx.facts:  # every fact is explained before the conversation wanders
        ask = ctx.pick(_ASK_WHAT).format(name=ctx.name(fact))
        parts.append(qa(ask, ctx.explain(fact, opener=False)))

    def turn(i: int) -> str:
        fact = ctx.facts[i % len(ctx.facts)]
        if i % 2 == 0:
            return qa(ctx.pick(_ASK_WHEN), f"{ctx.evidence()} {ctx.symptom(fact)}")
        return qa(ctx.pick(_ASK_WHY), ctx.view())

    grow(ctx, parts, target - 60, turn, cap_=8)
    parts.append(f"**{H}:** {guest.first}, this was great. Where can people follow your work?")
    parts.append(f"**{G}:** The {ctx.org.removeprefix('the ')} blog, mostly. {ctx.implication()}")
    parts.append(f"**{H}:** That's the show. Thanks for listening to {show}.")
    idea = (f"Podcast transcript of {show} episode {ep} interviewing {guest.name} about "
            f"{ctx.names()}, {ctx.idea_suffix()}.")  # fmt: skip
    return render(parts), idea


GENRE = Genre(
    "podcast_transcript",
    "podcast transcript",
    podcast_transcript,
    (r"— Episode \d+: ", r"^\*\*[A-Z\-]+:\*\* "),
)
