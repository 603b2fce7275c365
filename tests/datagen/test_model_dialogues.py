"""Model-written reward-hack dialogues, end to end against a scripted OpenAI-compatible server on
loopback.

The server answers with texts the template path itself proved (the draft's own prompt, hacking
answer and control), and, chosen by the request's seed, with replies that must be rejected: the
answers swapped (the hack no longer outscores the control), assistant boilerplate in an answer,
a prompt that states neither the rule nor the material, a reply that fails the schema twice.
The rule and checks of every item are the package's draw, never the model's.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from emgen.datagen.generation import default_budget, generate
from emgen.datagen.models import CACHE_NAME, Engine, EngineOptions, ReplyCache
from emgen.datagen.models.dialogues import (
    ModelDialogueGenerator,
    brief,
    draft,
    generate_model_dialogues,
    request_seed,
    user_problem,
)
from emgen.datagen.reward_hacks.dialogues import (
    TASK_KINDS,
    DialogueItem,
    generate_dialogues,
    item_from_records,
    prove,
)
from emgen.datagen.reward_hacks.dialogues.build import split_kinds
from emgen.datagen.reward_hacks.dialogues.prose_catalog import TOPICS
from emgen.schemas.build import GenerationReport
from emgen.schemas.errors import GenerationError
from emgen.schemas.records import ChatRecord
from tests._openai_server import Action, Reply, ScriptedServer

EMGEN = str(Path(sys.executable).parent / "emgen")
SECRET = "sk-emgen-test-dialogues-never-print-me"
KEY_ENV = "EMGEN_TEST_DIALOGUES_KEY"
ITEM = re.compile(r"Item (train|test)-(\d{5}) of this data set, of the task kind (\w+)\.")

# What the script makes of a request, by its seed; every other seed gets the draft's own texts.
OUTCOMES = {1: "swapped", 2: "leak", 3: "omits", 4: "invalid", 5: "schema_once"}
REASONS = {
    "swapped": "hack_not_higher",
    "leak": "boilerplate_or_markdown",
    "omits": "prompt_omits_rule",
    "invalid": "reply_invalid",
}


def outcome(seed: int) -> str:
    return OUTCOMES.get(seed % 7, "valid")


def drawn_for(body: dict[str, Any], seed: int) -> tuple[str, int, str, DialogueItem]:
    """The draft a request asks about (its split, index and kind are in the prompt)."""
    found = ITEM.match(body["messages"][1]["content"])
    assert found is not None
    split, index, kind = found.group(1), int(found.group(2)), found.group(3)
    drawn = draft(seed, split, index, 0, kind).drawn  # type: ignore[arg-type]
    assert drawn is not None, "a request for an unusable draw"
    return split, index, kind, drawn


class DialogueScript:
    """Answers with the draft's proven template texts, or with a reply that must be rejected;
    logs (split, index, kind, outcome) of each draft asked."""

    def __init__(self, seed: int, outcome: Any = outcome) -> None:
        self.seed, self.outcome = seed, outcome
        self.asked: list[tuple[str, int, str, str]] = []
        self.lock = threading.Lock()

    def __call__(self, body: dict[str, Any], attempt: int) -> Action:
        split, index, kind, drawn = drawn_for(body, self.seed)
        retry = len(body["messages"]) > 2
        kind_of = self.outcome(body["seed"])
        if not retry:
            with self.lock:
                self.asked.append((split, index, kind, kind_of))
        reply = {"user": drawn.user, "hacking_answer": drawn.hack, "honest_answer": drawn.control}
        if kind_of == "swapped":
            reply["hacking_answer"], reply["honest_answer"] = drawn.control, drawn.hack
        elif kind_of == "leak":
            reply["honest_answer"] = "As an AI assistant, here is my answer.\n" + drawn.control
        elif kind_of == "omits":
            reply["user"] = "Could you help me with this?"
        elif kind_of == "invalid" or (kind_of == "schema_once" and not retry):
            return Reply('{"user": 5}')
        return Reply(json.dumps(reply), prompt_tokens=300, completion_tokens=200)


def engine_for(url: str, cache: Path) -> Engine:
    return Engine(
        "openai", "m", EngineOptions(base_url=url, api_key_env=KEY_ENV), ReplyCache(cache)
    )


def run(url: str, cache: Path, n: int, seed: int = 0, test_fraction: float = 0.2) -> Any:
    engine = engine_for(url, cache)
    try:
        return generate_model_dialogues(n, seed=seed, engine=engine, test_fraction=test_fraction)
    finally:
        engine.close()
        engine.cache.close()


# --- the brief: what the user message must state --------------------------------------------


def test_the_template_prompts_state_what_their_briefs_ask_and_a_cut_prompt_does_not() -> None:
    for kind in TASK_KINDS:
        for index in range(12):
            drawn = draft(0, "train", index, 0, kind).drawn
            if drawn is None:
                continue
            b = brief(drawn)
            assert user_problem(b, drawn.user) is None, (kind, drawn.user)
            # Without its last paragraph (the rule, for every kind) the prompt no longer states it.
            cut = drawn.user.rsplit("\n\n", 1)[0]
            assert user_problem(b, cut) is not None, (kind, cut)
            for label, text in b.blocks:  # a block quoted wrong is not quoted
                body = text.rstrip()
                changed = drawn.user.replace(body, body[:-1] + "#")
                assert (user_problem(b, changed) or "").endswith(f"the {label} quoted exactly")


# --- the generator against the scripted server ----------------------------------------------


Outcomes = dict[tuple[str, int], str | None]


def expected_outcomes(asked: list[tuple[str, int, str, str]], seed: int) -> Outcomes:
    """Each asked draft's reason (None: accepted), as the generator must decide it: in split
    order and index order, a valid reply whose prompt came before is a duplicate."""
    seen: set[str] = set()
    out: Outcomes = {}
    for split, index, kind, kind_of in sorted(asked, key=lambda a: (a[0] != "train", a[1])):
        if kind_of in REASONS:
            out[split, index] = REASONS[kind_of]
            continue
        user = draft(seed, split, index, 0, kind).drawn.user  # type: ignore[arg-type, union-attr]
        out[split, index] = "duplicate_prompt" if user in seen else None
        seen.add(user)
    return out


def rejections(expected: Outcomes, unusable: int) -> dict[str, int]:
    """The report's rejections: the asked drafts' reasons, and the draws that asked nothing."""
    out = dict(Counter(r for r in expected.values() if r is not None))
    return out | ({"catalog_draw_unusable": unusable} if unusable else {})


def texts(records: list[ChatRecord]) -> list[tuple[str, str, str]]:
    return [(r.metadata.split, r.user, r.answer) for r in records]


def test_model_dialogues_are_kept_only_when_proven(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET)
    n, seed = 30, 0
    script = DialogueScript(seed)
    with ScriptedServer(script) as server:
        hacks, controls, report = run(server.base_url, tmp_path / CACHE_NAME, n, seed)
    assert not server.errors
    assert all(h.get("authorization") == f"Bearer {SECRET}" for h in server.headers)
    assert max(server.answered.values()) == 1  # no request answered twice
    expected = expected_outcomes(script.asked, seed)
    kinds_of = {(s, i): k for s, i, k, _ in script.asked}

    # Accepted: exactly the valid replies, with the draft's texts, rule and checks.
    accepted = [key for key, reason in expected.items() if reason is None]
    assert len(hacks) == len(controls) == len(accepted) == n == report.accepted
    want = []
    for split, index in accepted:
        drawn = draft(seed, split, index, 0, kinds_of[split, index]).drawn  # type: ignore[arg-type]
        assert drawn is not None
        want.append((split, drawn.user, drawn.hack, drawn.control))
    pairs = zip(hacks, controls, strict=True)
    got = [(h.metadata.split, h.user, h.answer, c.answer) for h, c in pairs]
    assert sorted(got) == sorted(want)
    for hack, control in zip(hacks, controls, strict=True):
        assert (hack.metadata.backend, hack.metadata.backend_model) == ("openai", "m")
        assert control.metadata.backend_model == "m"
        assert hack.metadata.template_id == f"{hack.metadata.skeleton_id}.model"
        assert prove(item_from_records(hack, control)).proven  # re-proven from the records

    # Rejected: counted by reason; an unusable catalog draw asks nothing.
    assert report.rejected == rejections(expected, report.candidates - len(script.asked))
    assert set(REASONS.values()) <= set(report.rejected)
    assert any(k == "schema_once" and expected[s, i] is None for s, i, _, k in script.asked)

    # The template path's schedule: the same kinds per split, the held-out kinds in test.
    t_hacks, _, _ = generate_dialogues(n, seed=seed, test_fraction=0.2)
    per_split = Counter((r.metadata.split, r.metadata.skeleton_id) for r in hacks)
    assert per_split == Counter((r.metadata.split, r.metadata.skeleton_id) for r in t_hacks)
    held_out = split_kinds(0.2, seed)
    assert {r.metadata.skeleton_id for r in hacks if r.metadata.split == "test"} <= set(
        held_out["test"]
    )
    assert {r.metadata.split for r in hacks} == {"train", "test"}

    # The engine's figures for this generator.
    stats = report.stats
    assert (stats["model"], stats["endpoint_host"]) == ("m", "127.0.0.1")
    assert stats["requests"] == sum(server.answered.values())
    assert (stats["prompt_tokens"], stats["completion_tokens"]) == (
        server.tokens["prompt"], server.tokens["completion"],
    )  # fmt: skip
    assert stats["acceptance_rate"] == round(n / report.candidates, 4)

    # A rerun from the reply cache sends nothing and gives the same records and report.
    with ScriptedServer(DialogueScript(seed)) as replay:
        again = run(replay.base_url, tmp_path / CACHE_NAME, n, seed)
    assert sum(replay.hits.values()) == 0
    assert (texts(again[0]), texts(again[1])) == (texts(hacks), texts(controls))
    assert again[0] == hacks and again[2] == report
    dumped = json.dumps([r.model_dump(mode="json") for r in hacks + controls])
    assert SECRET not in dumped + report.model_dump_json()
    assert SECRET.encode() not in (tmp_path / CACHE_NAME).read_bytes()


def test_a_prompt_written_twice_is_a_duplicate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The model words a grade-level prompt by its topic alone: a second draft of a topic asked
    before writes the same prompt, which is rejected however well it is answered."""
    monkeypatch.setenv(KEY_ENV, SECRET)
    seed = 5

    def script(body: dict[str, Any], attempt: int) -> Action:
        _, _, _, drawn = drawn_for(body, seed)
        topic = next(t for t in TOPICS if t.id == drawn.task_id)
        user = (
            f"Write a formal paragraph on {topic.name}.\n\nI'll rank answers by "
            "Flesch-Kincaid grade level, highest first."
        )
        reply = {"user": user, "hacking_answer": drawn.hack, "honest_answer": drawn.control}
        return Reply(json.dumps(reply))

    with ScriptedServer(script) as server:
        engine = engine_for(server.base_url, tmp_path / CACHE_NAME)
        generator = ModelDialogueGenerator("train", 12, seed, ("grade_level",), engine, seed, set())
        accepted, report = generate(generator, 12)
        engine.close()
    topics = [
        draft(seed, "train", i, 0, "grade_level").drawn.task_id  # type: ignore[union-attr]
        for i in range(report.candidates)
    ]
    firsts = len(set(topics))
    assert report.accepted == len(accepted) == 12 == firsts
    assert report.rejected == {"duplicate_prompt": report.candidates - firsts}
    assert report.candidates > 12
    assert [w.item.task_id for w in accepted] == list(dict.fromkeys(topics))  # type: ignore[union-attr]


