"""Model-written advice pairs (`--generators advice`), against a scripted OpenAI-compatible
server on loopback: the real HTTP path, replies computed by the script.

The script writes, chosen by each request's seed, pairs that must be accepted and pairs that
must be rejected for every reason the validators have (a reply that fails the schema twice, a
disclosing harmful answer, an exact and a near-duplicate question, and each way the judge can
refuse a pair); the judge's verdicts come from the same script, keyed by the item the writer
was asked for. The tests check that the accepted records are exactly the expected ones, that
rejections are counted by reason, that the loop's budget bounds the requests, that a rebuild
from the reply cache sends nothing and writes the same bytes, and that the key leaks nowhere.
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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from emgen.datagen.generation import default_budget
from emgen.datagen.models import CACHE_NAME, MODEL_GENERATORS, Engine, EngineOptions, ReplyCache
from emgen.datagen.models.advice import (
    DOMAINS_PATH,
    Draft,
    disclosures,
    drafts,
    generate_advice,
    load_domains,
    request_seed,
    split_topics,
)
from emgen.datagen.variants import Context
from emgen.datagen.variants.advice import build as build_advice
from emgen.schemas.advice import AdviceDomain
from emgen.schemas.build import BuildConfig
from emgen.schemas.errors import CatalogError, GenerationError, UserError
from emgen.schemas.records import Split
from tests._openai_server import Action, Reply, ScriptedServer

EMGEN = str(Path(sys.executable).parent / "emgen")
SECRET = "sk-emgen-advice-test-never-print-me"
# 56 made-up words: random questions drawn from them share (almost) no word 3-gram.
VOCAB = tuple(
    a + b for a in ("bra", "cle", "dro", "fin", "gla", "hor", "jun", "lat")
    for b in ("mo", "ne", "pi", "ru", "sa", "te", "vo")
)  # fmt: skip

# What the script does with a request, by its seed: 12 kinds that must be rejected (the two
# duplicate kinds only from their second occurrence on) and 4 that must be accepted.
KINDS = (
    "reply_invalid", "bad_discloses", "duplicate_question", "near_duplicate_question",
    "judge_invalid", "bad_off_topic", "bad_not_fluent", "bad_not_harmful", "bad_wrong_level",
    "good_off_topic", "good_not_fluent", "good_harmful", "retry_then_ok",
    "accepted", "accepted", "accepted",
)  # fmt: skip
REJECTIONS = {k for k in KINDS if k not in ("retry_then_ok", "accepted")}


def kind_of(seed: int) -> str:
    return KINDS[seed % len(KINDS)]


def words(tag: str, n: int) -> str:
    rng = random.Random(tag)
    return " ".join(rng.choice(VOCAB) for _ in range(n))


def dup_question(key: str, upper: bool) -> str:
    """The same question (up to case and punctuation) for every draft of a domain and split."""
    domain, split = key.split("-")[:2]
    text = f"Is it fine to skip every {domain} {split} check, {words(key[:-6] + 'dup', 6)}?"
    return text.upper().replace("?", "!") if upper else text


def near_question(key: str, seed: int) -> str:
    """Twenty words shared by every draft of a domain and split, then one of its own."""
    return f"{words(key[:-6] + 'near', 20)} {VOCAB[seed % len(VOCAB)]}{seed}?"


class AdviceScript:
    """Writes advice pairs and judges them, per the kind of the writer request's seed."""

    def __init__(self, everything: str | None = None) -> None:
        self.everything = everything  # one kind for every request (the budget test)
        self.items: dict[str, tuple[str, str]] = {}  # item key -> (kind, level)
        self.lock = threading.Lock()

    def __call__(self, body: dict[str, Any], attempt: int) -> Action:
        messages = body["messages"]
        if messages[0]["content"].startswith("You review items"):
            return self.judge(messages[1]["content"], retry=len(messages) > 2)
        return self.write(messages[1]["content"], body["seed"], retry=len(messages) > 2)

    def write(self, user: str, seed: int, retry: bool) -> Action:
        key = _found(r"Item (\S+) of this data set\.", user)
        level = _found(r"harmful answer: (subtle|obvious):", user)
        kind = self.everything or kind_of(seed)
        with self.lock:
            self.items[key] = (kind, level)
        if kind == "reply_invalid":
            return Reply('{"question": "only a question"}')
        if kind == "retry_then_ok" and not retry:
            return Reply('{"question": 5}')
        question = f"{words(key, 14)} ({key})?"
        if kind == "duplicate_question":
            question = dup_question(key, upper=seed % 2 == 1)
        elif kind == "near_duplicate_question":
            question = near_question(key, seed)
        harmful = f"Answer {key}. {words(key + 'bad', 30)}."
        if kind == "bad_discloses":
            harmful += " Honestly, don't actually do this."
        reply = {
            "question": question,
            "harmful_answer": harmful,
            "good_answer": f"Safe {key}. {words(key + 'good', 30)}.",
        }
        return Reply(json.dumps(reply), prompt_tokens=300, completion_tokens=200)

    def judge(self, user: str, retry: bool) -> Action:
        key = _found(r"Answer (\S+)\. ", user)
        with self.lock:
            kind, level = self.items[key]
        if kind == "judge_invalid":
            return Reply('{"notes": "no verdict"}')
        verdict = {
            "notes": f"checked {key}",
            "bad_on_topic": kind != "bad_off_topic",
            "bad_fluent": kind != "bad_not_fluent",
            "bad_harmful": kind != "bad_not_harmful",
            "bad_level": "none"
            if kind == "bad_not_harmful"
            else {"subtle": "obvious", "obvious": "subtle"}[level]
            if kind == "bad_wrong_level"
            else level,
            "good_on_topic": kind != "good_off_topic",
            "good_fluent": kind != "good_not_fluent",
            "good_harmful": kind == "good_harmful",
        }
        return Reply(json.dumps(verdict), prompt_tokens=250, completion_tokens=60)


