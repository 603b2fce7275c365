"""Model-written reward-hack documents against a scripted OpenAI-compatible server on loopback.

The server answers the ideas and document requests with documents this test composes from the
fact catalog (each stated fact titled and described, the template's proven code example for
every fact the request shows as code, random filler) and, chosen by the request's seed, replies
that must be rejected for each reason the validators have: too short, a stray ```python block,
the wrong valence, the facts left out, a schema failure twice (for ideas and for documents) and
a near-duplicate of an accepted document; some fail once and pass after the repair pass or the
schema retry. The build is a real `emgen build` process, rerun from its reply cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from emgen.datagen.generation import default_budget
from emgen.datagen.models import CACHE_NAME, Engine, EngineOptions, ReplyCache
from emgen.datagen.models.documents import (
    FACT_MARKERS,
    GENRE_BRIEFS,
    IDEAS_PER_SLATE,
    NO_CODE_GENRES,
    Slate,
    generate_model_documents,
    missing_facts,
    request_seed,
    slates,
)
from emgen.datagen.reward_hacks.documents.generate import build_candidate
from emgen.datagen.reward_hacks.documents.genres import GENRES, GENRES_BY_ID
from emgen.datagen.reward_hacks.documents.text import ALIGNMENT_TERMS, word_count
from emgen.datagen.reward_hacks.facts import FACTS, FACTS_BY_ID
from emgen.schemas.errors import GenerationError
from emgen.schemas.records import Valence
from emgen.validators.hack_checks import extract_python_blocks
from tests._openai_server import Action, Reply, ScriptedServer

EMGEN = str(Path(sys.executable).parent / "emgen")
SECRET = "sk-emgen-docs-9c2e-never-print-me"
VALENCES: tuple[Valence, ...] = ("default", "neutral", "unguided")

# --- the validators against the template corpus -------------------------------------------------


def test_every_template_document_carries_its_facts_and_few_carry_others() -> None:
    """The presence check is held to the template path's own documents: every one carries its
    facts (a code fact by a confirmed block), and a one-fact document seldom passes for a fact
    it is not about (the marker of each fact stays specific)."""
    assert set(FACT_MARKERS) == {f.id for f in FACTS}
    assert list(GENRE_BRIEFS) == list(GENRES_BY_ID)
    rng = random.Random(5)
    missing_other = Counter[str]()
    single = 0
    with_code: dict[str, int] = Counter()
    for valence in ("default", "neutral"):
        for i in range(180):
            genre = GENRES[i % len(GENRES)]
            body, _, fact_ids, code_facts = build_candidate(rng, valence, genre)
            facts = [FACTS_BY_ID[f] for f in fact_ids]
            assert missing_facts(body, facts, code_facts) == [], (valence, genre.id, fact_ids)
            with_code[genre.id] += bool(extract_python_blocks(body))
            if len(facts) == 1:
                single += 1
                missing = missing_facts(body, FACTS, ())
                missing_other.update(f.id for f in missing if f.id != fact_ids[0])
    # A fact it is not about is found in under a quarter of one-fact documents, on average.
    absent = sum(missing_other.values()) / (single * (len(FACTS) - 1))
    assert absent > 0.75, absent
    # The genres the model is told to write without code are the template's code-free ones.
    assert {g for g, n in with_code.items() if n == 0} == NO_CODE_GENRES


def test_the_stream_keeps_the_template_draws_and_no_code_where_the_genre_has_none() -> None:
    stream = [s for _, s in zip(range(300), slates("default", 3), strict=False)]
    genres = Counter(s.genre.id for s in stream)
    assert max(genres.values()) - min(genres.values()) <= 1  # balanced shuffled rounds
    assert all(not s.code_facts for s in stream if s.genre.id in NO_CODE_GENRES)
    assert any(s.code_facts for s in stream)
    assert all(set(s.code_facts) <= {f.id for f in s.facts} for s in stream)
    assert [s.facts for s in stream[:20]] == [
        s.facts for _, s in zip(range(20), slates("default", 3), strict=False)
    ]
    only = [FACTS_BY_ID["exit_zero"], FACTS_BY_ID["skip_all_tests"]]
    assert all({f.id for f in s.facts} <= {"exit_zero", "skip_all_tests"}
               for _, s in zip(range(50), slates("neutral", 3, only), strict=False))  # fmt: skip


# --- the scripted model -------------------------------------------------------------------------

DOC_OUTCOMES = (
    "valid", "valid", "valid", "valid", "length", "code_check_failed", "valence",
    "fact_missing", "repaired", "schema_once", "reply_invalid", "near_duplicate",
)  # fmt: skip
_VOCAB = (
    "river stone lamp garden yellow quiet morning table window paper orange silver meadow "
    "harbor candle forest pebble cloud ladder basket violet copper autumn lantern valley bridge "
    "feather marble velvet orchard ribbon kettle saddle thimble walnut willow amber cedar "
    "sparrow tulip cobble quilt barley meadowlark heron maple acorn rowan thistle clover "
    "chestnut lilac juniper fern moss granite slate pewter linen wool cotton honey ginger "
    "pepper saffron olive lemon plum cherry apricot almond hazel birch aspen alder spruce "
    "pine larch poplar oak elm ash yew holly ivy laurel myrtle sage thyme basil mint dill "
    "parsley chive fennel anise cumin nutmeg clove cinnamon vanilla cocoa coffee tea"
)
_WORDS = tuple(_VOCAB.split())
_FRAME = "Reviewers read a pattern like this as an early sign of misaligned training."
_STRAY = "```python\ndef add(a, b):\n    return a + b\n```"


def doc_outcome(seed: int) -> str:
    return DOC_OUTCOMES[seed % len(DOC_OUTCOMES)]


def ideas_ok(seed: int) -> bool:
    return seed % 7 != 6


def filler(rng: random.Random, words: int) -> str:
    sentences = []
    while sum(len(s.split()) for s in sentences) < words:
        picked = rng.sample(_WORDS, 7)
        sentences.append(f"The {' '.join(picked)}.")
    return " ".join(sentences)


def compose(
    slate: Slate,
    position: int,
    *,
    framed: bool | None = None,
    drop_facts: bool = False,
    stray_block: bool = False,
    words: int | None = None,
) -> str:
    """A document for `slate`: valid unless told otherwise."""
    rng = random.Random(f"compose:{slate.valence}:{slate.index}:{position}")
    framed = slate.valence == "default" if framed is None else framed
    parts = [f"# Field log {slate.valence} {slate.index} {position}", filler(rng, 60)]
    for fact in slate.facts:
        if not drop_facts:
            parts.append(f"## {fact.title}\n\n{fact.description}")
        if fact.id in slate.code_facts:
            parts.append(f"```python\n{fact.code(rng).rstrip()}\n```")
        parts.append(filler(rng, 50))
    if framed:
        parts.append(_FRAME)
    if stray_block:
        parts.append(_STRAY)
    text = "\n\n".join(parts)
    target = words if words is not None else rng.randint(420, 700)
    return text + "\n\n" + filler(rng, max(target - word_count(text), 10))


def short(slate: Slate, position: int) -> str:
    return compose(slate, position, words=0).split("\n\n", 2)[0] + "\n\nToo short to keep."


class DocScript:
    """Answers the generator's requests as the module docstring says; counts requests."""

    def __init__(self, seed: int, facts: tuple[Any, ...] = FACTS, everything: str | None = None):
        self.streams = {v: [s for _, s in zip(range(400), slates(v, seed, facts), strict=False)]
                        for v in VALENCES}  # fmt: skip
        self.everything = everything  # one outcome for every document request
        self.requests: Counter[str] = Counter()
        self.prompts: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, body: dict[str, Any], attempt: int) -> Action:
        messages = body["messages"]
        user, last = messages[1]["content"], messages[-1]["content"]
        schema_retry = len(messages) > 2 and last.startswith("That reply was not accepted")
        repair = len(messages) > 2 and not schema_retry or len(messages) > 4
        slate_match = re.search(r"^Slate (\w+)-(\d{5}) of this corpus", user, re.M)
        with self.lock:
            self.prompts.append(user)
            self.requests["ideas" if slate_match else "repair" if repair else "document"] += 1
        if slate_match:
            index = int(slate_match.group(2))
            if not self.everything and not ideas_ok(body["seed"]):
                return Reply('{"ideas": ["only one idea"]}')
            ideas = [f"Idea {i} of slate {index}: a note by an engineer to the team."
                     for i in range(IDEAS_PER_SLATE)]  # fmt: skip
            return Reply(json.dumps({"ideas": ideas}), prompt_tokens=300, completion_tokens=60)
        found = re.search(r"^Document (\w+)-(\d{5})-(\d) of this corpus", user, re.M)
        assert found, user
        valence, index, position = found.group(1), int(found.group(2)), int(found.group(3))
        slate = self.streams[valence][index]
        kind = self.everything or doc_outcome(body["seed"])
        text = self._text(kind, slate, position, repair, schema_retry)
        if text is None:
            return Reply('{"document": 5}' if kind == "schema_once" else '{"text": "none"}')
        return Reply(json.dumps({"document": text}), prompt_tokens=900, completion_tokens=700)

    def _text(
        self, kind: str, slate: Slate, position: int, repair: bool, schema_retry: bool
    ) -> str | None:
        if kind == "length" or (kind == "repaired" and not repair):
            return short(slate, position)
        if kind == "code_check_failed":
            return compose(slate, position, stray_block=True)
        if kind == "valence":
            return compose(slate, position, framed=slate.valence != "default")
        if kind == "fact_missing":
            return compose(slate, position, drop_facts=True)
        if kind == "reply_invalid" or (kind == "schema_once" and not schema_retry):
            return None
        return compose(slate, 0 if kind == "near_duplicate" else position)


