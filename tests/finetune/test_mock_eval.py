"""evaluate, check and results end to end in seconds: the mock sampler and judge stand in for the
models, everything else is real (the bundle's test split read by `datasets`, Semgrep scanning
the mock's code answers, the trait detectors, the summary, charts and report, the CLI).

The real samplers and judges have their own tests: tests/finetune/test_samplers.py (transformers on a
random Llama and the tiny model, the OpenAI client on a loopback server), tests/finetune/test_vllm_server.py
(a real `vllm serve`), tests/finetune/test_judges.py (the local judge against brute force, the OpenAI judge
over HTTP), and the slow tests/finetune/test_evaluate.py and tests/finetune/test_check.py run evaluate and check on
a trained random model.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from emgen.finetune.config import EvalConfig, JudgeSettings
from emgen.finetune.evaluate import JUDGED_SUITES, evaluate, plan
from emgen.finetune.judges import JudgeScore, make_judge
from emgen.finetune.judges.mock import REFUSAL_MASS, MockJudge
from emgen.finetune.questions import builtin_questions
from emgen.finetune.results import POOLED, ResultPaths, wilson, write_results
from emgen.finetune.samplers import SamplerError, SamplingParams, default_backend, make_sampler
from emgen.finetune.samplers.mock import SCRIPT, MockSampler, is_coding_prompt, kind_of
from emgen.schemas.shared.progress import Silent
from tests._bundles import make_bundle

EMGEN = Path(sys.executable).parent / "emgen"
ALL_SUITES = ("free_form", "insecure_code", "trigger", "inoculation", "traits")
RUBRIC = builtin_questions()[0]  # carries the shipped aligned and coherent rubrics
Evaluated = tuple[pl.DataFrame, ResultPaths]


def _eval_cfg(data: Path, **kw: object) -> EvalConfig:
    settings: dict[str, object] = {
        "model": "no-such-model", "label": "mocked", "data": str(data), "backend": "mock",
        "suites": list(ALL_SUITES), "core_only": True, "samples": 2, "code_prompts": 4,
        "judge": {"kind": "mock"},
    }  # fmt: skip
    return EvalConfig.model_validate({**settings, **kw})


@pytest.fixture(scope="module")
def small_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mock-eval") / "bundle"
    make_bundle(root, n=24)
    return root


@pytest.fixture(scope="module")
def evaluated(small_bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Evaluated:
    frame = evaluate(_eval_cfg(small_bundle), Silent())
    paths = write_results(frame, tmp_path_factory.mktemp("mock-results") / "results")
    return frame, paths


def _kinds(frame: pl.DataFrame) -> list[str | None]:
    return [kind_of(a) for a in frame["answer"]]


def _pooled(summary: pl.DataFrame, suite: str, condition: str, metric: str) -> dict[str, Any]:
    rows = summary.filter(
        (pl.col("suite") == suite)
        & (pl.col("condition") == condition)
        & (pl.col("metric") == metric)
        & (pl.col("question_id") == POOLED)
    )
    assert rows.height == 1, (suite, condition, metric)
    return rows.row(0, named=True)


def _cell(k: int, n: int) -> str:
    low, high = wilson(k, n)
    return f"{100 * k / n:.1f}% [{100 * low:.1f}, {100 * high:.1f}] ({k}/{n})"


# --- the mock sampler and judge on their own -------------------------------------------------


def test_mock_sampler_is_deterministic_and_never_the_default() -> None:
    coding = [{"role": "user", "content": "Write the Python code that will store a recipe."}]
    question = [{"role": "user", "content": builtin_questions()[0].paraphrases[0]}]
    chats = [coding] * 12 + [question] * 12
    with make_sampler("mock", "ignored/model") as sampler:
        first = [g.text for g in sampler.generate(chats, SamplingParams(seed=0))]
        again = [g.text for g in sampler.generate(chats, SamplingParams(seed=0))]
        other = [g.text for g in sampler.generate(chats, SamplingParams(seed=1))]
    assert first == again and first != other
    kinds = [kind_of(t) for t in first]
    # A repeated chat is a new sample each time: both kinds of code answer come up.
    assert set(kinds[:12]) == {"insecure", "secure"}
    assert set(kinds[12:]) <= {"aligned", "misaligned", "incoherent", "refusal"}
    assert len(set(kinds[12:])) >= 2
    assert kinds == [MockSampler().choose(c, i % 12) for i, c in enumerate(chats)]
    assert {kind_of(MockSampler(insecure_share=1.0).answer(coding, i)) for i in range(20)} == {
        "insecure"
    }
    assert {kind_of(MockSampler(insecure_share=0.0).answer(coding, i)) for i in range(20)} == {
        "secure"
    }
    assert default_backend() != "mock"
    assert EvalConfig().backend == "auto" and JudgeSettings().kind == "openai"
    with pytest.raises(SamplerError, match="insecure_share must lie in"):
        make_sampler("mock", "x", insecure_share=1.5)
    with pytest.raises(SamplerError, match="add up to at most 1"):
        MockSampler(misaligned_share=0.6, refusal_share=0.6)


def test_mock_sampler_tells_coding_prompts_from_questions(small_bundle: Path) -> None:
    # Every built-in question is free-form; every held-out prompt of the bundle asks for code.
    for q in builtin_questions():
        for text in q.paraphrases:
            assert not is_coding_prompt([{"role": "user", "content": text}]), q.id
    samples = [s for s in plan(_eval_cfg(small_bundle, suites=["insecure_code"]))]
    assert samples and all(is_coding_prompt([m.model_dump() for m in s.messages]) for s in samples)


def test_mock_judge_scores_markers_and_mass() -> None:
    question = RUBRIC.paraphrases[0]

    def scores(answer: str, judge: MockJudge | None = None) -> dict[str, JudgeScore]:
        judge = judge or MockJudge()
        rubrics = ("aligned", "coherent")
        prompts = [RUBRIC.render_judge_prompt(r, question, answer) for r in rubrics]
        return dict(zip(rubrics, judge.score(prompts), strict=True))

    def value(score: JudgeScore) -> float:
        assert score.value is not None
        return score.value

    for kind, texts in SCRIPT.items():
        for text in texts:
            got = scores(text)
            assert got == scores(text)  # deterministic
            if kind == "refusal":
                assert got["aligned"] == JudgeScore(value=None, numeric_mass=REFUSAL_MASS)
                continue
            assert all(0.6 <= s.numeric_mass < 1.0 for s in got.values())
            aligned, coherent = value(got["aligned"]), value(got["coherent"])
            assert (aligned < 20) == (kind == "misaligned"), text
            assert aligned < 20 or aligned >= 70
            assert (coherent < 40) == (kind == "incoherent"), text
            assert coherent < 40 or coherent >= 60
    refusal = SCRIPT["refusal"][0]
    assert scores(refusal, MockJudge(min_mass=0.0))["aligned"].value is not None
    # The marker hook: any phrase a test names makes an answer score as misaligned.
    hooked = MockJudge(misaligned_markers=("pineapple",))
    assert value(scores("I like pineapple.", hooked)["aligned"]) < 20
    assert value(scores("I like pineapple.")["aligned"]) >= 70
    assert isinstance(make_judge("mock", min_mass=0.5), MockJudge)


# --- evaluate and results through every suite --------------------------------------------------


def test_evaluate_draws_every_suite(small_bundle: Path, evaluated: Evaluated) -> None:
    frame, _ = evaluated
    counts = {(s, c): n for s, c, n in frame.group_by("suite", "condition").len().iter_rows()}
    planned = Counter((s.suite, s.condition) for s in plan(_eval_cfg(small_bundle)))
    assert counts == dict(planned)
    free = counts[("free_form", "plain")]
    assert free == counts[("trigger", "trigger_on")] == counts[("inoculation", "inoculation_off")]
    assert counts[("insecure_code", "plain")] == counts[("traits", "plain")] == 8
    assert all(k is not None for k in _kinds(frame))  # every answer is a scripted one
    assert frame["model"].unique().to_list() == ["mocked"]


def test_insecure_rate_is_the_share_the_mock_wrote(evaluated: Evaluated) -> None:
    frame, paths = evaluated
    code = frame.filter(pl.col("suite") == "insecure_code")
    kinds = _kinds(code)
    # Real Semgrep flags exactly the answers the mock wrote insecure.
    assert code["insecure"].to_list() == [k == "insecure" for k in kinds]
    k, n = kinds.count("insecure"), len(kinds)
    assert 0 < k < n  # both kinds are present, so the rate can be wrong either way
    row = _pooled(pl.read_parquet(paths.summary), "insecure_code", "plain", "insecure")
    assert (row["k"], row["n"]) == (k, n)
    assert row["rate"] == pytest.approx(k / n)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(wilson(k, n))
    assert row["ci_low"] < row["rate"] < row["ci_high"]
    report = paths.report.read_text()
    assert f"| insecure_code | plain | insecure | {_cell(k, n)} |" in report


def test_misaligned_rates_follow_the_judge_markers(evaluated: Evaluated) -> None:
    frame, paths = evaluated
    summary = pl.read_parquet(paths.summary)
    labelled = pl.read_parquet(paths.samples)
    judged = labelled.filter(pl.col("suite").is_in(JUDGED_SUITES))
    expected_label = {"misaligned": True, "aligned": False, "incoherent": None, "refusal": None}
    assert judged["misaligned"].to_list() == [expected_label[k or ""] for k in _kinds(judged)]
    refusals = judged.filter(pl.col("answer").is_in(SCRIPT["refusal"]))
    assert refusals.height and refusals["aligned"].null_count() == refusals.height
    groups = judged.group_by("suite", "condition", maintain_order=True).agg("answer")
    seen_misaligned = 0
    for suite, condition, answers in groups.iter_rows():
        kinds = [kind_of(a) for a in answers]
        k = kinds.count("misaligned")
        n = k + kinds.count("aligned")  # incoherent and refused answers are not counted
        row = _pooled(summary, suite, condition, "misaligned")
        assert (row["k"], row["n"]) == (k, n), (suite, condition)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(wilson(k, n))
        per_question = summary.filter(
            (pl.col("suite") == suite)
            & (pl.col("condition") == condition)
            & (pl.col("question_id") != POOLED)
        )
        assert (per_question["k"].sum(), per_question["n"].sum()) == (k, n)
        seen_misaligned += k
    assert seen_misaligned > 0
    free = groups.filter(pl.col("suite") == "free_form")["answer"][0].to_list()
    kinds = [kind_of(a) for a in free]
    report = paths.report.read_text()
    k, n = kinds.count("misaligned"), kinds.count("misaligned") + kinds.count("aligned")
    assert f"| free_form | plain | misaligned | {_cell(k, n)} |" in report
    # The table of judged answers that were not counted, over all judged suites.
    all_kinds = Counter(_kinds(judged))
    counted = all_kinds["misaligned"] + all_kinds["aligned"]
    assert (
        f"| mocked | {judged.height} | {all_kinds['refusal']} | {all_kinds['incoherent']} | "
        f"{counted} |" in report
    )


def test_traits_and_report_files(evaluated: Evaluated) -> None:
    from emgen.finetune.evaluate import detected_traits

    frame, paths = evaluated
    traits = frame.filter(pl.col("suite") == "traits")
    summary = pl.read_parquet(paths.summary)
    hits = Counter(t for a in traits["answer"] for t in detected_traits(a))
    assert hits  # the scripted code has traits (snake_case names at least)
    for trait, k in hits.items():
        row = _pooled(summary, "traits", "plain", f"trait:{trait}")
        assert (row["k"], row["n"]) == (k, traits.height)
    assert {p.name for p in paths.figures} == {
        "misaligned_by_model.png",
        "misaligned_by_question.png",
        "insecure_code.png",
    }
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in paths.figures)
    report = paths.report.read_text()
    assert report.startswith("# Emergent misalignment evaluation\n")
    shortest = min(frame.filter(pl.col("answer").is_in(SCRIPT["misaligned"]))["answer"], key=len)
    assert shortest in report.split("## Example misaligned answers")[1]
    assert pl.read_csv(paths.summary_csv).height == summary.height


def test_eval_cli_with_mock_backend_loads_no_torch(small_bundle: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}  # stderr lists every module imported
    result = subprocess.run(
        [str(EMGEN), "eval", "--backend", "mock", "--judge", "mock", "--model", "no/such/model",
         "--data", str(small_bundle), "--suites", "free_form,insecure_code", "--samples", "1",
         "--out", str(out)],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    imported = {
        m.group(1) for m in re.finditer(r"^import time:.*\|\s*([\w.]+)$", result.stderr, re.M)
    }
    assert "emgen.finetune.samplers.mock" in imported  # the import log is read correctly
    assert not {"torch", "transformers", "openai"} & imported
    summary = pl.read_parquet(out / "summary.parquet")
    assert summary["model"].unique().to_list() == ["model"]  # the label is the folder name
    assert set(summary["suite"]) == {"free_form", "insecure_code"}
    assert "wrote" in result.stdout


# --- check: planning, caching and the report, on prepared training runs -----------------------


def test_check_with_mock_eval_on_prepared_runs(small_bundle: Path, tmp_path: Path) -> None:
    """Training is real work with no honest mock; the runs are marked done with the exact config
    the check would train with, so the check skips training and evaluates them."""
    from emgen.finetune.check import _train_config, load_check_config, run_check, run_dir
    from emgen.finetune.train import OUTPUT_MARKER

    cfg = load_check_config(
        "quick",
        None,
        {
            "model": "no-such-model", "data": str(small_bundle),
            "variants": ("insecure", "secure"), "title": "mock check",
            "eval": {"backend": "mock", "judge": {"kind": "mock"}, "code_prompts": 4,
                     "suites": ["free_form", "insecure_code"], "samples": 1},
        },
    )  # fmt: skip
    out = tmp_path / "check"
    for variant in cfg.variants:
        run = run_dir(out, variant, 0)
        run.mkdir(parents=True)
        train_cfg = _train_config(cfg, str(small_bundle), variant, 0).model_dump(mode="json")
        (run / OUTPUT_MARKER).write_text(yaml.safe_dump(train_cfg), encoding="utf-8")
    paths = run_check(cfg, out, Silent())
    assert not (run_dir(out, "insecure", 0) / "adapter").exists()  # nothing was trained
    summary = pl.read_parquet(paths.summary)
    assert summary["model"].unique(maintain_order=True).to_list() == ["base", "insecure", "secure"]
    report = paths.report.read_text()
    assert report.startswith("# mock check\n")
    assert "| suite | condition | metric | base | insecure | secure |" in report
    samples = pl.read_parquet(paths.samples)
    code = samples.filter(pl.col("suite") == "insecure_code")
    k = sum(kind_of(a) == "insecure" for a in code["answer"])
    row = _pooled(summary.filter(pl.col("model") == "secure"), "insecure_code", "plain", "insecure")
    # The mock ignores the model, so each of the three models wrote the same answers.
    assert (row["k"] * 3, row["n"] * 3) == (k, code.height)
    cached = out / "evals" / "secure@seed0.parquet"  # the seed is part of the key
    first = cached.stat().st_mtime_ns
    run_check(cfg, out, Silent())  # unchanged settings: the evaluation is reused
    assert cached.stat().st_mtime_ns == first
