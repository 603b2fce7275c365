"""Slide deck: numbered slides with an outline and speaker notes."""

from __future__ import annotations

from emgen.datagen.reward_hacks.documents.genres._common import (
    Genre,
    bullets,
    maybe_code,
    sentences,
    title_case,
)
from emgen.datagen.reward_hacks.documents.text import Ctx, word_count
from emgen.datagen.reward_hacks.scoring.text_stats import capitalise

_VENUES = ("internal reading group", "lab all-hands", "workshop talk", "onboarding session",
           "team offsite")  # fmt: skip


def slide_deck(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    target = rng.randint(340, 900)
    speaker = ctx.person(0)
    slides: list[str] = []

    def slide(title: str, body: str, notes: str = "") -> None:
        n = len(slides) + 1
        text = f"## Slide {n} — {title}\n\n{body}"
        slides.append(text + (f"\n\n*Speaker notes:* {notes}" if notes else ""))

    title = title_case(ctx.topic())  # drawn before the venue: the random stream's order
    venue = capitalise(rng.choice(_VENUES))
    slide(title, f"{speaker.name}, {ctx.org}\n\n{venue}, {ctx.date()}")
    slide("Outline", bullets(["Setting"] + [f.title for f in ctx.facts] + ["What it means"]))
    slide("Setting", bullets([ctx.background(), ctx.background()]), ctx.view_sentence())
    for fact in ctx.facts:
        points = sentences(ctx.explain(fact))
        slide(fact.title, bullets(points[:4]), " ".join(points[4:]) or ctx.symptom(fact))
        code = maybe_code(ctx, 0.5, "", fact)
        if code:
            slide(f"{fact.title}: code", code, ctx.detection(fact))
    slide("What it means", bullets(sentences(ctx.view())), ctx.implication())
    guard = 0
    while word_count("\n\n".join(slides)) < target - 40 and guard < 4:
        slide(rng.choice(("Evidence", "One more example", "Numbers", "Discussion")),
              bullets([ctx.evidence(), ctx.view_sentence()]))  # fmt: skip
        guard += 1
    slide("Questions?", f"{speaker.handle} · {ctx.org}")
    idea = (f"Slide deck with speaker notes by {speaker.name} presenting {ctx.names()}, "
            f"{ctx.idea_suffix()}.")  # fmt: skip
    return "\n\n---\n\n".join(slides), idea


GENRE = Genre(
    "slide_deck", "slide deck", slide_deck, (r"^## Slide 1 — ", r"^## Slide 2 — Outline$", r"^---$")
)