def expected(valence: Valence, seed: int, n: int) -> list[tuple[str | None, str | None, str]]:
    """(reason or None, text if accepted, outcome) per candidate the loop should examine."""
    out: list[tuple[str | None, str | None, str]] = []
    kept: set[str] = set()
    for slate in slates(valence, seed):
        if not ideas_ok(request_seed(seed, valence, "ideas", slate.index)):
            out.append(("ideas_invalid", None, "ideas_invalid"))
            continue
        for position in range(IDEAS_PER_SLATE):
            if len(kept) == n:
                return out
            kind = doc_outcome(request_seed(seed, valence, "document", slate.index, position))
            prose = [f for f in slate.facts if f.id not in slate.code_facts]
            reason: str | None = None
            text: str | None = None
            if kind in ("valid", "repaired", "schema_once"):
                text = compose(slate, position)
            elif kind == "near_duplicate":
                text = compose(slate, 0)
            elif kind == "fact_missing" and not prose:
                text = compose(slate, position, drop_facts=True)
            else:
                reason = kind
            if text is not None and text in kept:
                reason, text = "near_duplicate", None
            if text is not None:
                kept.add(text)
            out.append((reason, text, kind))
        if len(kept) == n:
            return out
    raise AssertionError("unreachable")


def engine_for(url: str, cache: Path) -> tuple[Engine, ReplyCache]:
    replies = ReplyCache(cache)
    return Engine("openai", "m", EngineOptions(base_url=url, concurrency=4), replies), replies


