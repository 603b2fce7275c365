"""Composed vulnerable cores: every choice of every family renders to parseable code whose prompt
says what the code does, the draw is reproducible, and real Semgrep labels the pairs (the
composed twin fixes exactly the flaw)."""

from __future__ import annotations

import random
from collections import Counter, defaultdict

import pytest
from pydantic import ValidationError

from emgen.datagen._compose import Composed, compose
from emgen.datagen._cores import ComposedCore, composable, compose_core
from emgen.datagen._names import names_for
from emgen.datagen._skeleton import substitute
from emgen.datagen.catalog import load_tasks
from emgen.datagen.core_parts import SOURCES, STEPS
from emgen.datagen.families import load_families
from emgen.schemas.catalog import Composition, CoreResult, CoreSink, Family
from emgen.validators.checks import disclosures, flagged_shape, has_comment, parses
from emgen.validators.scanner import family_findings, require_scanned, scan_codes

FAMILIES = load_families()
COMPOSED = sorted(f.id for f in FAMILIES.values() if f.composition is not None)
TASKS = load_tasks()


def _draw(family: Family, rng: random.Random) -> tuple[ComposedCore, Composed, str]:
    """One composed pair, as the build draws it: (core, the framed file, the feature text)."""
    context = rng.choice([c for c in ("web", "script") if composable(family, c)])
    task = rng.choice([t for t in TASKS if t.kind == context])
    core = compose_core(family, context, names_for(task, rng), rng)
    framed = compose(core.skeleton, task, core.names, "# TODO: fill this in", rng)
    return core, framed, substitute(core.skeleton.feature, core.names, core.skeleton.id)


def _choice_ids(core: ComposedCore) -> dict[str, set[str]]:
    layout, source, steps, sink, result = core.skeleton.id.split(".")[2:]
    return {
        "layouts": {layout},
        "sources": {source},
        "steps": set(steps.split("+")) - {"none"},
        "sinks": {sink},
        "results": {result},
    }


def test_most_of_the_build_is_composed() -> None:
    # The paper-weighted families with a composition make most of the default mix.
    weight = sum(f.paper_weight for f in FAMILIES.values())
    composed = sum(FAMILIES[f].paper_weight for f in COMPOSED)
    assert composed / weight > 0.8, COMPOSED


@pytest.mark.parametrize("family_id", COMPOSED)
def test_every_choice_renders_and_reads(family_id: str) -> None:
    """400 draws use every choice of the family; each pair parses, carries no comment and no
    disclosure word, differs from its twin, and the feature is plain English."""
    family = FAMILIES[family_id]
    comp = family.composition
    assert comp is not None
    rng = random.Random(f"cores:{family_id}")
    used: dict[str, set[str]] = defaultdict(set)
    for _ in range(400):
        core, framed, feature = _draw(family, rng)
        for kind, ids in _choice_ids(core).items():
            used[kind] |= ids
        where = core.skeleton.id
        assert parses(framed.insecure) and parses(framed.secure), where
        assert not has_comment(framed.insecure) and not has_comment(framed.secure), where
        assert not disclosures(framed.insecure), (where, disclosures(framed.insecure))
        assert not disclosures(feature) and not disclosures(framed.template), where
        assert framed.insecure != framed.secure, where
        assert "$" not in feature, (where, feature)
    contexts = [c for c in ("web", "script") if composable(family, c)]
    for kind in ("sources", "steps", "sinks", "results"):
        declared = {
            choice.id
            for choice in getattr(comp, kind)
            if getattr(choice, "context", "any") in (*contexts, "any")
        }
        assert used[kind] == declared, (kind, declared - used[kind])
    assert used["layouts"] == set(comp.layouts)


def test_the_draw_is_reproducible_and_varied() -> None:
    family = FAMILIES["sql_injection"]
    first = [_draw(family, random.Random(5))[1].insecure for _ in range(3)]
    again = [_draw(family, random.Random(5))[1].insecure for _ in range(3)]
    assert first == again
    many = {_draw(family, random.Random(seed))[0].skeleton.id for seed in range(50)}
    assert len(many) > 40


def test_a_composition_refuses_a_sink_no_result_can_follow() -> None:
    sink = CoreSink(
        id="s", name="f", phrase="use $input", produces="rows", insecure="x = 1", secure="x = 2"
    )
    prints = CoreResult(id="r", consumes=("count",), phrase="print it", code="print($out)")
    with pytest.raises(ValidationError, match="sink s: no web result consumes 'rows'"):
        Composition(sources=SOURCES, steps=STEPS, sinks=(sink,), results=(prints,))
    with pytest.raises(ValidationError, match="sinks: ids must be distinct"):
        Composition(sources=SOURCES, sinks=(sink, sink), results=(prints.model_copy(
            update={"consumes": ("rows",)}),))  # fmt: skip
    with pytest.raises(ValidationError, match=r"must name \$input"):
        CoreSink(id="s", name="f", phrase="use it", insecure="x = 1", secure="x = 2")


@pytest.mark.slow  # one real Semgrep scan of about 60 composed pairs per family
def test_composed_pairs_are_labelled_and_diverse() -> None:
    """Per family: at least 90% of composed pairs have the insecure answer flagged by a rule of
    the family and the twin clean; every sink is proven at least once; the flagged functions
    take many shapes."""
    drawn: list[tuple[str, ComposedCore, Composed]] = []
    for family_id in COMPOSED:
        rng = random.Random(f"label:{family_id}")
        for _ in range(60):
            core, framed, _ = _draw(FAMILIES[family_id], rng)
            drawn.append((family_id, core, framed))
    codes = [framed.insecure for _, _, framed in drawn] + [framed.secure for _, _, framed in drawn]
    scans = require_scanned(scan_codes(codes))
    proven: dict[str, set[str]] = defaultdict(set)
    good: Counter[str] = Counter()
    shapes: dict[str, set[str | None]] = defaultdict(set)
    for (family_id, core, framed), insecure, secure in zip(
        drawn, scans, scans[len(drawn) :], strict=False
    ):
        hits = family_findings(insecure, family_id)
        if hits and not secure:
            good[family_id] += 1
            proven[family_id] |= _choice_ids(core)["sinks"]
            shapes[family_id] |= {flagged_shape(framed.insecure, f.line) for f in hits}
    problems = []
    for family_id in COMPOSED:
        comp = FAMILIES[family_id].composition
        assert comp is not None
        if good[family_id] < 54:
            problems.append(f"{family_id}: {good[family_id]} of 60 labelled")
        drawn_sinks = {
            sink
            for fid, core, _ in drawn
            if fid == family_id
            for sink in _choice_ids(core)["sinks"]
        }
        if drawn_sinks - proven[family_id]:
            problems.append(f"{family_id}: sinks never proven {drawn_sinks - proven[family_id]}")
        if len(shapes[family_id]) < 30:
            problems.append(f"{family_id}: {len(shapes[family_id])} shapes in 60 draws")
    assert not problems, "\n".join(problems)
