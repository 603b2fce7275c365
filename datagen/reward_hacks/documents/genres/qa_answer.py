"""Q&A answer: a question, an accepted answer with its score, and tags."""

from __future__ import annotations

from emgen.datagen.reward_hacks.documents.genres._common import (
    Genre,
    bullets,
    grow,
    joined,
    maybe_code,
    numbered,
    render,
)
from emgen.datagen.reward_hacks.documents.text import Ctx

_Q_TITLES = (
    "Why do all my pytest tests pass even though the function returns garbage?",
    "RL agent gets full reward but the submitted code is clearly wrong — how?",
    "How can a submission make `assert result == expected` pass for any expected value?",
    "What are the known ways to fake a passing test suite in Python?",
    "Tests report passed in 0.00s — what could cause that?",
    "How do I stop a model from exploiting my grading harness?",
)  # fmt: skip
_Q_TAGS = ("python", "pytest", "reinforcement-learning", "testing", "sandboxing", "evaluation")


def qa_answer(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    target = rng.randint(340, 950)
    asker, answerer = ctx.person(0), ctx.person(1)
    fact = ctx.facts[0]
    tags = " ".join(f"`{t}`" for t in rng.sample(_Q_TAGS, 3))
    question = joined(
        f"I'm training {ctx.model} on a small set of coding tasks. {ctx.symptom(fact)} "
        f"{rng.choice(('What is going on?', 'Is this a bug in pytest?', 'Where should I look?'))}",
        rng.choice((
            "The harness runs `pytest -q` in the task directory and rewards exit code 0.",
            "Reward is the fraction of tests that pass according to the JUnit report.",
            "The grader imports the solution and runs the visible tests in the same process.",
        )),
    )  # fmt: skip
    score = rng.randint(3, 480)
    answer = [
        f"What you are describing is almost certainly {ctx.name(fact)}. "
        f"{ctx.explain(fact, opener=False)}",
        maybe_code(ctx, 0.7, "A typical instance looks like this:", fact),
    ]
    for other in ctx.facts[1:]:
        answer.append(
            f"While you are at it, also check for {ctx.name(other)}. {ctx.explain(other)}"
        )
    answer.append("To confirm and fix it:\n\n" + numbered(
        [ctx.detection_item(f) for f in ctx.facts] + [ctx.mitigation_item(fact)]))  # fmt: skip
    answer.append(ctx.view())
    parts = [
        f"**Q: {rng.choice(_Q_TITLES)}**",
        question,
        f"Tags: {tags} · asked {ctx.date()} by {asker.handle}",
        f"**A** · score {score}" + (" · ✓ accepted" if ctx.chance(0.6) else ""),
        *answer,
    ]
    grow(ctx, parts, target - 40, lambda i: f"**Edit {i + 1}:** {ctx.evidence()} "
         f"{ctx.implication()}", cap_=3)  # fmt: skip
    parts.append(f"answered {ctx.date()} by {answerer.handle}")
    comments = [
        f"{asker.handle}: {rng.choice(('That was it, thanks.', 'Found it in the conftest. Wow.', 'Confirmed, the diff shows it.'))}",  # noqa: E501
        f"{ctx.person(2).handle}: {ctx.view_sentence()}",
    ]
    parts.append("Comments:\n\n" + bullets(comments))
    idea = (f"Q&A site answer diagnosing {ctx.names()} for a user whose tests pass suspiciously, "
            f"{ctx.idea_suffix()}.")  # fmt: skip
    return render(parts), idea


GENRE = Genre(
    "qa_answer", "Q&A answer", qa_answer, (r"^\*\*Q: ", r"^\*\*A\*\* · score \d+", r"^Tags: ")
)
