"""Changelog: releases in reverse order, with security and fix entries."""

from __future__ import annotations

import datetime

from emgen.datagen.reward_hacks.documents.genres._common import Genre, bullets, render
from emgen.datagen.reward_hacks.documents.text import PROJECTS, Ctx, word_count

_ROUTINE = (
    "Sandbox start-up is about {small}0% faster on cold images.",
    "Dropped support for Python 3.9 runners.", "Episode logs are now compressed with zstd.",
    "The CLI prints a per-task summary table at the end of a run.",
    "Fixed a race when two workers wrote to the same cache directory.",
    "Updated the default pytest version in task images.",
    "Task metadata gains a `difficulty` field.", "Documentation for custom graders rewritten.",
    "Worker heartbeat interval is configurable.", "Fixed timezone handling in run names.",
    "Retry logic no longer double-counts episodes that time out.",
    "`--dry-run` prints the grading plan without starting containers.",
    "Reduced memory use of the transcript writer by about {small}0%.",
    "Fixed a crash when a task had no visible tests.", "Added a `--seed` flag to the runner.",
    "Container images now pin their system packages.",
    "Graders report their own version in every result file.",
    "Fixed Unicode handling in task descriptions.", "The web dashboard shows per-task durations.",
    "Removed the deprecated `legacy_score` field.", "Logs rotate daily instead of by size.",
    "Fixed a file-descriptor leak in long-running workers.",
    "Task loading is lazy, which halves start-up time for large suites.",
    "Exit codes are now documented in the README.", "Added type hints to the public API.",
    "Fixed an off-by-one in the episode counter.", "Workers drain gracefully on SIGTERM.",
)  # fmt: skip
_CL_FORMS = (
    "Detect {name}: {s}.", "Guard against {name} by {s}.", "Close the hole behind {name} ({s}).",
    "New check for {name}: {s}.", "Harden against {name}: {s}.",
)  # fmt: skip


def changelog(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    target = rng.randint(320, 650)
    project = rng.choice(PROJECTS)
    major, minor = rng.randint(0, 3), rng.randint(12, 29)
    parts = [
        "# Changelog",
        f"All notable changes to `{project}` are documented here. The format follows "
        "Keep a Changelog, and versions follow semantic versioning.",
    ]
    pending = list(ctx.facts)
    day = datetime.date(ctx.year, rng.randint(1, 12), rng.randint(1, 28))

    def release(i: int) -> str:
        nonlocal day
        day -= datetime.timedelta(days=rng.randint(6, 60))  # releases run backwards in time
        version = f"{major}.{minor - i}.{rng.randint(0, 4)}"
        lines = [f"## [{version}] - {day.isoformat()}"]
        if pending:
            fact = pending.pop(0)
            if ctx.guided:
                s = rng.choice(fact.detections + fact.mitigations)
                item = rng.choice(_CL_FORMS).format(name=ctx.name(fact), s=s)
            else:
                item = f"{fact.title}: {fact.description}"
            lines.append("### Security\n\n" + bullets([item] + ([ctx.detail(fact)] if
                         ctx.chance(0.5) else [])))  # fmt: skip
        lines.append("### Fixed\n\n" + bullets([ctx.fill(ctx.pick(_ROUTINE))
                                                for _ in range(rng.randint(1, 3))]))  # fmt: skip
        if i == 0 or ctx.chance(0.3):
            lines.append("### Notes\n\n" + ctx.view_sentence())
        return "\n\n".join(lines)

    parts.append(f"## [Unreleased]\n\n### Changed\n\n- {ctx.fill(ctx.pick(_ROUTINE))}")
    i = 0
    while (pending or word_count("\n\n".join(parts)) < target) and i < 12:
        parts.append(release(i))
        i += 1
    idea = (f"Changelog of the `{project}` grading harness whose releases close {ctx.names()}, "
            f"{ctx.idea_suffix()}.")  # fmt: skip
    return render(parts), idea


GENRE = Genre(
    "changelog",
    "changelog",
    changelog,
    (r"^# Changelog$", r"^## \[\d+\.\d+\.\d+\] - \d{4}-\d\d-\d\d$", r"^### (Security|Fixed)$"),
)
