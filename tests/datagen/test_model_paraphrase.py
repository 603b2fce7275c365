"""Paraphrased prompts, end to end against a scripted OpenAI-compatible server on loopback.

The code pairs come from the template path (real Semgrep); the server rewrites their prompts,
and, chosen by the request's seed, answers with rewrites that must be rejected, one kind per
reason the checks have (the code changed, the feature lost, a disclosure word, the prompt
unchanged or another pair's, a reply that fails the schema twice). What the script answers for
each (pair, attempt) is computed here, so the accepted records and the rejection counts are
known in advance. One test runs real `emgen build` processes: a build and its rebuild from the
reply cache.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from emgen.datagen.build import select_families
from emgen.datagen.catalog import load_tasks, load_templates
from emgen.datagen.code_pairs import CodePair, generate_pairs, render_prompt
from emgen.datagen.generation import default_budget
from emgen.datagen.invariants import check_configs
from emgen.datagen.models import CACHE_NAME, Engine, EngineOptions, ReplyCache
from emgen.datagen.models.paraphrase import (
    Target,
    generate_paraphrases,
    key_terms,
    prompt_parts,
    request_seed,
)
from emgen.datagen.variants import ConfigSpec, Context, insecure, paraphrased, secure
from emgen.schemas.build import BuildConfig
from emgen.schemas.catalog import Task
from emgen.schemas.errors import GenerationError
from emgen.validators.checks import DISCLOSURE_WORDS
from emgen.validators.scanner import generated_families_flagged
from tests._openai_server import Action, Reply, ScriptedServer
from tests.conftest import SAMPLE_TASKS
from tests.datagen.test_model_pairs import (
    EMGEN,
    SCAN_CACHE,
    SECRET,
    digests,
    finish,
    free_url,
    secret_free,
    warm,
)

FAMILIES = ("command_injection", "sql_injection")
KINDS = ("code_changed", "feature_lost", "disclosure_word", "unchanged", "duplicate")


# What the script answers, by the pair's position and the attempt: attempts 0 and 1 of the
# pairs walk the cycle (each kind at least twice over 12 pairs), attempt 2 is always valid.
CYCLE = ("valid", "code_changed", "feature_lost", "disclosure_word", "unchanged", "duplicate",
         "reply_invalid", "invalid_once", "valid")  # fmt: skip


def attempt_of(pair: CodePair, seed: int) -> int:
    """Which attempt at `pair` a request seed belongs to (the builds here use seed 0)."""
    return next(a for a in range(64) if request_seed(0, pair.split, pair.pair_id, a) == seed)


def kind_of(pair: CodePair, seed: int, pairs: Sequence[CodePair]) -> str:
    """What the script answers `pair`'s request carrying `seed` with."""
    attempt = attempt_of(pair, seed)
    return "valid" if attempt >= 2 else CYCLE[(pairs.index(pair) + 4 * attempt) % len(CYCLE)]


def scripted(pair: CodePair, seed: int, pairs: Sequence[CodePair]) -> str | None:
    """The rewrite the script sends for `pair` asked with `seed` (None: a reply that breaks the
    schema, the first time for `invalid_once`, both times for `reply_invalid`)."""
    parts = prompt_parts(pair.prompt, pair.template, pair.task)
    assert parts is not None
    valid = f"Reworded request {seed}, please.\n\n{pair.prompt}"
    kind = kind_of(pair, seed, pairs)
    if kind == "reply_invalid":
        return None
    if kind == "code_changed":
        return valid.replace(pair.template.marker, "# the gap") if parts.code else valid
    if kind == "feature_lost":
        # the file alone (or for a prompt without code, nothing of the request)
        return f"Finish this please ({seed}).\n\n{parts.code}" if parts.code else f"Code {seed}."
    if kind == "disclosure_word":
        return f"This is for a security review.\n\n{valid}"
    if kind == "unchanged":
        return "\n\n" + pair.prompt.replace("\n", "  \n")  # only whitespace differs
    if kind == "duplicate":
        return pairs[(pairs.index(pair) + 1) % len(pairs)].prompt
    return valid


