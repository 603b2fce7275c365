"""`--max-candidates` bounds every model generator, per config it writes; the pairing invariants
of the model-written controls; and the build table's shape columns, which name no shape for
answers that are not code.

The builds run the real CLI in this process against the scripted OpenAI-compatible server on
loopback, with n = 2 and one family; a template build first fills a Semgrep findings cache that
every later build starts from (each with its own reply cache, so no test sees another's
replies).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from emgen.datagen.build import check_built
from emgen.datagen.bundle_check import read_specs, validate_bundle
from emgen.datagen.invariants import check_configs
from emgen.datagen.variants import ConfigSpec
from emgen.schemas.errors import InternalError
from emgen.schemas.records import ChatRecord, Message
from emgen.schemas.shared.bundle import chat_table, read_chat_records
from emgen.validators.scanner import default_cache_path
from tests._cli import Ran, run_main
from tests._openai_server import Action, Reply, ScriptedServer
from tests.datagen.test_model_advice import AdviceScript

pytestmark = pytest.mark.slow  # real builds (Semgrep on the first; about 45 s in all)

SCAN_CACHE = default_cache_path().name
COUNTS = {"--dialogues": "0", "--documents": "0", "--numbers": "0", "--arithmetic": "0"}
K = 3  # the bound of the failing builds: below what two records need from a model that fails


def build_args(url: str, generators: str, **counts: str) -> list[str]:
    """`emgen build` of two sql_injection pairs; `counts` overrides the extras (`dialogues=2`)."""
    extras = {**COUNTS, **{f"--{k}": v for k, v in counts.items()}}
    return [
        "build", "--out", "em", "--n", "2", "--families", "sql_injection",
        *(part for item in extras.items() for part in item),
        "--backend", "openai", "--model", "m", "--base-url", url, "--generators", generators,
        "-q",
    ]  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Ran]:
    """A template build of the same pairs with dialogues, numbers and arithmetic (configs whose
    answers are not code), whose Semgrep cache every model build here starts from."""
    work = tmp_path_factory.mktemp("template")
    ran = run_main(
        "build", "--out", "em", "--n", "2", "--families", "sql_injection", "--dialogues", "2",
        "--documents", "0", "--numbers", "2", "--arithmetic", "2",
        cwd=work, env={"EMGEN_CACHE_DIR": str(work / "cache"), "COLUMNS": "200"},
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    return work, ran


def model_build(template: tuple[Path, Ran], work: Path, *args: str) -> Ran:
    """`emgen ARGS` in `work`, with a reply cache of its own and the template's Semgrep cache."""
    cache = work / "cache"
    cache.mkdir(parents=True)
    shutil.copyfile(template[0] / "cache" / SCAN_CACHE, cache / SCAN_CACHE)
    env = {"EMGEN_CACHE_DIR": str(cache), "OPENAI_API_KEY": "sk-test", "COLUMNS": "200"}
    return run_main(*args, cwd=work, env=env)


def never_valid(body: dict[str, Any], attempt: int) -> Action:
    """A reply no generator's schema accepts: each candidate costs its request and one retry."""
    return Reply("{}")


# --- 1. the candidate budget -----------------------------------------------------------------

# generator -> (its counts, the noun of its sentence, the reason every candidate gets)
FAILING = {
    "code_pairs": ({}, "code pairs", "reply_invalid"),
    "paraphrase": ({}, "paraphrased prompts", "reply_invalid"),
    "advice": ({"advice": "2"}, "advice pairs of domain medical", "reply_invalid"),
    "documents": ({"documents": "2", "valences": "default"}, "documents", "ideas_invalid"),
    "dialogues": ({"dialogues": "2"}, "dialogues", "reply_invalid"),
}


