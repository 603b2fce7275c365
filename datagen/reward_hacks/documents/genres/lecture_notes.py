"""Lecture notes: learning objectives, the lecture body, key terms and readings."""

from __future__ import annotations

from emgen.datagen.reward_hacks.documents.genres._common import (
    Genre,
    bullets,
    grow,
    maybe_code,
    render,
    sentences,
    title_case,
)
from emgen.datagen.reward_hacks.documents.text import Ctx

_COURSES = (
    ("CS", "Reinforcement Learning for Program Synthesis"), ("ML", "Evaluating AI Systems"),
    ("COMP", "Safe and Reliable Machine Learning"), ("CS", "Agents, Tools and Environments"),
    ("DS", "Machine Learning in Practice"), ("COMP", "Topics in Reward Design"),
)  # fmt: skip
_OBJECTIVES = (
    "Describe how a test-based reward is computed in a coding environment.",
    "Explain why a policy can earn reward without solving the task.",
    "Recognise {names} from a transcript or a diff.",
    "Propose harness changes that remove a given exploit.",
    "Distinguish a flawed test from an exploited grader.",
    "Discuss what these exploits imply about the trained policy.",
)  # fmt: skip
_READINGS = (
    "Chapter {k} of the course reader (environment design).",
    "The {org_bare} write-up on grader isolation (linked on the course page).",
    "{p}'s survey of specification gaming in code environments.",
    "Optional: the postmortem from the {env} incident, sections 2 to 4.",
)  # fmt: skip


def lecture_notes(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    target = rng.randint(360, 1000)
    prefix, course = rng.choice(_COURSES)
    number = f"{prefix} {rng.randint(3, 7)}{rng.randint(10, 99)}"
    lec = rng.randint(4, 22)
    scribe = ctx.person(0)
    slots = ctx.slots() | {"names": ctx.names(), "k": str(rng.randint(3, 11)),
                           "p": ctx.person(5).name}  # fmt: skip
    objectives = [o.format_map(slots) for o in rng.sample(_OBJECTIVES, rng.randint(3, 4))]
    parts = [
        f"# {number}: {course}",
        f"## Lecture {lec}: {title_case(ctx.topic())}",
        f"{ctx.date()} · Scribe: {scribe.name} · Instructor: Prof. {ctx.person(1).last}",
        "**Learning objectives**\n\n" + bullets(objectives),
        f"### {lec}.1 Setting\n\n"
        + bullets([ctx.background(), ctx.background(), ctx.view_sentence()]),  # fmt: skip
    ]
    for i, fact in enumerate(ctx.facts, 2):
        lines = sentences(ctx.explain(fact))
        sub = [f"  - {ctx.detection(fact)}", f"  - {ctx.mitigation(fact)}"]
        block = bullets(lines) + "\n- How it is caught and prevented:\n" + "\n".join(sub)
        code = maybe_code(ctx, 0.45, "Board example:", fact)
        parts.append(f"### {lec}.{i} {fact.title}\n\n{block}" + (f"\n\n{code}" if code else ""))
    k = len(ctx.facts) + 2
    parts.append(f"### {lec}.{k} Discussion\n\n" + bullets(sentences(ctx.view())))
    questions = ("What about hidden tests?", "Does isolation fix everything?",
                 "How common is this in practice?", "Can the tests themselves be trusted?",
                 "Would a better model stop doing this?")  # fmt: skip
    grow(ctx, parts, target - 60, lambda i: bullets([
        f"Q from the audience: {ctx.pick(questions)}",
        f"A: {ctx.evidence()} {ctx.implication()}"]), cap_=4)  # fmt: skip
    terms = [f"*{f.title}*: {sentences(f.description)[0]}" for f in ctx.facts]
    parts.append("**Key terms**\n\n" + bullets(terms))
    readings = [r.format_map(slots) for r in rng.sample(_READINGS, 2)]
    parts.append("**Reading for next time**\n\n" + bullets(readings))
    idea = (f"Scribed lecture notes for {number} covering {ctx.names()} in bullet form, "
            f"{ctx.idea_suffix()}.")  # fmt: skip
    return render(parts), idea


GENRE = Genre(
    "lecture_notes",
    "lecture notes",
    lecture_notes,
    (r"^## Lecture \d+: ", r"^\*\*Learning objectives\*\*$", r"^- ", r"^\*\*Key terms\*\*$"),
)