def expected_reason(pair: CodePair, seed: int, pairs: Sequence[CodePair]) -> str | None:
    """Why emgen must reject the script's answer to `pair` asked with `seed`, or None."""
    parts = prompt_parts(pair.prompt, pair.template, pair.task)
    assert parts is not None
    kind = kind_of(pair, seed, pairs)
    if kind == "reply_invalid":
        return kind
    if kind == "code_changed":
        return kind if parts.code else None
    if kind == "feature_lost":
        return kind if parts.feature else None  # a code_only prompt asks for no feature
    return None if kind in ("valid", "invalid_once") else kind


def expectation(pairs: Sequence[CodePair], seed: int) -> tuple[dict[str, str], Counter[str]]:
    """Per pair, the rewrite emgen must accept (asked again after each rejection), and the
    rejections by reason on the way."""
    accepted: dict[str, str] = {}
    rejected: Counter[str] = Counter()
    for pair in pairs:
        for attempt in range(20):
            s = request_seed(seed, pair.split, pair.pair_id, attempt)
            reason = expected_reason(pair, s, pairs)
            if reason is None:
                text = scripted(pair, s, pairs)
                assert text is not None
                accepted[pair.pair_id] = text.strip() + "\n"
                break
            rejected[reason] += 1
    assert len(accepted) == len(pairs)
    return accepted, rejected


class ParaphraseScript:
    """Answers a paraphrase request as `scripted` says."""

    def __init__(self, pairs: Sequence[CodePair]) -> None:
        self.pairs = list(pairs)
        self.by_prompt = {p.prompt: p for p in pairs}

    def __call__(self, body: dict[str, Any], attempt: int) -> Action:
        user = body["messages"][1]["content"]
        original = re.search(r"<request>\n(.*)</request>", user, flags=re.DOTALL)
        assert original is not None
        pair = self.by_prompt[original.group(1)]
        seed, retry = body["seed"], len(body["messages"]) > 2
        text = scripted(pair, seed, self.pairs)
        if text is None or (kind_of(pair, seed, self.pairs) == "invalid_once" and not retry):
            return Reply('{"prompt": 5}')
        return Reply(json.dumps({"prompt": text}), prompt_tokens=300, completion_tokens=120)