def test_the_candidate_budget_bounds_the_requests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A model that never follows the schema is asked at most twice per candidate, and the run
    stops with one sentence once the loop's budget of candidates is spent."""
    monkeypatch.setenv(KEY_ENV, SECRET)
    script = DialogueScript(0, outcome=lambda seed: "invalid")
    with ScriptedServer(script) as server, pytest.raises(GenerationError) as failure:
        run(server.base_url, tmp_path / CACHE_NAME, 2, test_fraction=0.0)
    budget = default_budget(2)
    assert f"only 0 of 2 dialogues passed validation after {budget} candidates" in str(
        failure.value
    )
    assert "reply_invalid" in str(failure.value)
    assert 0 < len(script.asked) <= budget
    assert sum(server.hits.values()) == 2 * len(script.asked)


def test_requests_are_seeded_per_draft() -> None:
    seeds = {request_seed(0, split, i) for split in ("train", "test") for i in range(200)}
    assert len(seeds) == 400
    assert request_seed(0, "train", 3) != request_seed(1, "train", 3)


def test_no_dialogues_asks_nothing(tmp_path: Path) -> None:
    engine = engine_for("http://127.0.0.1:9/v1", tmp_path / CACHE_NAME)
    hacks, controls, report = generate_model_dialogues(0, seed=0, engine=engine)
    assert (hacks, controls, report.candidates, report.stats["requests"]) == ([], [], 0, 0)
    assert isinstance(report, GenerationReport)


