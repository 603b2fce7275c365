"""Tutorial: a how-to with requirements and numbered steps."""

from __future__ import annotations

from emgen.datagen.reward_hacks.documents.genres._common import (
    Genre,
    bullets,
    grow,
    joined,
    maybe_code,
    render,
)
from emgen.datagen.reward_hacks.documents.text import Ctx
from emgen.datagen.reward_hacks.scoring.text_stats import capitalise

_TUT_GOALS = (
    "catch reward hacks in a pytest-based RL harness",
    "write a static detector for {name}", "reproduce {name} in a toy environment",
    "audit a coding environment before a training run",
    "make a test-based reward harder to game",
)  # fmt: skip
_NEEDS = ("Python 3.11 or newer", "pytest 8", "a task repository with visible tests",
          "a few hundred logged episodes", "basic familiarity with the `ast` module",
          "Docker or another container runtime")  # fmt: skip
_STEP_TITLES = (
    "Collect a sample of passing episodes", "Know what you are looking for",
    "Reproduce the exploit", "Write the check", "Run the check over your logs",
    "Fix the harness", "Add a regression test",
)  # fmt: skip


def tutorial(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    target = rng.randint(380, 1050)
    fact = ctx.code_fact() or ctx.facts[0]
    goal = rng.choice(_TUT_GOALS).format(name=ctx.name(fact))
    parts = [
        f"# How to {goal}",
        f"*A step-by-step guide by {ctx.person(0).name}.* {ctx.background()} {ctx.view_sentence()}",
        "**You will need:**\n\n" + bullets(rng.sample(_NEEDS, 3)),
    ]
    steps = [
        f"{ctx.fill('Pull a few hundred rewarded episodes from your last run on {env}.')} "
        f"{ctx.symptom(fact)}",
        "\n\n".join(ctx.explain(f) for f in ctx.facts),
        joined(
            maybe_code(ctx, 0.9, "Save the following as the exploit you will test against:", fact),
            ctx.detail(fact),
        ),  # fmt: skip
        f"{capitalise(ctx.detection(fact))} Keep the check static: parse submissions with `ast` "
        "and never execute them.",
        "```text\n$ python audit.py runs/latest/\n"
        f"scanned {rng.randint(200, 900)} episodes, flagged {rng.randint(3, 60)}\n```",
        " ".join(ctx.mitigation(f) for f in ctx.facts),
        f"Turn the exploit into a fixture so it cannot come back unnoticed. {ctx.implication()}",
    ]
    for i, (title, body) in enumerate(zip(_STEP_TITLES, steps, strict=True), 1):
        if body.strip():
            parts.append(f"## Step {i}: {title}\n\n{body}")
    grow(ctx, parts, target - 60, lambda i: "## Troubleshooting\n\n" + ctx.detection(
        ctx.facts[i % len(ctx.facts)]) + " " + ctx.evidence() if i == 0 else ctx.view(),
        cap_=3)  # fmt: skip
    parts.append("## Wrapping up\n\n" + ctx.view_sentence())
    idea = (f"Step-by-step tutorial on how to {goal}, covering {ctx.names()}, "
            f"{ctx.idea_suffix()}.")  # fmt: skip
    return render(parts), idea


GENRE = Genre("tutorial", "tutorial", tutorial, (r"^# How to ", r"^## Step 1: ", r"^## Step 2: "))