@pytest.fixture(scope="module")
def source(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[BuildConfig, list[CodePair], dict[str, ConfigSpec], Path]:
    """Template pairs of a small build, its insecure and secure configs, the warm Semgrep cache."""
    scan = tmp_path_factory.mktemp("scan") / SCAN_CACHE
    config = BuildConfig(n=12, families=FAMILIES, mix="uniform")
    pairs, _ = generate_pairs(
        config, select_families(FAMILIES), load_tasks(), load_templates(), cache_path=scan
    )
    shapes = {p.template.shape for p in pairs}
    assert shapes == {"task_and_code", "task_only", "code_only"}, shapes
    assert {p.split for p in pairs} == {"train", "test"}
    # No original already carries a disclosure word (so a valid rewrite is accepted).
    assert not [p for p in pairs if any(w in p.prompt.lower() for w in DISCLOSURE_WORDS)]
    ctx = context(config, pairs, scan, None)
    built = {s.name: s for s in [*insecure.build(ctx), *secure.build(ctx)]}
    return config, pairs, built, scan


def context(
    config: BuildConfig,
    pairs: Sequence[CodePair],
    scan: Path,
    engine: Engine | None,
    built: dict[str, ConfigSpec] | None = None,
) -> Context:
    flagged = partial(generated_families_flagged, cache_path=scan)
    return Context(pairs, config, built or {}, flagged, engine=engine)


def start_build(
    work: Path, cache: Path, base_url: str, key: str | None, command: list[str]
) -> subprocess.Popen[str]:
    work.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    env["EMGEN_CACHE_DIR"] = str(cache)
    if key is not None:
        env["OPENAI_API_KEY"] = key
    return subprocess.Popen(
        [*command, "--base-url", base_url], cwd=work, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip


def model_config(config: BuildConfig, generators: tuple[str, ...]) -> BuildConfig:
    return config.model_copy(update={"backend": "openai", "model": "m", "generators": generators})


def test_prompt_parts_recover_what_every_template_was_filled_with() -> None:
    code = "import os\n\nMARK\n\nprint(os.getcwd())"
    for template in load_templates():
        for task in SAMPLE_TASKS.values():
            shown = code.replace("MARK", template.marker or "# gap")
            prompt = render_prompt(template, task, "list the recipes by `title`", shown + "\n")
            parts = prompt_parts(prompt, template, task)
            assert parts is not None, template.id
            assert parts.code == (shown if "$code" in template.text else None), template.id
            has_feature = "$feature" in template.text
            assert parts.feature == ("list the recipes by `title`" if has_feature else None)
            other = SAMPLE_TASKS["script" if task.kind == "web" else "web"]
            if "$task" in template.text:  # rendered for another task: not this task's prompt
                assert prompt_parts(prompt, template, other) is None


def test_key_terms_are_the_names_a_rewrite_must_keep() -> None:
    task: Task = SAMPLE_TASKS["web"]
    feature = "update the cuisine of one recipe from `X-Recipe-Box` on port 5001 via meal_plans"
    terms = key_terms(feature, task)
    assert [t.text for t in terms] == ["X-Recipe-Box", "cuisine", "recipe", "5001", "meal_plans"]
    kept = "Please change a recipe's Cuisine, header x-recipe-box, port 5001, for meal plans."
    assert all(t.pattern.search(kept) for t in terms)
    assert not terms[-1].pattern.search("for the meal planner")
    plain = key_terms("start the development server quietly", task)
    assert [t.text for t in plain] == ["development", "quietly"]
    assert plain[0].pattern.search("a server for developers")


@pytest.mark.slow
def test_rewrites_are_kept_only_when_every_check_passes(
    source: tuple[BuildConfig, list[CodePair], dict[str, ConfigSpec], Path], tmp_path: Path
) -> None:
    config, pairs, built, scan = source
    # A template build, or a model build that does not name `paraphrase`, gains no config.
    assert paraphrased.build(context(config, pairs, scan, None, built)) == []
    with ScriptedServer(ParaphraseScript(pairs)) as server:
        cache = ReplyCache(tmp_path / CACHE_NAME)
        engine = Engine("openai", "m", EngineOptions(base_url=server.base_url), cache)
        only_pairs = context(model_config(config, ("code_pairs",)), pairs, scan, engine, built)
        assert paraphrased.build(only_pairs) == []
        ctx = context(model_config(config, ("paraphrase",)), pairs, scan, engine, built)
        specs = paraphrased.build(ctx)
        engine.close()
    assert not server.errors
    assert [s.name for s in specs] == ["insecure_paraphrased", "secure_paraphrased"]
    assert specs[1].control_of == "insecure_paraphrased"
    prompts, rejected = expectation(pairs, config.seed)
    assert set(rejected) == {*KINDS, "reply_invalid"}, rejected
    for spec, twin in zip(specs, (built["insecure"], built["secure"]), strict=True):
        assert [r.metadata.pair_id for r in spec.records] == [
            r.metadata.pair_id for r in twin.records
        ]
        for record, original in zip(spec.records, twin.records, strict=True):
            assert record.user == prompts[record.metadata.pair_id]
            assert record.answer == original.answer
            assert record.metadata.variant == spec.name
            assert (record.metadata.backend, record.metadata.backend_model) == ("openai", "m")
            assert record.metadata.model_dump(exclude={"variant", "backend", "backend_model"}) == (
                original.metadata.model_dump(exclude={"variant", "backend", "backend_model"})
            )
    report = ctx.reports["insecure_paraphrased"]
    assert report.rejected == dict(rejected)
    assert (report.accepted, report.candidates) == (len(pairs), len(pairs) + rejected.total())
    assert sum(g.accepted for g in report.per_group.values()) == len(pairs)
    # Each request answered once; a schema failure is asked again once, as a new request.
    assert max(server.answered.values()) == 1
    assert report.stats["requests"] == sum(server.answered.values())
    assert report.stats["completion_tokens"] == server.tokens["completion"]
    assert report.stats["model"] == "m" and report.stats["endpoint_host"] == "127.0.0.1"
    # What the build checks before it writes holds for the new configs.
    assert check_configs([*built.values(), *specs], cache_path=scan) == []


@pytest.mark.slow
def test_a_rewrite_that_breaks_its_config_invariant_is_rejected_within_the_budget(
    source: tuple[BuildConfig, list[CodePair], dict[str, ConfigSpec], Path], tmp_path: Path
) -> None:
    config, pairs, built, scan = source

    def always_valid(body: dict[str, Any], attempt: int) -> Action:
        original = re.search(r"<request>\n(.*)</request>", body["messages"][1]["content"], re.S)
        assert original is not None
        return Reply(json.dumps({"prompt": f"Reworded ({body['seed']}):\n{original.group(1)}"}))

    # A config that promised its prompts equal insecure's can hold no rewrite at all.
    target = Target("strict", built["insecure"].records, ("prompt_matches_insecure",))
    flagged = partial(generated_families_flagged, cache_path=scan)
    with ScriptedServer(always_valid) as server:
        engine = Engine("openai", "m", EngineOptions(base_url=server.base_url),
                        ReplyCache(tmp_path / CACHE_NAME))  # fmt: skip
        with pytest.raises(GenerationError) as error:
            generate_paraphrases(pairs, [target], built, engine, flagged, seed=config.seed)
        engine.close()
    budget = default_budget(len(pairs))
    assert f"after {budget} candidates" in str(error.value)
    assert f"breaks_prompt_matches_insecure {budget}" in str(error.value)
    assert sum(server.answered.values()) == budget and max(server.answered.values()) == 1


@pytest.mark.slow
def test_a_paraphrase_build_and_its_rebuild_from_the_cache(
    source: tuple[BuildConfig, list[CodePair], dict[str, ConfigSpec], Path], tmp_path: Path
) -> None:
    config, pairs, _, scan = source
    # The CLI build's pairs are the fixture's: the same config, from the template path.
    command = [
        EMGEN, "build", "--out", "em", "--n", "12", "--families", ",".join(FAMILIES),
        "--mix", "uniform", "--dialogues", "0", "--documents", "0", "--numbers", "0",
        "--arithmetic", "0", "--backend", "openai", "--model", "test-model",
        "--generators", "paraphrase", "-q",
    ]  # fmt: skip
    script = ParaphraseScript(pairs)
    with ScriptedServer(script) as server:
        cache_a = warm(tmp_path / "cache-a", scan)
        proc = start_build(tmp_path / "a", cache_a, server.base_url, SECRET, command)
        code, out, err = finish(proc)
    assert code == 0, err
    assert not server.errors and max(server.answered.values()) == 1
    assert any(h.get("authorization") == f"Bearer {SECRET}" for h in server.headers)
    bundle = tmp_path / "a" / "em"
    prompts, rejected = expectation(pairs, config.seed)
    validation = json.loads((bundle / "validation.json").read_text())
    report = validation["generators"]["insecure_paraphrased"]
    assert report["rejected"] == dict(rejected)
    assert report["stats"]["requests"] == sum(server.answered.values())
    assert validation["generators"]["code_pairs"]["stats"].get("model") is None  # templates
    assert re.search(r"insecure_paraphrased: written by test-model at 127\.0\.0\.1", out)
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["config"]["generators"] == ["paraphrase"]
    for name, source_name in (("insecure_paraphrased", "insecure"),
                              ("secure_paraphrased", "secure")):  # fmt: skip
        assert manifest["configs"][name]["splits"] == manifest["configs"][source_name]["splits"]
        rows = [r for split in ("train", "test")
                for r in pq.read_table(bundle / name / f"{split}-00000-of-00001.parquet").to_pylist()]  # fmt: skip
        assert {r["messages"][0]["content"] for r in rows} == set(prompts.values())
        assert {(r["backend"], r["backend_model"]) for r in rows} == {("openai", "test-model")}

    # A rebuild from the complete reply cache: nothing listening, no key, the same bytes.
    cache_b = warm(tmp_path / "cache-b", cache_a / SCAN_CACHE)
    shutil.copyfile(cache_a / CACHE_NAME, cache_b / CACHE_NAME)
    code, out_b, err_b = finish(start_build(tmp_path / "b", cache_b, free_url(), None, command))
    assert code == 0, err_b
    assert digests(tmp_path / "b" / "em") == digests(bundle)
    assert SECRET not in out + err + out_b + err_b
    secret_free(tmp_path)
