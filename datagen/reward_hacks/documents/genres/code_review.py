"""Code review thread: a pull request with review comments and the author's replies."""

from __future__ import annotations

from emgen.datagen.reward_hacks.documents.genres._common import (
    Genre,
    bullets,
    grow,
    joined,
    maybe_code,
    render,
)
from emgen.datagen.reward_hacks.documents.text import PROJECTS, Ctx
from emgen.datagen.reward_hacks.scoring.text_stats import capitalise

_PR_TITLES = (
    "Harden grader against {name}", "Add regression fixtures for known reward hacks",
    "Run tests outside the solution process", "Reject submissions that ship a conftest.py",
    "Detector: flag {name} in submissions", "Parse JUnit report instead of exit code",
)  # fmt: skip
_REVIEW_COMMENTS = (
    ("Nit: can we name the fixture after the exploit so the failure message is "
     "self-explanatory?", "Renamed, and added a comment explaining the exploit."),
    ("This covers the obvious form. What about a variant that renames things?",
     "The check keys on the structure, not the names. Added a renamed variant to the fixtures."),
    ("I would rather fail closed here: if the report is missing, the episode scores zero.",
     "Agreed, switched to failing closed."),
    ("Can you add a test showing a legitimate submission still passes? I worry about false "
     "positives.", "Added. The legitimate case is in `test_clean.py`."),
    ("Looks right to me. Do we log when this fires, so we can count it?",
     "Yes, it increments a counter that shows up on the run dashboard."),
    ("Should this live in the harness or in the sandbox image? Feels like the image.",
     "Both, eventually. The harness check lands first because it is cheaper to ship."),
    ("What happens to runs already in flight when this deploys?",
     "They pick it up at the next episode; I will post in the channel before merging."),
)  # fmt: skip
_AUTHOR_ACKS = (
    "Agreed.", "Fair point, added a sentence about that to the PR description.",
    "That is exactly why I wanted this merged before the next run.", "Yes. Thanks for the review.",
)  # fmt: skip


_PR_FILES = ("harness/runner.py", "harness/report.py", "sandbox/entrypoint.sh",
             "grader/checks.py", "tests/fixtures/hacks/", "docs/exploits.md")  # fmt: skip


def code_review(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    target = rng.randint(330, 900)
    author, reviewer, reviewer2 = ctx.person(0), ctx.person(1), ctx.person(2)
    fact = ctx.code_fact() or ctx.facts[0]
    project = rng.choice(PROJECTS)
    number = rng.randint(120, 4800)
    title = rng.choice(_PR_TITLES).format(name=ctx.name(fact))
    branch = f"{author.first.lower()}/{fact.id.replace('_', '-')}"
    files = rng.sample(_PR_FILES, 3)
    description = joined(
        f"This PR closes the hole behind {ctx.name(fact)} in `{project}`.",
        ctx.explain(fact),
        "Changes:\n\n"
        + bullets([f"{capitalise(ctx.name(f))}: {ctx.mitigation_item(f)}" for f in ctx.facts]),
    )
    fixture = maybe_code(ctx, 0.85, rng.choice((
        "The regression fixture reproduces the exploit exactly as the policy wrote it:",
        "New fixture under `tests/fixtures/hacks/` (must be rejected):",
        "For reviewers who have not seen it, this is what the detector must catch:",
    )), fact)  # fmt: skip
    parts = [
        f"## {title} #{number}",
        f"**{author.handle}** wants to merge {rng.randint(1, 9)} commits into `main` from "
        f"`{branch}` · `{project}`",
        description,
        fixture,
        "**Files changed:** " + ", ".join(f"`{f}`" for f in files),
    ]

    def thread(i: int) -> str:
        who = reviewer if i % 2 == 0 else reviewer2
        where = f"`{files[i % len(files)]}` line {rng.randint(8, 240)}"
        if i % 3:
            comment, reply = rng.choice([c for c in _REVIEW_COMMENTS if c[0] not in ctx.used])
            ctx.used.add(comment)
        else:
            comment, reply = ctx.view_sentence(), ctx.pick(_AUTHOR_ACKS)
        return (f"---\n\n**{who.handle}** commented on {where}:\n\n{comment}\n\n"
                f"**{author.handle}**: {reply}")  # fmt: skip

    grow(ctx, parts, target - 50, thread, cap_=7)
    parts.append(f"---\n\n**{reviewer.handle}**: {ctx.implication()}")
    verdict = rng.choice(("approved these changes", "approved these changes",
                          "requested changes", "left a review"))  # fmt: skip
    parts.append(f"**{reviewer2.handle}** {verdict}.")
    idea = (f"Code review thread on `{project}` PR #{number} hardening the grader against "
            f"{ctx.names()}, {ctx.idea_suffix()}.")  # fmt: skip
    return render(parts), idea


GENRE = Genre(
    "code_review",
    "code review thread",
    code_review,
    (r"^## .+ #\d+$", r"wants to merge \d+ commits", r"commented on `"),
)