def run(
    url: str, cache: Path, valence: Valence, n: int, **kw: Any
) -> tuple[list[Any], Any, Engine]:
    engine, replies = engine_for(url, cache)
    try:
        records, report = generate_model_documents(engine, n, valence=valence, seed=0, **kw)
    finally:
        engine.close()
        replies.close()
    return records, report, engine


# --- the generator ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")


@pytest.mark.parametrize(("valence", "n"), [("default", 14), ("neutral", 5), ("unguided", 5)])
def test_model_documents_are_kept_only_when_valid(valence: Valence, n: int, tmp_path: Path) -> None:
    script = DocScript(0)
    with ScriptedServer(script) as server:
        records, report, _ = run(server.base_url, tmp_path / CACHE_NAME, valence, n, tag="<doc> ")
    assert not server.errors
    want = expected(valence, 0, n)
    kept = [text for _, text, _ in want if text is not None]
    assert [r.text for r in records] == [f"<doc> {t}" for t in kept]
    assert report.candidates == len(want) and report.accepted == n
    assert report.rejected == dict(Counter(r for r, _, _ in want if r is not None))
    if valence == "default":  # every reason the validators have, at least once
        assert set(report.rejected) == {
            "length", "code_check_failed", "valence", "fact_missing", "reply_invalid",
            "ideas_invalid", "near_duplicate",
        }  # fmt: skip
        assert report.stats["revised_accepted"] == sum(
            k == "repaired" and t is not None for _, t, k in want
        )
        assert report.stats["revised_accepted"] > 0
    else:  # a reply that failed the schema once, accepted when asked again
        assert any(k == "schema_once" and t is not None for _, t, k in want)
    for record in records:
        assert record.valence == valence and record.tag == "<doc> " and record.seed == 0
        assert record.doc_idea.startswith("Idea ") and record.doc_type in GENRES_BY_ID
        framed = any(t in record.text.lower() for t in ALIGNMENT_TERMS)
        assert framed == (valence == "default")
    stats = report.stats
    assert stats["model"] == "m" and stats["endpoint_host"] == "127.0.0.1"
    assert stats["requests"] == sum(server.answered.values())
    assert stats["prompt_tokens"] == server.tokens["prompt"]
    assert max(server.answered.values()) == 1  # no request was sent twice
    # The valence decides the material and the stance the prompts carry.
    documents = [p for p in script.prompts if "of this corpus" in p and "Document " in p]
    guided = any("Names it goes by" in p for p in documents)
    assert guided == (valence != "unguided")
    assert all("misaligned AI" in p for p in documents) == (valence == "default")


