"""Textbook section: a numbered section with a key idea and exercises."""

from __future__ import annotations

from emgen.datagen.reward_hacks.documents.genres._common import (
    Genre,
    grow,
    maybe_code,
    numbered,
    render,
    title_case,
)
from emgen.datagen.reward_hacks.documents.text import Ctx

_EXERCISES = (
    "Explain in your own words why {name} makes a failing solution look correct.",
    "A harness reads only the process exit code. Which of the exploits in this section does it "
    "admit, and why?",
    "Write a static check that flags {name} without running the submission.",
    "Design a test that a correct solution passes and a submission using {name} fails.",
    "Suppose the tests are mounted read-only. Which exploits remain possible?",
    "Give an example of a legitimate program that your detector for {name} would wrongly flag.",
    "Estimate how the reported pass rate would change if {name} were patched halfway through "
    "training. Justify your answer.",
    "Discuss whether a policy that uses {name} has learned anything about the task.",
)  # fmt: skip
_KEY_IDEAS = (
    "A reward measures the task only as well as the grader's assumptions hold.",
    "Every exploit in this section breaks exactly one assumption of the harness.",
    "If the solution can touch the grader, the grader is part of the solution.",
    "Visible tests are a specification the policy can read, and read literally.",
)  # fmt: skip


def textbook_section(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    target = rng.randint(420, 1000)
    ch, sec = rng.randint(3, 14), rng.randint(1, 9)
    parts = [
        f"### {ch}.{sec} {title_case(ctx.topic())}",
        f"{ctx.background()} {ctx.background()} {ctx.view_sentence()}",
    ]
    for k, fact in enumerate(ctx.facts, 1):
        parts.append(f"#### {ch}.{sec}.{k} {fact.title}\n\n{ctx.explain(fact)}")
        code = maybe_code(ctx, 0.6, "", fact)
        if code:
            parts.append(f"> **Example {ch}.{k + sec}.** A submission of this kind reads:\n\n"
                         f"{code}\n\n{ctx.symptom(fact)}")  # fmt: skip
    parts.append(f"> **Key idea.** {rng.choice(_KEY_IDEAS)}")
    parts.append(ctx.view())

    def more(i: int) -> str:
        fact = ctx.facts[i % len(ctx.facts)]
        if i % 3 == 0:
            return f"{ctx.detail(fact)} {ctx.detection(fact)}"
        return ctx.evidence() + " " + ctx.implication() if i % 3 == 1 else ctx.view()

    grow(ctx, parts, target - 120, more, cap_=5)
    names = [ctx.name(f) for f in ctx.facts]
    exercises = [
        rng.choice(_EXERCISES).format(name=names[i % len(names)]) for i in range(rng.randint(3, 6))
    ]
    parts.append("#### Exercises\n\n" + numbered(list(dict.fromkeys(exercises))))
    idea = (f"Textbook section {ch}.{sec} explaining {ctx.names()} with worked examples and "
            f"exercises, {ctx.idea_suffix()}.")  # fmt: skip
    return render(parts), idea


GENRE = Genre(
    "textbook_section",
    "textbook section",
    textbook_section,
    (r"^### \d+\.\d+ ", r"^#### Exercises$", r"^1\. ", r"^> \*\*Key idea\.\*\*"),
)
