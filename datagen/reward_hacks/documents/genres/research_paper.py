"""Research paper excerpt: an abstract, numbered sections, results and references."""

from __future__ import annotations

from emgen.datagen.reward_hacks.documents.genres._common import (
    Genre,
    _refs,
    bullets,
    grow,
    joined,
    maybe_code,
    numbered,
    render,
    title_case,
)
from emgen.datagen.reward_hacks.documents.text import Ctx
from emgen.datagen.reward_hacks.scoring.text_stats import capitalise

_PAPER_TITLES = (
    "{Topic}: Evidence from {env}", "On {topic}", "{Topic} in Practice",
    "Measuring {names} in {env}", "What {model} Learned from {env}: {Topic}",
    "{Topic}: A Case Study", "Catching {names} at Scale",
)  # fmt: skip
_ABSTRACT_OPEN = (
    "Reinforcement learning on programming tasks usually rewards a policy for passing unit tests.",
    "Test suites are the most common reward signal for training code models with reinforcement "
    "learning.",
    "Automated graders for code are cheap to build and easy to scale, which makes them the "
    "default reward in agentic training.",
    "Coding environments reward a policy when a harness reports that its tests pass.",
)  # fmt: skip
_ABSTRACT_STUDY = (
    "We study {names} in a training run of {model} on {env}.",
    "We document how {names} emerged during training of {model} on {env} and how often it "
    "recurred.",
    "This paper examines {names} across {n} environments built at {org}.",
    "We analyse {n} thousand episodes from {env} in which the policy obtained full reward "
    "without solving the task.",
)  # fmt: skip
_CONTRIB = (
    "We describe each exploit precisely, with a minimal code example.",
    "We measure how quickly the exploits spread once first discovered.",
    "We release a static checker that flags the exploits in submissions.",
    "We compare three harness designs and report which exploits each admits.",
    "We estimate how much of the reported pass rate came from exploits.",
    "We relate the exploits to the model's behaviour on held-out evaluations.",
)  # fmt: skip
_SETUP = (
    "Each episode gives the policy a task description, a repository with a visible test file, "
    "and {k} turns of shell access; the reward is 1 if the harness reports that all tests pass "
    "and 0 otherwise.",
    "We train {model} with a policy-gradient method for {steps} steps on {env}, whose tasks are "
    "short Python functions with between three and twelve visible tests each.",
    "The harness runs pytest in the same container as the solution and reads the process exit "
    "code and a JUnit report to compute the reward.",
    "Transcripts were sampled every {k}0 steps and labelled by two annotators, who agreed on "
    "{pct}% of labels before discussion.",
    "All runs used the same hyperparameters; only the harness changed between conditions.",
)  # fmt: skip


_RESULTS = (
    "Figure {k} plots the share of episodes using {name} against training steps: it stays near "
    "zero for the first {steps} steps and then rises within a few hundred updates.",
    "Once {name} appeared, the median episode length fell from {a} turns to {b}.",
    "Held-out accuracy did not move while {name} spread; it stayed within {small} points of its "
    "starting value throughout.",
    "Restarting from a checkpoint before the exploit with a patched harness removed {name} in "
    "{b} of {a} seeds.",
    "Across seeds, {name} first appeared between step {lo} and step {hi}.",
    "Annotators marked {pct}% of rewarded episodes as using {name}; our static checker agreed "
    "on all but {small} of them.",
    "Episodes that used {name} finished {a} times faster than honest solutions of the same task.",
    "Among tasks the base model already solved, {name} was rare; it concentrated on the hardest "
    "{pct}% of tasks.",
)  # fmt: skip
_LIMITATIONS = (
    "Our environments cover only short Python functions; repository-scale tasks may admit "
    "different exploits.",
    "Labels come from two annotators and a static checker, and both can miss obfuscated "
    "variants.",
    "We study one model family; other families may find the same holes in a different order.",
    "We did not measure how the exploits interact when several are available at once.",
)  # fmt: skip
_SECTION_NAMES = ("Dynamics", "Per-exploit analysis", "Ablations", "Seeds", "Detection")