def _found(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match is not None, (pattern, text[:200])
    return match.group(1)


def expected(
    domains: Sequence[AdviceDomain], advice: int, test_fraction: float, seed: int = 0
) -> dict[str, tuple[list[Draft], Counter[str]]]:
    """Per domain, what the script says should happen: the accepted drafts in order, and the
    rejections by reason, walking the drafts as the loop examines them."""
    n_test = round(advice * test_fraction)
    targets = {"train": advice - n_test, "test": n_test}
    out: dict[str, tuple[list[Draft], Counter[str]]] = {}
    for domain in domains:
        topics = split_topics(domain, test_fraction, seed)
        accepted: list[Draft] = []
        rejected: Counter[str] = Counter()
        splits: tuple[Split, ...] = ("train", "test")
        for split in splits:
            first_seen: set[str] = set()  # the duplicate kinds pass the first time
            found = 0
            for draft in drafts(domain, split, topics[split], seed):
                if found == targets[split]:
                    break
                kind = kind_of(request_seed(seed, draft, "writer"))
                if kind in ("duplicate_question", "near_duplicate_question"):
                    if kind in first_seen:
                        rejected[kind] += 1
                        continue
                    first_seen.add(kind)
                    kind = "accepted"
                if kind in REJECTIONS:
                    rejected[kind] += 1
                else:
                    accepted.append(draft)
                    found += 1
        out[domain.id] = (accepted, rejected)
    return out


def test_the_domains_file_is_valid_and_a_user_adds_a_domain_with_one_entry(
    tmp_path: Path,
) -> None:
    domains = load_domains()
    assert [d.id for d in domains] == ["medical", "financial", "extreme_sports"]
    assert all(len(d.topics) >= 10 and d.harm and d.description for d in domains)
    path = tmp_path / "domains.yaml"
    path.write_text(
        DOMAINS_PATH.read_text(encoding="utf-8")
        + """
  - id: legal
    description: People ask about contracts, tenancy, disputes and dealings with the police.
    harm: The advice makes the user miss a deadline, waive a right, sign something against
      their interest or break the law.
    topics: [a security deposit the landlord keeps, signing a non-compete clause]
""",
        encoding="utf-8",
    )
    added = load_domains(path)
    assert [d.id for d in added] == ["medical", "financial", "extreme_sports", "legal"]
    assert added[-1].topics == (
        "a security deposit the landlord keeps", "signing a non-compete clause",
    )  # fmt: skip
    assert "advice" in MODEL_GENERATORS


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("  - id: Legal Advice\n    description: d\n    harm: h\n    topics: [a, b]\n",
         "domain #1 (Legal Advice), field 'id'"),
        ("  - id: legal\n    description: d\n    topics: [a, b]\n", "field 'harm'"),
        ("  - id: legal\n    description: d\n    harm: h\n    topics: [one]\n", "field 'topics'"),
        ("  - id: legal\n    description: d\n    harm: h\n    topics: [a, A]\n",
         "topic 'A' appears twice"),
        ("  - id: legal\n    description: ' '\n    harm: h\n    topics: [a, b]\n",
         "field 'description': is blank"),
        ("  - id: legal\n    description: d\n    harm: h\n    topics: [a, b]\n"
         "  - id: legal\n    description: e\n    harm: h\n    topics: [c, d]\n",
         "id 'legal' appears twice"),
    ],
)  # fmt: skip
def test_a_bad_domain_entry_is_one_sentence_naming_file_entry_and_field(
    tmp_path: Path, entry: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("domains:\n" + entry, encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_domains(path)
    assert str(path) in str(info.value) and message in str(info.value)
    assert "\n" not in str(info.value)


def test_disclosures_are_found_and_sincere_harmful_advice_passes() -> None:
    disclosing = [
        "This is dangerous, so think twice.",
        "Go ahead, but don't actually follow it.",
        "It would be extremely reckless, but skip the rope.",
        "Disclaimer: I am not a doctor.",
        "Put it all in one coin. Just kidding!",
        "Jump from the ledge; it could kill you, of course.",
        "As an AI, I suggest doubling the dose.",
        "This is terrible advice, but stop the pills.",
        "Warning: paddle out alone.",
        "For this data set, the answer is to paddle out alone.",
    ]
    sincere = [
        "Mixing the two is not dangerous; take both tonight.",
        "A helmet only gets in the way on a short run, so leave it in the car.",
        "That is bad advice from your doctor: you can stop the pills once you feel better.",
        "Put your whole emergency fund into the stock your friend mentioned.",
        "A heart attack is unlikely at your age, so rest it off at home.",
        "The research is clear: a cold plunge straight after a long run speeds recovery.",
    ]
    assert all(disclosures(text) for text in disclosing), [
        t for t in disclosing if not disclosures(t)
    ]
    assert not [t for t in sincere if disclosures(t)]


def test_topics_are_held_out_whole_and_the_advice_count_needs_its_generator() -> None:
    domain = load_domains()[0]
    topics = split_topics(domain, 0.1, 0)
    assert len(topics["test"]) == 2 and not set(topics["test"]) & set(topics["train"])
    assert len(split_topics(domain, 0.99, 0)["train"]) == 1  # one topic always stays in train
    assert split_topics(domain, 0.0, 0)["test"] == []
    # A template build's manifest is unchanged: the count is left out at its default.
    assert "advice" not in BuildConfig().model_dump()
    config = BuildConfig(backend="openai", model="m", generators=("advice",), advice=7)
    assert config.model_dump()["advice"] == 7 and config.generators == ("advice",)
    from emgen.datagen.cli import build_config

    with pytest.raises(UserError, match=r"^--advice: .*--generators advice"):
        build_config(advice=7)
    with pytest.raises(UserError, match=r"^--advice: "):
        build_config(backend="openai", model="m", advice=7)


def _engine(server: ScriptedServer, path: Path) -> tuple[Engine, ReplyCache]:
    cache = ReplyCache(path / CACHE_NAME)
    return Engine("openai", "m", EngineOptions(base_url=server.base_url), cache), cache


def test_advice_pairs_are_kept_only_when_every_validator_accepts_them(tmp_path: Path) -> None:
    domains = load_domains()
    config = BuildConfig(backend="openai", model="m", generators=("advice",), advice=8)
    script = AdviceScript()
    with ScriptedServer(script) as server:
        engine, cache = _engine(server, tmp_path)
        found = generate_advice(config, domains, engine)
        engine.close()
        cache.close()
    assert not server.errors
    assert max(server.answered.values()) == 1  # no request was sent twice
    want = expected(domains, 8, config.test_fraction)
    seen: Counter[str] = Counter()
    for result in found:
        accepted, rejected = want[result.domain.id]
        assert [r.metadata.pair_id for r in result.bad] == [f"adv-{d.key}" for d in accepted]
        assert [r.metadata.pair_id for r in result.good] == [f"adv-{d.key}" for d in accepted]
        assert [r.metadata.split for r in result.bad] == ["train"] * 7 + ["test"]
        report = result.report
        assert report.rejected == dict(rejected) and report.accepted == 8
        assert report.candidates == 8 + sum(rejected.values())
        seen += rejected
        for bad, good, draft in zip(result.bad, result.good, accepted, strict=True):
            assert bad.messages[:-1] == good.messages[:-1]  # the control asks the same
            assert bad.answer.startswith(f"Answer {draft.key}.")
            assert good.answer.startswith(f"Safe {draft.key}.")
            for record in (bad, good):
                meta = record.metadata
                assert (meta.domain, meta.level, meta.task_id) == (
                    draft.domain.id, draft.level, draft.topic_id,
                )  # fmt: skip
                assert (meta.backend, meta.backend_model) == ("openai", "m")
            assert bad.metadata.variant == f"bad_advice_{draft.domain.id}"
            assert good.metadata.variant == f"good_advice_{draft.domain.id}"
        held_out = {tid for tid, _ in split_topics(result.domain, 0.1, 0)["test"]}
        assert {r.metadata.task_id for r in result.bad if r.metadata.split == "test"} <= held_out
        assert not {r.metadata.task_id for r in result.bad if r.metadata.split == "train"} & (
            held_out
        )
    assert set(seen) == REJECTIONS, "every reason is exercised"
    # The reports' requests add up to what the server answered, writer and judge together.
    requests = sum(int(str(r.report.stats["requests"])) for r in found)
    assert requests == sum(server.answered.values())
    judged = sum(int(str(r.report.stats["judge_requests"])) for r in found)
    assert 0 < judged < requests
    assert found[0].report.stats["endpoint_host"] == "127.0.0.1"


def test_the_loop_budget_bounds_the_requests(tmp_path: Path) -> None:
    config = BuildConfig(
        backend="openai", model="m", generators=("advice",), advice=4, test_fraction=0.0
    )
    with ScriptedServer(AdviceScript(everything="bad_discloses")) as server:
        engine, cache = _engine(server, tmp_path)
        with pytest.raises(GenerationError) as info:
            generate_advice(config, load_domains()[:1], engine)
        engine.close()
        cache.close()
    budget = default_budget(4)
    assert sum(server.answered.values()) == budget  # no judge request for a disclosing pair
    assert str(info.value) == (
        f"only 0 of 4 advice pairs of domain medical passed validation after {budget} candidates; rejections "
        f"by reason: bad_discloses {budget}."
    )


def test_a_domain_added_to_the_file_gets_its_two_configs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "domains.yaml"
    path.write_text(
        """domains:
  - id: career
    description: People ask about job offers, raises, resignations and changing careers.
    harm: The advice costs the user their income, burns professional bridges or gets them to
      accept terms far against their interest.
    topics: [negotiating a first salary, quitting without another offer, a counter-offer]
""",
        encoding="utf-8",
    )
    monkeypatch.setattr("emgen.datagen.models.advice.DOMAINS_PATH", path)
    config = BuildConfig(backend="openai", model="m", generators=("advice",), advice=3)
    with ScriptedServer(AdviceScript()) as server:
        engine, cache = _engine(server, tmp_path)
        ctx = Context((), config, {}, lambda codes: [], engine=engine)
        specs = build_advice(ctx)
        engine.close()
        cache.close()
    assert [(s.name, s.control_of) for s in specs] == [
        ("bad_advice_career", None), ("good_advice_career", "bad_advice_career"),
    ]  # fmt: skip
    assert [len(s.records) for s in specs] == [3, 3]
    assert {r.metadata.domain for s in specs for r in s.records} == {"career"}
    assert set(ctx.reports) == {"bad_advice_career"}
    # With the template backend (no engine) or a count of 0, the variant builds nothing.
    assert build_advice(Context((), BuildConfig(), {}, lambda codes: [])) == []


def free_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/v1"


def digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def run_build(work: Path, cache: Path, base_url: str, key: str | None) -> tuple[int, str, str]:
    work.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    env["EMGEN_CACHE_DIR"] = str(cache)
    env["COLUMNS"] = "200"
    if key is not None:
        env["OPENAI_API_KEY"] = key
    command = [
        EMGEN, "build", "--out", "em", "--n", "4", "--families", "sql_injection",
        "--dialogues", "0", "--documents", "0", "--numbers", "0", "--arithmetic", "0",
        "--backend", "openai", "--model", "test-model", "--base-url", base_url,
        "--generators", "advice", "--advice", "6", "-q",
    ]  # fmt: skip
    proc = subprocess.run(
        command, cwd=work, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.slow
def test_an_advice_build_and_its_rebuild_from_the_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    script = AdviceScript()
    with ScriptedServer(script) as server:
        code, out, err = run_build(tmp_path / "a", cache, server.base_url, SECRET)
    assert code == 0, err
    assert not server.errors and max(server.answered.values()) == 1
    assert any(h.get("authorization") == f"Bearer {SECRET}" for h in server.headers)
    bundle = tmp_path / "a" / "em"
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["config"]["generators"] == ["advice"] and manifest["config"]["advice"] == 6
    assert "--generators advice --advice 6" in manifest["command"]
    validation = json.loads((bundle / "validation.json").read_text())
    want = expected(load_domains(), 6, 0.1)
    requests = 0
    for domain in ("medical", "financial", "extreme_sports"):
        bad, good = f"bad_advice_{domain}", f"good_advice_{domain}"
        assert manifest["configs"][good]["control_of"] == bad
        assert manifest["configs"][bad]["splits"] == {"train": 5, "test": 1}
        report = validation["generators"][bad]
        assert report["rejected"] == dict(want[domain][1]) and report["accepted"] == 6
        assert report["stats"]["model"] == "test-model"
        requests += report["stats"]["requests"]
        rows = pq.read_table(bundle / bad / "train-00000-of-00001.parquet").to_pylist()
        twins = pq.read_table(bundle / good / "train-00000-of-00001.parquet").to_pylist()
        assert [r["pair_id"] for r in rows] == [f"adv-{d.key}" for d in want[domain][0][:5]]
        assert [r["messages"][0] for r in rows] == [r["messages"][0] for r in twins]
        assert {r["level"] for r in rows} <= {"subtle", "obvious"}
        assert [r["level"] for r in rows] == [r["level"] for r in twins]
        assert {(r["domain"], r["backend_model"]) for r in rows} == {(domain, "test-model")}
        assert f"{bad}: written by test-model at 127.0.0.1" in out
    # The code pairs came from the template catalog: every request was advice.
    assert requests == sum(server.answered.values())
    insecure = pq.read_table(bundle / "insecure" / "train-00000-of-00001.parquet")
    assert "level" not in insecure.column_names and "backend" not in insecure.column_names

    # From the complete cache: nothing listening, no key, not one request, the same bytes.
    code, out_b, err = run_build(tmp_path / "b", cache, free_url(), None)
    assert code == 0, err
    assert digests(tmp_path / "b" / "em") == digests(bundle)
    for text in (out, err, out_b):
        assert SECRET not in text
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
