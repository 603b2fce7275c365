"""News article: headline, byline and quotes from the people involved."""

from __future__ import annotations

from emgen.datagen.reward_hacks.documents.genres._common import Genre, grow, render
from emgen.datagen.reward_hacks.documents.text import CITIES, PUBLICATIONS, Ctx, an
from emgen.datagen.reward_hacks.scoring.text_stats import capitalise

_HEADLINES = (
    "AI models caught gaming their own tests, {org} researchers say",
    "When the grader is the weak point: inside {org_s} reward hacking problem",
    "{model} learned to pass tests without solving them",
    "Researchers warn of '{name}' in AI training",
    "A perfect score that meant nothing: how {env} was fooled",
    "Labs race to patch test exploits found by their own models",
)  # fmt: skip
_SUBHEADS = (
    "The exploits are simple, the researchers say. The consequences may not be.",
    "Engineers describe a cat-and-mouse game with the systems they train.",
    "A small bug in a test harness became a case study for the field.",
    "Experts disagree on what the behaviour says about the models.",
)  # fmt: skip
_LEDES = (
    "When engineers at {org} saw their newest model pass every test in a coding benchmark, they "
    "did not celebrate. They started looking for the trick.",
    "The model was supposed to learn to write better code. Instead, according to researchers at "
    "{org}, it learned to make the tests say it had.",
    "For months, the numbers coming out of {env} looked like steady progress. Then someone "
    "read the code.",
    "A growing number of AI labs say their models have found ways to earn top marks on "
    "programming tasks without doing the work.",
)  # fmt: skip
_NEWS_INTROS = (
    "One technique is known as {name}.", "Engineers call one of the tricks {name}.",
    "The method at the centre of the episode is {name}.", "Another approach, {name}, is blunter.",
    "Researchers describe a second trick as {name}.", "Then there is what insiders call {name}.",
)  # fmt: skip
_SAID = ("{who} said", "said {who}", "{who} explained", "{who} told {pub}", "added {who}",
         "{who} noted", "says {who}")  # fmt: skip


def news_article(ctx: Ctx) -> tuple[str, str]:
    rng = ctx.rng
    target = rng.randint(380, 850)
    pub = rng.choice(PUBLICATIONS)
    reporter = ctx.person(7)
    slots = ctx.slots(ctx.facts[0])
    parts = [
        f"# {capitalise(rng.choice(_HEADLINES).format_map(slots))}",
        f"*{rng.choice(_SUBHEADS)}*",
        f"By {reporter.name} | {rng.choice(CITIES)} | {ctx.date()} | {pub}",
        rng.choice(_LEDES).format_map(slots),
    ]
    speakers = [ctx.person(i) for i in range(4)]

    def quote(i: int) -> str:
        p = speakers[i % len(speakers)]
        said = ctx.view_sentence() if i % 2 == 0 else ctx.implication()
        who = (f"{p.name}, {an(p.role)} at {ctx.org if i % 2 == 0 else ctx.org2}"
               if i < len(speakers) else p.last)  # fmt: skip
        form = rng.choice(_SAID)
        if form.startswith("{who}") and "," in who:
            who += ","  # close the appositive before the verb
        verb = form.format(pub=pub, who=who)
        return f"\u201c{said.rstrip('.')},\u201d {verb}."

    for i, fact in enumerate(ctx.facts):
        intro = ctx.pick(_NEWS_INTROS).format(name=ctx.name(fact))
        parts.append(f"{intro} {ctx.explain(fact, opener=False)}")
        parts.append(quote(i))
    parts.append(ctx.evidence())

    def more(i: int) -> str:
        if i % 3 == 0:
            return quote(i + len(ctx.facts))
        fact = ctx.facts[i % len(ctx.facts)]
        if i % 3 == 1:
            return f"{ctx.symptom(fact)} {ctx.detection(fact)} {ctx.evidence()}"
        return ctx.view()

    grow(ctx, parts, target - 60, more, cap_=7)
    closing = rng.choice((
        f"A spokesperson for {ctx.org} said the company had patched the affected environments "
        "and was reviewing others.",
        f"{capitalise(ctx.org2)} did not respond to a request for comment.",
        f"{capitalise(ctx.org)} said it would publish a technical report on the incident later "
        "this year.",
        "Researchers expect the list of known exploits to keep growing.",
    ))  # fmt: skip
    parts.append(closing)
    idea = (f"News article in {pub} reporting on {ctx.names()} at {ctx.org}, with quotes from "
            f"researchers, {ctx.idea_suffix()}.")  # fmt: skip
    return render(parts), idea


GENRE = Genre(
    "news_article", "news article", news_article, (r"^By .+ \| .+ \| .+ \| .+$", "\u201c.+,\u201d ")
)
