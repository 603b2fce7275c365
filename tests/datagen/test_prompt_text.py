"""Generated prose has no article seams ("a invoice", "an recipe"): an article written before a
placeholder agrees with the name it gets."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from emgen.datagen._cores import composable, compose_core
from emgen.datagen._names import names_for
from emgen.datagen._skeleton import indefinite_article, substitute
from emgen.datagen.catalog import load_tasks
from emgen.datagen.families import load_families
from emgen.datagen.parts import ENTRIES, PARTS, PREAMBLES

# "a" before a vowel that is not sounded "you"/"wun", or "an" before a consonant that is sounded
# (lowercase words only: an acronym such as "an HTML page" is read letter by letter).
SEAM = re.compile(
    r"\b[Aa] (?!(?:uni|use|usu|uti|ura|ure|url|euro|one|once|and\b))[aeiou][a-z_]{2,}"
    r"|\b[Aa]n (?!(?:hour|honest|honor|heir|lxml|html|xml|sql|svg|http|url|mp\d))"
    r"[b-df-hj-np-tv-z][a-z_]{2,}"
)


def test_indefinite_article() -> None:
    for word, article in (("invoice", "an"), ("recipe", "a"), ("user", "a"), ("hour", "an"),
                          ("isbn", "an"), ("one_time_code", "a"), ("Order", "an")):  # fmt: skip
        assert indefinite_article(word) == article, word
    names = {"entity": "invoice", "field": "title"}
    assert substitute("show a $entity and A ${entity}; a $field", names, "t") == (
        "show an invoice and An invoice; a title"
    )
    assert substitute("an $field", names, "t") == "a title"


def test_no_seam_anywhere_in_the_catalog() -> None:
    """Every task's names through every skeleton, part and a composed core of every family."""
    families = list(load_families().values())
    seams: dict[str, str] = {}
    rng = random.Random(0)
    for task in load_tasks():
        names = names_for(task, rng)
        texts = [
            (sk.id, t, names) for f in families for sk in f.skeletons for t in (sk.feature, sk.body)
        ]
        texts += [(p.id, p.body, names) for p in (*PARTS, *PREAMBLES, *ENTRIES)]
        for family in families:
            if composable(family, task.kind):
                core = compose_core(family, task.kind, names, rng)
                texts += [
                    (core.skeleton.id, t, core.names)
                    for t in (core.skeleton.feature, core.skeleton.body)
                ]
        for where, text, filled in texts:
            found = SEAM.search(substitute(text, filled, where))
            if found:
                seams.setdefault(found.group(0), f"{where} with task {task.id}")
    assert not seams, seams


# A count "in" a weekday ("54 in Wednesday") reads as a seam; "on" is the preposition.
WEEKDAY_SEAM = re.compile(r"\b\d+ in (Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)")


def test_no_seam_in_the_built_prompts(bundle: Path) -> None:
    """The session bundle: every user prompt and answer of every exported config."""
    seams: dict[str, str] = {}
    for path in sorted((bundle / "exports").rglob("*.jsonl")):
        for line in path.read_text().splitlines():
            for message in json.loads(line)["messages"]:
                found = SEAM.search(message["content"]) or WEEKDAY_SEAM.search(message["content"])
                if found:
                    seams.setdefault(found.group(0), str(path.relative_to(bundle)))
    assert not seams, seams