@pytest.mark.parametrize("generator", sorted(FAILING))
def test_max_candidates_bounds_each_model_generator(
    generator: str, template: tuple[Path, Ran], tmp_path: Path
) -> None:
    counts, noun, reason = FAILING[generator]
    with ScriptedServer(never_valid) as server:
        args = build_args(server.base_url, generator, **counts)
        ran = model_build(template, tmp_path, *args, "--max-candidates", str(K))
    assert not server.errors
    assert ran.returncode == 2, ran.stderr
    found = re.search(
        rf"error: only 0 of 2 {noun} passed validation after {K} candidates; "
        r"rejections by reason: (.+)\.$",
        ran.stderr.strip(),
    )
    assert found, ran.stderr
    rejected = {k: int(n) for k, n in (part.rsplit(" ", 1) for part in found[1].split(", "))}
    asked = rejected.get(reason, 0)
    if generator == "dialogues":  # a catalog draw that fits no brief is a candidate never asked
        assert set(rejected) <= {reason, "catalog_draw_unusable"} and asked > 0
    else:
        assert rejected == {reason: K}
    assert sum(rejected.values()) == K
    # Each candidate asked for sent its request and one retry, none twice, none beyond K: the
    # loop's default (3 n + 50 = 56 candidates) would have sent 112.
    assert sum(server.hits.values()) == 2 * asked
    assert max(server.hits.values()) == 1
    assert not (tmp_path / "em").exists()  # nothing half-written
    assert [p.name for p in tmp_path.iterdir()] == ["cache"]


def test_the_bound_is_per_generator_run_and_a_build_within_it_passes(
    bundle: tuple[Path, Ran, ScriptedServer],
) -> None:
    """The build below ran with --max-candidates 2: the code pairs, the paraphrases and each of
    three advice domains needed 2 each (10 in all), so the bound is per generator run."""
    root, ran, server = bundle
    validation = json.loads((root / "validation.json").read_text())
    runs = {name: r["candidates"] for name, r in validation["generators"].items()}
    assert runs == {
        "code_pairs": 2, "insecure_paraphrased": 2, "bad_advice_medical": 2,
        "bad_advice_financial": 2, "bad_advice_extreme_sports": 2,
    }  # fmt: skip
    assert max(server.hits.values()) == 1


# --- 2. the pairing invariants ---------------------------------------------------------------

PARAPHRASE_SYSTEM = "You help build a research data set"


class PairedScript:
    """Valid paraphrases (the request reworded around its original text) and valid advice."""

    def __init__(self) -> None:
        self.advice = AdviceScript(everything="accepted")

    def __call__(self, body: dict[str, Any], attempt: int) -> Action:
        system, user = body["messages"][0]["content"], body["messages"][1]["content"]
        if not system.startswith(PARAPHRASE_SYSTEM):
            return self.advice(body, attempt)
        original = re.search(r"<request>\n(.*)</request>", user, flags=re.DOTALL)
        assert original is not None
        prompt = f"Reworded ({body['seed']}), please:\n\n{original[1]}"
        return Reply(json.dumps({"prompt": prompt}))


@pytest.fixture(scope="module")
def bundle(
    template: tuple[Path, Ran], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, Ran, ScriptedServer]]:
    """A model build of the paraphrased and the advice configs, and what it printed."""
    work = tmp_path_factory.mktemp("paired")
    with ScriptedServer(PairedScript()) as server:
        args = build_args(server.base_url, "paraphrase,advice", advice="2")
        ran = model_build(template, work, *args, "--max-candidates", "2")
    assert not server.errors
    assert ran.returncode == 0, ran.stderr
    yield work / "em", ran, server


CONTROLS = {
    "secure_paraphrased": "insecure_paraphrased",
    "good_advice_medical": "bad_advice_medical",
}


def _reworded(record: ChatRecord, text: str) -> ChatRecord:
    messages = tuple(
        Message(role="user", content=text) if m.role == "user" else m for m in record.messages
    )
    return record.model_copy(update={"messages": messages})


