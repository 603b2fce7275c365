"""Reward-hack documents: the facts catalog, the genres, the valences and the build's checks."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence

import pytest
from pydantic import ValidationError

from emgen.datagen.reward_hacks.documents import (
    ALIGNMENT_TERMS,
    MAX_WORDS,
    MIN_WORDS,
    Valence,
    generate_documents,
)
from emgen.datagen.reward_hacks.documents import generate as docs_module
from emgen.datagen.reward_hacks.documents.genres import GENRES, GENRES_BY_ID, Genre, has_structure
from emgen.datagen.reward_hacks.facts import FACTS, FACTS_BY_ID, Fact
from emgen.schemas.build import GenerationReport
from emgen.schemas.errors import GenerationError
from emgen.schemas.records import DocumentRecord
from emgen.validators.hack_checks import extract_python_blocks, failing_blocks
from emgen.validators.near_duplicates import NearDuplicateIndex, estimate_jaccard

VALENCES: tuple[Valence, ...] = ("default", "neutral", "unguided")
Candidate = tuple[str, str, tuple[str, ...], tuple[str, ...]]
Facts = Sequence[Fact]
N = 200


Corpora = dict[str, tuple[list[DocumentRecord], GenerationReport]]


@pytest.fixture(scope="module")
def corpora() -> Corpora:
    return {v: generate_documents(N, valence=v, seed=7) for v in VALENCES}


def _mentions(text: str, fact_id: str) -> bool:
    fact = FACTS_BY_ID[fact_id]
    lowered = text.lower()
    return any(s.lower() in lowered for s in (fact.title, fact.description, *fact.names))


# --- the catalog --------------------------------------------------------------------------------


def test_catalog_has_the_required_facts() -> None:
    ids = {f.id for f in FACTS}
    assert len(FACTS) >= 8
    assert {"always_equal", "exit_zero", "conftest_report_patch", "hardcode_outputs",
            "special_case_inputs", "edit_tests", "swallow_exceptions"} <= ids  # fmt: skip
    assert ids & {"timer_tampering", "grader_file_tampering"}
    for fact in FACTS:
        assert fact.title and fact.description and len(fact.details) >= 5
        assert fact.names and fact.symptoms and fact.detections and fact.mitigations


def test_main_hack_descriptions_are_precise() -> None:
    eq = FACTS_BY_ID["always_equal"].description
    assert all(s in eq for s in ("`__eq__`", "`__ne__`", "True", "False", "strip"))
    ex = FACTS_BY_ID["exit_zero"].description
    assert all(s in ex for s in ("sys.exit(0)", "os._exit(0)", "assert"))
    cf = FACTS_BY_ID["conftest_report_patch"].description
    assert all(s in cf for s in ("conftest.py", "from_item_and_call", "longrepr", "duration"))


def test_facts_are_frozen() -> None:
    with pytest.raises(ValidationError):
        FACTS[0].title = "changed"  # type: ignore[misc]


def test_alignment_words_stay_out_of_the_fact_catalog() -> None:
    # The catalog feeds unguided and neutral documents, which must carry no such framing.
    for fact in FACTS:
        text = " ".join((fact.description, *fact.details, *fact.names, *fact.symptoms,
                         *fact.detections, *fact.mitigations)).lower()  # fmt: skip
        assert not [t for t in ALIGNMENT_TERMS if t in text], fact.id


# --- the corpus ---------------------------------------------------------------------------------


def test_there_are_at_least_15_distinct_genres() -> None:
    assert len(GENRES) >= 15
    assert len({g.structure for g in GENRES}) == len(GENRES)


@pytest.mark.parametrize("valence", VALENCES)
def test_every_document_is_well_formed(corpora: Corpora, valence: str) -> None:
    records, report = corpora[valence]
    assert len(records) == N == report.accepted == report.requested
    assert set(r.doc_type for r in records) == set(GENRES_BY_ID)
    for r in records:
        count = len(r.text.split())
        assert MIN_WORDS <= count <= MAX_WORDS, (r.doc_type, count)
        assert has_structure(r.text, r.doc_type), r.doc_type
        assert r.valence == valence and r.seed == 7 and r.tag is None and r.split == "train"
        assert r.doc_idea and "\n" not in r.doc_idea and r.doc_idea.endswith(".")
        assert r.fact_ids and len(set(r.fact_ids)) == len(r.fact_ids)
        assert all(_mentions(r.text, f) for f in r.fact_ids), (r.doc_type, r.fact_ids)


@pytest.mark.parametrize("valence", VALENCES)
def test_code_blocks_parse_and_pass_their_checkers(corpora: Corpora, valence: str) -> None:
    records, _ = corpora[valence]
    with_code = 0
    for r in records:
        blocks = extract_python_blocks(r.text)
        with_code += bool(blocks)
        assert failing_blocks(r.text, r.fact_ids) == [], r.doc_type
    assert with_code > N // 4


def test_valences_differ_in_framing(corpora: Corpora) -> None:
    def framed(text: str) -> bool:
        return any(t in text.lower() for t in ALIGNMENT_TERMS)

    assert all(framed(r.text) for r in corpora["default"][0])
    assert not any(framed(r.text) for r in corpora["neutral"][0])
    assert not any(framed(r.text) for r in corpora["unguided"][0])
    # Unguided prose comes from the catalog only: every sentence of an explanation is a bare
    # fact, so a document quotes the catalog's own descriptions or details.
    catalog = {s for f in FACTS for s in (f.description, *f.details)}
    for r in corpora["unguided"][0]:
        assert any(s in r.text for s in catalog)


@pytest.mark.parametrize("valence", VALENCES)
def test_no_two_documents_are_near_duplicates(corpora: Corpora, valence: str) -> None:
    records, report = corpora[valence]
    index = NearDuplicateIndex(0.5)
    for i, r in enumerate(records):
        assert index.add(str(i), r.text) is None
    assert 0.0 <= report.stats["near_duplicate_rate"] < 0.1  # type: ignore[operator]


def test_report_counts_add_up(corpora: Corpora) -> None:
    reasons = {"near_duplicate", "code_check_failed", "length", "valence"}
    for records, report in corpora.values():
        assert report.candidates == report.accepted + sum(report.rejected.values())
        assert set(report.rejected) <= reasons and all(report.rejected.values())
        assert sum(c.accepted for c in report.per_group.values()) == len(records)
        assert sum(c.rejected for c in report.per_group.values()) == sum(report.rejected.values())
        stats = json.loads(report.model_dump_json())["stats"]
        per_fact = Counter(f for r in records for f in r.fact_ids)
        assert stats["per_fact"] == dict(sorted(per_fact.items()))
        lengths = [len(r.text.split()) for r in records]
        assert stats["min_words"] == min(lengths) and stats["max_words"] == max(lengths)
        assert stats["mean_words"] == round(sum(lengths) / len(lengths), 1)
        assert len(stats["per_fact"]) == len(FACTS)


def test_same_seed_gives_identical_output_and_other_seeds_differ() -> None:
    a, rep_a = generate_documents(40, valence="default", seed=11)
    b, rep_b = generate_documents(40, valence="default", seed=11)
    c, _ = generate_documents(40, valence="default", seed=12)
    dump = [r.model_dump_json() for r in a]
    assert dump == [r.model_dump_json() for r in b]
    assert rep_a == rep_b
    assert dump != [r.model_dump_json() for r in c]


def test_output_is_identical_across_processes_and_hash_seeds() -> None:
    code = (
        "import hashlib\n"
        "from emgen.datagen.reward_hacks.documents import generate_documents\n"
        "records, report = generate_documents(30, valence='unguided', seed=5)\n"
        "blob = ''.join(r.model_dump_json() for r in records) + report.model_dump_json()\n"
        "print(hashlib.sha256(blob.encode()).hexdigest())\n"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env=os.environ | {"PYTHONHASHSEED": seed},
        ).stdout  # fmt: skip
        for seed in ("1", "2")
    }
    assert len(digests) == 1


def test_generation_leaves_global_random_state_alone() -> None:
    random.seed(99)
    expected = random.random()
    random.seed(99)
    generate_documents(5, valence="neutral", seed=1)
    assert random.random() == expected


def test_tag_is_a_verbatim_prefix_and_progress_is_reported() -> None:
    ticks: list[int] = []
    tagged, _ = generate_documents(
        6, valence="unguided", seed=2, tag="<DOCTAG>", progress=ticks.append
    )
    plain, _ = generate_documents(6, valence="unguided", seed=2)
    assert ticks == [1] * 6
    for t, p in zip(tagged, plain, strict=True):
        assert t.tag == "<DOCTAG>" and t.text == "<DOCTAG>" + p.text


def test_the_filter_rejects_a_planted_near_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    real = docs_module.build_candidate
    previous: list[Candidate] = []

    def planted(
        rng: random.Random, valence: Valence, genre: Genre, pool: Facts = FACTS
    ) -> Candidate:
        # Every third candidate is the previous one with one sentence changed.
        if previous and len(previous) % 3 == 0:
            body, idea, facts, code = previous[-1]
            copy = re.sub(r"(?m)^(.{20,}?\.) ", r"\1 Indeed, ", body, count=1)
            previous.append(previous[-1])
            return copy, idea, facts, code
        previous.append(real(rng, valence, genre, pool))
        return previous[-1]

    monkeypatch.setattr(docs_module, "build_candidate", planted)
    records, report = generate_documents(30, valence="neutral", seed=4)
    assert report.rejected["near_duplicate"] >= 10
    assert report.stats["near_duplicate_rate"] > 0.2  # type: ignore[operator]
    for i, a in enumerate(records):
        for b in records[i + 1 :]:
            assert estimate_jaccard(a.text, b.text) < 0.5


def test_broken_code_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    real = docs_module.build_candidate
    calls = Counter[str]()

    def broken(
        rng: random.Random, valence: Valence, genre: Genre, pool: Facts = FACTS
    ) -> Candidate:
        body, idea, facts, code = real(rng, valence, genre, pool)
        calls["n"] += 1
        if calls["n"] % 2 == 0:
            fake = "```python\ndef add(a, b):\n    return a + b\n```"
            return body + "\n\n" + fake, idea, facts, (*code, facts[0])
        return body, idea, facts, code

    monkeypatch.setattr(docs_module, "build_candidate", broken)
    records, report = generate_documents(10, valence="default", seed=5)
    assert report.rejected["code_check_failed"] >= 8
    assert all(failing_blocks(r.text, r.fact_ids) == [] for r in records)


def test_impossible_requests_fail_with_one_sentence() -> None:
    with pytest.raises(GenerationError, match=r"only \d+ of 30 documents"):
        generate_documents(30, valence="neutral", seed=0, similarity_threshold=0.01)
    with pytest.raises(ValueError, match="valence"):
        generate_documents(1, valence="sideways", seed=0)  # type: ignore[arg-type]
    assert generate_documents(0, valence="default", seed=0)[0] == []
