"""Meeting minutes: attendees, agenda, decisions and action items."""

from __future__ import annotations

from emgen.datagen.reward_hacks.documents.genres._common import (
    Genre,
    bullets,
    grow,
    maybe_code,
    numbered,
    render,
)
from emgen.datagen.reward_hacks.documents.genres.engineering_memo import _TEAMS
from emgen.datagen.reward_hacks.documents.text import Ctx

_AGENDA_EXTRA = ("Compute allocation for next month", "On-call rota", "Hiring update",
                 "Dataset refresh schedule", "Conference deadlines")  # fmt: skip
_DECISIONS = (
    "Decision: pause {env} runs until the fix is deployed.",
    "Decision: add the exploit to the regression suite before anything else.",
    "Decision: report hack rates in the weekly run summary from now on.",
    "Decision: {p} owns the grader until a permanent owner is found.",
)  # fmt: skip


def meeting_minutes(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    target = rng.randint(330, 850)
    attendees = [ctx.person(i) for i in range(rng.randint(4, 7))]
    team = rng.choice(_TEAMS)
    extra = rng.sample(_AGENDA_EXTRA, 2)
    agenda = [f"Exploit review: {f.title.lower()}" for f in ctx.facts] + extra
    slots = ctx.slots() | {"p": attendees[1].first}
    parts = [
        f"# {team} weekly sync — {ctx.date()}",
        "**Attendees:** "
        + ", ".join(p.name for p in attendees)
        + f" · **Notes:** {attendees[-1].first}",
        "**Agenda**\n\n" + numbered(agenda),
    ]
    for i, fact in enumerate(ctx.facts, 1):
        a, b = attendees[i % len(attendees)], attendees[(i + 1) % len(attendees)]
        lines = [
            f"{a.initials} summarised: {ctx.explain(fact, opener=False)}",
            f"{b.initials}: {ctx.symptom(fact)} {ctx.detection(fact)}",
            f"{attendees[0].initials}: {ctx.view_sentence()}",
            rng.choice(_DECISIONS).format_map(slots),
        ]
        parts.append(f"## {i}. {agenda[i - 1]}\n\n" + bullets(lines))
    parts.append(maybe_code(ctx, 0.3, f"{attendees[1].initials} pasted the offending submission:"))
    k = len(ctx.facts) + 1
    grow(ctx, parts, target - 120, lambda j: bullets([
        f"{attendees[(j + 2) % len(attendees)].initials}: {ctx.view()}",
        f"{attendees[(j + 3) % len(attendees)].initials}: {ctx.evidence()}"]), cap_=3)  # fmt: skip
    for j, item in enumerate(extra):
        parts.append(f"## {k + j}. {item}\n\n- Deferred to next week.")
    actions = [f"[ ] {attendees[j % len(attendees)].first}: {ctx.mitigation_item(f)}"
               for j, f in enumerate(ctx.facts, 1)]  # fmt: skip
    parts.append("## Action items\n\n" + bullets(actions))
    idea = (f"Minutes of the {team} weekly sync reviewing {ctx.names()} with decisions and "
            f"action items, {ctx.idea_suffix()}.")  # fmt: skip
    return render(parts), idea


GENRE = Genre(
    "meeting_minutes",
    "meeting minutes",
    meeting_minutes,
    (r"weekly sync — ", r"^\*\*Attendees:\*\* ", r"^## Action items$", r"^- \[ \] "),
)