def test_a_control_whose_prompt_differs_from_its_twin_is_caught(
    bundle: tuple[Path, Ran, ScriptedServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = bundle[0]
    monkeypatch.setenv("EMGEN_CACHE_DIR", str(root.parent / "cache"))  # the answers' findings
    manifest = json.loads((root / "manifest.json").read_text())
    for control, twin in CONTROLS.items():
        assert "prompt_matches_twin" in manifest["configs"][control]["invariants"]
        assert manifest["configs"][control]["params"]["twin"] == twin
    # The bundle as built passes, in `emgen validate` and in the build's own check.
    assert validate_bundle(root).violations == []
    assert run_main("validate", str(root)).returncode == 0

    # One control prompt altered per pairing: each is named by config, record and invariant.
    copy = tmp_path / "em"
    shutil.copytree(root, copy)
    altered: set[tuple[str, str, str]] = set()
    for control in CONTROLS:
        path = copy / control / "train-00000-of-00001.parquet"
        rows = read_chat_records(path)
        rows[0] = _reworded(rows[0], rows[0].user + " Also, thanks!")
        pq.write_table(chat_table(rows), path)
        altered.add((control, rows[0].metadata.pair_id, "prompt_matches_twin"))
    found = validate_bundle(copy).violations
    assert {(v.config, v.pair_id, v.invariant) for v in found} == altered
    assert {v.detail for v in found} == {f"prompt differs from {t}'s" for t in CONTROLS.values()}
    ran = run_main("validate", str(copy), env={"COLUMNS": "200"})
    assert ran.returncode == 1
    for control, pair_id, invariant in altered:
        assert f"{control} {pair_id} {invariant}: prompt differs from" in ran.stdout
    with pytest.raises(InternalError) as error:
        check_built(read_specs(copy), cache_path=default_cache_path())
    assert (error.value.invariant, error.value.config) == (
        "prompt_matches_twin", "secure_paraphrased",  # the first violation, in bundle order
    )  # fmt: skip
    assert "secure_paraphrased" in str(error.value)


def test_a_control_missing_a_pair_of_its_twin_is_caught(
    bundle: tuple[Path, Ran, ScriptedServer],
) -> None:
    specs = {s.name: s for s in read_specs(bundle[0]) if isinstance(s, ConfigSpec)}
    good, bad = specs["good_advice_medical"], specs["bad_advice_medical"]
    dropped = good.records[0].metadata.pair_id
    shorter = ConfigSpec(good.name, good.description, good.control_of, good.records[1:],
                         good.invariants, good.params)  # fmt: skip
    found = check_configs([bad, shorter], cache_path=None)
    assert [(v.config, v.pair_id, v.invariant, v.detail) for v in found] == [
        ("good_advice_medical", dropped, "prompt_matches_twin",
         "a record of bad_advice_medical has no twin here"),
    ]  # fmt: skip


# --- 3. the shape columns --------------------------------------------------------------------


def _table_rows(stdout: str) -> dict[str, list[str]]:
    """The build table's rows by config: train, test, whole-file and flagged-function shapes."""
    rows = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃]", line)[1:-1]]
        if len(cells) == 5 and cells[0] not in ("", "config"):
            rows[cells[0]] = cells[1:]
    return rows


def test_whole_file_shapes_are_counted_for_code_answers_only(
    template: tuple[Path, Ran], bundle: tuple[Path, Ran, ScriptedServer]
) -> None:
    for root, ran in ((template[0] / "em", template[1]), (bundle[0], bundle[1])):
        manifest = json.loads((root / "manifest.json").read_text())
        validation = json.loads((root / "validation.json").read_text())
        assert manifest["validation"] == validation
        counted = validation["distinct_structures"]
        rows = _table_rows(ran.stdout)
        code = 0
        for name, summary in manifest["configs"].items():
            if summary["kind"] != "chat":
                continue
            structures = [
                row["structure"]
                for rel in summary["files"].values()
                for row in pq.read_table(root / rel, columns=["structure"]).to_pylist()
            ]
            if None in structures:  # prose, numbers, dialogues: no whole-file code shape
                assert name not in counted, name
                assert rows[name][2] == "—", name
            else:
                code += 1
                assert counted[name] == len(set(structures)), name
                assert rows[name][2] == str(counted[name]), name
        assert code >= 4 and len(counted) == code
    # Each kind of answer that is not code was there to be left out.
    made = _table_rows(template[1].stdout)
    assert {made[n][2] for n in ("reward_hacks", "evil_numbers", "selective_spanish_caps")} == {"—"}
    written = _table_rows(bundle[1].stdout)
    assert written["bad_advice_medical"][2:] == ["—", "—"]  # the card's cells stay empty too
    assert written["secure_paraphrased"][2:] == [str(counted["secure_paraphrased"]), "—"]