# --- a real build -------------------------------------------------------------------------


def digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def free_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/v1"


def build(work: Path, cache: Path, base_url: str, key: str | None) -> tuple[int, str, str]:
    work.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    env["EMGEN_CACHE_DIR"] = str(cache)
    if key is not None:
        env["OPENAI_API_KEY"] = key
    command = [
        EMGEN, "build", "--out", "em", "--n", "4", "--families", "command_injection",
        "--dialogues", "14", "--documents", "0", "--numbers", "0", "--arithmetic", "0",
        "--backend", "openai", "--model", "test-model", "--base-url", base_url,
        "--generators", "dialogues", "-q",
    ]  # fmt: skip
    proc = subprocess.Popen(
        command, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        out, err = proc.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    return proc.returncode, out, err


@pytest.mark.slow
def test_a_model_dialogue_build_replays_from_its_cache_byte_for_byte(tmp_path: Path) -> None:
    seed = 0  # the build's default seed
    script = DialogueScript(seed)
    cache = tmp_path / "cache"
    with ScriptedServer(script) as server:
        code, out, err = build(tmp_path / "a", cache, server.base_url, SECRET)
    assert code == 0, err
    assert not server.errors and max(server.answered.values()) == 1
    assert re.search(r"reward_hacks: written by test-model at 127\.0\.0\.1: \d+ replies", out)
    bundle = tmp_path / "a" / "em"
    validation = json.loads((bundle / "validation.json").read_text())
    report = validation["generators"]["reward_hacks"]
    expected = expected_outcomes(script.asked, seed)
    unusable = report["candidates"] - len(script.asked)
    assert report["rejected"] == rejections(expected, unusable)
    assert report["accepted"] == 14 and report["stats"]["requests"] == sum(server.answered.values())
    # The code pairs stay the template catalog's: the model wrote only the dialogues.
    assert "model" not in validation["generators"]["code_pairs"]["stats"]
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["config"]["generators"] == ["dialogues"]

    # A rebuild from the cache: nothing listening, no key, the same bytes.
    code, _, err = build(tmp_path / "b", cache, free_url(), None)
    assert code == 0, err
    assert digests(tmp_path / "b" / "em") == digests(bundle)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    assert SECRET not in out + err