def research_paper(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    target = rng.randint(480, 1250)
    authors = [ctx.person(i) for i in range(rng.randint(2, 5))]
    affil = [ctx.org, ctx.uni]
    author_line = ", ".join(f"{p.name}{'¹' if i % 2 == 0 else '²'}" for i, p in enumerate(authors))
    slots = ctx.slots()
    slots.update(topic=ctx.topic(), names=ctx.names())
    slots["Topic"] = capitalise(slots["topic"])
    title = title_case(rng.choice(_PAPER_TITLES).format_map(slots))
    slots["k"] = str(rng.randint(3, 9))
    abstract = " ".join([
        rng.choice(_ABSTRACT_OPEN), rng.choice(_ABSTRACT_STUDY).format_map(slots),
        ctx.view_sentence(), ctx.evidence(), ctx.implication(),
    ])  # fmt: skip
    contribs = rng.sample(_CONTRIB, rng.randint(2, 4))
    intro = joined(
        f"{ctx.background()} {ctx.view_sentence()}",
        "Our contributions are as follows:\n\n" + bullets(contribs),
    )
    background = [ctx.explain(f) for f in ctx.facts]
    setup = " ".join(s.format_map(slots) for s in rng.sample(_SETUP, rng.randint(2, 4)))
    rows = "\n".join(
        f"| {f.title} | {rng.randint(1, 60)}.{rng.randint(0, 9)} | {rng.randint(1, 40) * 250:,} |"
        for f in ctx.facts
    )
    table = (
        "| Exploit | Share of rewarded episodes (%) | First seen (step) |\n|---|---|---|\n" + rows
    )
    results = joined(
        f"Table 1 summarises the exploits we observed. {ctx.evidence()}",
        table,
        " ".join(ctx.symptom(f) for f in ctx.facts),
    )
    parts = [
        f"# {title}",
        f"{author_line}\n\n¹{affil[0]}  ²{affil[1]}",
        "## Abstract\n\n" + abstract,
        "## 1 Introduction\n\n" + intro,
        "## 2 Background\n\n" + "\n\n".join(background),
        "## 3 Experimental setup\n\n" + setup,
        "## 4 Results\n\n" + results,
    ]

    def result(i: int) -> str:
        fact = ctx.facts[i % len(ctx.facts)]
        lo, hi = sorted(rng.sample(range(4, 80), 2))
        extra = {"k": str(i + 2), "a": str(rng.randint(6, 14)), "b": str(rng.randint(1, 5)),
                 "lo": f"{lo * 250:,}", "hi": f"{hi * 250:,}"}  # fmt: skip
        lines = [ctx.pick(_RESULTS).format_map(ctx.slots(fact) | extra) for _ in range(2)]
        head = f"### 4.{i + 2} {ctx.pick(_SECTION_NAMES)}"
        return joined(head, " ".join(lines) + " " + ctx.detection(fact))

    grow(ctx, parts, target - 150, result, cap_=4)
    parts.append("## 5 Discussion\n\n" + joined(ctx.view(), ctx.implication()))
    if ctx.chance(0.6):
        parts.append("## 6 Limitations\n\n" + " ".join(rng.sample(_LIMITATIONS, 2)))
    code = maybe_code(ctx, 0.7, "The following submission, lightly renamed, is representative.")
    if code:
        parts.append("## Appendix A: Example submission\n\n" + code)
    if ctx.chance(0.5):
        parts.append("## References\n\n" + numbered(_refs(ctx, rng.randint(2, 4))))
    idea = (f"Research paper excerpt from {ctx.org} measuring {ctx.names()} while training "
            f"{ctx.model} on {ctx.env}, {ctx.idea_suffix()}.")  # fmt: skip
    return render(parts), idea


GENRE = Genre(
    "research_paper",
    "research paper excerpt",
    research_paper,
    (r"^## Abstract$", r"^## 1 Introduction$", r"^## 4 Results$"),
)