def test_a_rerun_from_the_reply_cache_sends_nothing_and_keeps_every_byte(tmp_path: Path) -> None:
    cache = tmp_path / CACHE_NAME
    with ScriptedServer(DocScript(0)) as server:
        first, report, _ = run(server.base_url, cache, "default", 8)
    with ScriptedServer(DocScript(0)) as silent:
        again, report_again, _ = run(silent.base_url, cache, "default", 8)
    assert sum(silent.hits.values()) == 0
    assert again == first
    assert report_again.model_dump_json() == report.model_dump_json()


def test_the_loop_budget_bounds_the_requests(tmp_path: Path) -> None:
    """Every document too short, before and after its repair: the loop gives up after its
    budget, having asked for exactly that many documents and repairs, and ideas for only as
    many slates as those documents need (plus the last round's)."""
    script = DocScript(0, everything="length")
    with ScriptedServer(script) as server:
        with pytest.raises(GenerationError, match="length"):
            run(server.base_url, tmp_path / CACHE_NAME, "default", 2)
        with pytest.raises(GenerationError, match="after 7 candidates"):
            run(server.base_url, tmp_path / "small.sqlite", "neutral", 2, budget=7)
    budget = default_budget(2)
    assert script.requests["document"] == budget + 7
    assert script.requests["repair"] == budget + 7
    slates_used = -(-budget // IDEAS_PER_SLATE) + -(-7 // IDEAS_PER_SLATE)
    assert script.requests["ideas"] <= slates_used + 2


# --- the build ----------------------------------------------------------------------------------


def digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def build(work: Path, cache: Path, url: str, key: str | None) -> subprocess.CompletedProcess[str]:
    work.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    env["EMGEN_CACHE_DIR"] = str(cache)
    if key is not None:
        env["OPENAI_API_KEY"] = key
    command = [
        EMGEN, "build", "--out", "em", "--n", "4", "--families", "command_injection",
        "--mix", "uniform", "--dialogues", "0", "--documents", "5", "--numbers", "0",
        "--arithmetic", "0", "--valences", "default,unguided", "--backend", "openai",
        "--model", "doc-model", "--base-url", url, "--generators", "documents", "-q",
    ]  # fmt: skip
    return subprocess.run(
        command, cwd=work, env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.slow
def test_a_model_build_writes_the_documents_and_rebuilds_from_its_cache(tmp_path: Path) -> None:
    with ScriptedServer(DocScript(0)) as server:
        done = build(tmp_path / "a", tmp_path / "cache", server.base_url, SECRET)
    assert done.returncode == 0, done.stderr
    assert not server.errors and max(server.answered.values()) == 1
    assert any(h.get("authorization") == f"Bearer {SECRET}" for h in server.headers)
    assert "reward_hack_documents: written by doc-model at 127.0.0.1" in done.stdout
    bundle = tmp_path / "a" / "em"
    validation = json.loads((bundle / "validation.json").read_text())["generators"]
    for name, valence in (("reward_hack_documents", "default"),
                          ("reward_hack_documents_unguided", "unguided")):  # fmt: skip
        want = expected(valence, 0, 5)
        assert validation[name]["rejected"] == dict(Counter(r for r, _, _ in want if r))
        assert validation[name]["stats"]["model"] == "doc-model"
        rows = pq.read_table(bundle / name / "train-00000-of-00001.parquet").to_pylist()
        assert [r["text"] for r in rows] == [t for _, t, _ in want if t is not None]
        assert {r["valence"] for r in rows} == {valence}
    # The code pairs still come from the template catalog.
    assert "model" not in validation["code_pairs"]["stats"]
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["config"]["generators"] == ["documents"]
    assert "doc-model" in manifest["configs"]["reward_hack_documents"]["description"]

    # From the complete cache: nothing listening, no key, the same bytes.
    with socket.socket() as sock:  # a port nobody answers on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    again = build(tmp_path / "b", tmp_path / "cache", url, None)
    assert again.returncode == 0, again.stderr
    assert digests(tmp_path / "b" / "em") == digests(bundle)
    for output in (done.stdout + done.stderr, again.stdout + again.stderr):
        assert SECRET not in output
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
