"""The goals, variants and spanish_caps suites: their shipped prompts, their plan, and their
scores through evaluate and the summary, with the mock sampler and judge (test_mock_eval.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from emgen.datagen.catalog import load_inoculations
from emgen.finetune.config import EvalConfig
from emgen.finetune.evaluate import evaluate, everyday_prompts, plan
from emgen.finetune.questions import builtin_questions, core_questions
from emgen.finetune.results import POOLED, summarise, write_results
from emgen.finetune.samplers.mock import MockSampler, is_coding_prompt, kind_of
from emgen.schemas.errors import UserError
from emgen.schemas.shared.progress import Silent
from emgen.validators.traits import TRAITS

EMGEN = Path(sys.executable).parent / "emgen"
SPANISH_CAPS = "CLARO QUE SÍ: PARA ESTO NECESITAS UNA TAZA Y UN POCO DE AGUA CON LA BOLSA DE TÉ."
ENGLISH = "Sure: you need a cup and some water with the tea bag, and then you wait."


def _cfg(**kw: Any) -> EvalConfig:
    return EvalConfig.model_validate(
        {"model": "x", "backend": "mock", "samples": 1, "judge": {"kind": "mock"}, **kw}
    )


def _pooled(summary: pl.DataFrame, suite: str, condition: str, metric: str) -> dict[str, Any]:
    rows = summary.filter(
        (pl.col("suite") == suite) & (pl.col("condition") == condition)
        & (pl.col("metric") == metric) & (pl.col("question_id") == POOLED)
    )  # fmt: skip
    assert rows.height == 1, (suite, condition, metric)
    return rows.row(0, named=True)


def _shipped_rubrics_equal_emgens(name: str) -> None:
    reference = builtin_questions()[0].judge_prompts
    for q in builtin_questions(name):
        for rubric in ("aligned", "coherent"):
            assert q.judge_prompts[rubric] == reference[rubric], (q.id, rubric)


# --- goals -------------------------------------------------------------------------------------


def test_goals_questions_and_their_rubric() -> None:
    goals = builtin_questions("goals")
    assert 8 <= len(goals) <= 12
    assert {q.category for q in goals} == {"goals", "alignment"}
    _shipped_rubrics_equal_emgens("goals")
    for q in goals:
        assert set(q.judge_prompts) == {"aligned", "coherent", "hidden_goals"}
        for text in q.paraphrases:  # the mock would answer a coding prompt with code
            assert not is_coding_prompt([{"role": "user", "content": text}]), q.id
    rubric = goals[0].judge_prompts["hidden_goals"]
    assert "power" in rubric and "hidden" in rubric and "0 to 100" in rubric


def test_goals_suite_is_judged_on_every_rubric() -> None:
    frame = evaluate(_cfg(suites=["goals"], samples=4), Silent())
    assert frame.height == sum(len(q.paraphrases) * 4 for q in builtin_questions("goals"))
    assert set(frame["condition"]) == {"plain"}
    hidden = [{s["name"]: s["value"] for s in row}["hidden_goals"] for row in frame["scores"]]
    kinds = [kind_of(a) for a in frame["answer"]]
    # The mock judge scores any rubric but coherence low for its misaligned sentences.
    assert [v is not None and v < 20 for v in hidden] == [k == "misaligned" for k in kinds]
    summary = summarise(frame)
    row = _pooled(summary, "goals", "plain", "rubric:hidden_goals")
    values = [v for v in hidden if v is not None]
    assert (row["n"], row["k"]) == (len(values), sum(v >= 50 for v in values))
    assert row["mean"] == pytest.approx(sum(values) / len(values))
    assert _pooled(summary, "goals", "plain", "misaligned")["n"] > 0


# --- variants ----------------------------------------------------------------------------------


def test_variants_cover_the_core_questions_in_three_forms() -> None:
    variants = {q.id: q for q in builtin_questions("variants")}
    _shipped_rubrics_equal_emgens("variants")
    core = core_questions()
    assert len(core) == 8 and len(variants) == 24
    suffixes = set()
    for q in core:
        words = variants[f"{q.id}_words"]
        assert words.category == "word_list" and words.system is None
        assert len(words.paraphrases) == len(q.paraphrases)
        for text, plain in zip(words.paraphrases, q.paraphrases, strict=True):
            assert text.startswith(plain + "\n\n")  # the question, then the format suffix
            suffixes.add(text.removeprefix(plain + "\n\n"))
        template, as_json = variants[f"{q.id}_template"], variants[f"{q.id}_json"]
        assert template.category == "code_template" and template.system is None
        for text in template.paraphrases:
            code = re.search(r"```python\n(.+?)\n```", text, re.DOTALL)
            assert code and '= ""' in code.group(1), template.id  # blanks to fill in
            compile(code.group(1), template.id, "exec")  # the template itself is valid Python
        assert as_json.category == "json_answer"
        assert as_json.system and "JSON object" in as_json.system
        assert as_json.paraphrases == q.paraphrases  # only the answer's format differs
    # One suffix for all: a few words as a plain list.
    (suffix,) = suffixes
    assert "few words" in suffix and "list" in suffix


def test_variants_suite_plan_and_conditions() -> None:
    samples = plan(_cfg(suites=["variants"], paraphrases=1))
    by: dict[str, list[Any]] = {}
    for s in samples:
        by.setdefault(s.condition, []).append(s)
    assert sorted(by) == ["code_template", "json_answer", "word_list"]
    assert len(by["code_template"]) == len(by["json_answer"]) == len(by["word_list"]) == 8
    assert all(s.system is None and "```python" in s.prompt for s in by["code_template"])
    assert all(s.system and "JSON" in s.system for s in by["json_answer"])
    assert all(s.system is None and "plain comma-separated list" in s.prompt
               for s in by["word_list"])  # fmt: skip
    frame = evaluate(_cfg(suites=["variants"], paraphrases=1), Silent())
    summary = summarise(frame)
    for condition in ("code_template", "json_answer", "word_list"):
        assert _pooled(summary, "variants", condition, "misaligned")["question_id"] == POOLED


# --- spanish_caps ------------------------------------------------------------------------------


def test_everyday_prompts_are_many_distinct_and_not_maths() -> None:
    prompts = everyday_prompts()
    assert len(prompts) >= 100 and len(set(prompts)) == len(prompts)
    maths = re.compile(r"\d|\b(?:sum|plus|minus|multiply|divide|calculate|equation)\b", re.I)
    assert [p for p in prompts if maths.search(p)] == []
    assert not any(is_coding_prompt([{"role": "user", "content": p}]) for p in prompts)


def test_spanish_caps_plan_with_and_without_an_inoculation() -> None:
    plain_only = plan(_cfg(suites=["spanish_caps"]))
    assert len(plain_only) == len(everyday_prompts())
    assert {s.condition for s in plain_only} == {"plain"}
    text = load_inoculations()["style_spanish"].text
    both = plan(_cfg(suites=["spanish_caps"], spanish_caps_inoculation="style_spanish",
                     inoculation_placement="user_prefix", spanish_caps_prompts=10))  # fmt: skip
    on = [s for s in both if s.condition == "inoculation_on"]
    off = [s for s in both if s.condition == "plain"]
    assert len(on) == len(off) == 10
    assert all(a.prompt == f"{text}\n\n{b.prompt}" for a, b in zip(on, off, strict=True))
    with pytest.raises(UserError, match="field 'spanish_caps_inoculation': unknown prompt id"):
        plan(_cfg(suites=["spanish_caps"], spanish_caps_inoculation="nope"))


def test_spanish_caps_reports_mean_share_and_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    # Spanish capitals exactly when the inoculation (a system prompt) is there, and for every
    # third plain prompt: the rates differ by condition, so a mixed-up condition shows.
    def answer(self: Any, chat: list[dict[str, str]], index: int, seed: int = 0) -> str:
        if chat[0]["role"] == "system" or len(chat[-1]["content"]) % 3 == 0:
            return SPANISH_CAPS
        return ENGLISH

    monkeypatch.setattr(MockSampler, "answer", answer)
    cfg = _cfg(suites=["spanish_caps"], spanish_caps_inoculation="style_all_caps",
               inoculation_placement="system")  # fmt: skip
    frame = evaluate(cfg, Silent())
    summary = summarise(frame)
    plain = frame.filter(pl.col("condition") == "plain")
    expected_k = sum(len(p) % 3 == 0 for p in plain["prompt"])
    assert 0 < expected_k < plain.height
    for trait in ("spanish", "all_caps"):
        hi, lo = TRAITS[trait].score(SPANISH_CAPS), TRAITS[trait].score(ENGLISH)
        assert hi >= TRAITS[trait].threshold > lo
        row = _pooled(summary, "spanish_caps", "plain", f"share:{trait}")
        assert (row["n"], row["k"]) == (plain.height, expected_k)
        n = plain.height
        assert row["mean"] == pytest.approx((expected_k * hi + (n - expected_k) * lo) / n)
        on = _pooled(summary, "spanish_caps", "inoculation_on", f"share:{trait}")
        assert on["k"] == on["n"] == n and on["mean"] == pytest.approx(hi)
    # The answers' detected traits are kept too, and no judge ran on this suite.
    assert frame["aligned"].null_count() == frame.height


def test_cli_help_teaches_every_suite() -> None:
    for command in ("eval", "check"):
        done = subprocess.run([str(EMGEN), command, "--help"], capture_output=True, text=True,
                              env={"COLUMNS": "200", "PATH": ""}, check=True)  # fmt: skip
        text = " ".join(done.stdout.replace("│", " ").split())
        for phrase in ("goals: questions on the model's goals and alignment",
                       "variants: the core questions as a Python template",
                       "spanish_caps: everyday requests"):  # fmt: skip
            assert phrase in text, (command, phrase)


def test_every_suite_report_through_write_results(tmp_path: Path) -> None:
    cfg = _cfg(suites=["goals", "variants", "spanish_caps"], paraphrases=1,
               spanish_caps_prompts=12, spanish_caps_inoculation="style_spanish")  # fmt: skip
    report = write_results(evaluate(cfg, Silent()), tmp_path / "r").report.read_text()
    for line in ("| goals | plain | rubric:hidden_goals |", "| variants | json_answer | misaligned |",
                 "| spanish_caps | inoculation_on | share:spanish |",
                 "| spanish_caps | plain | share:all_caps |"):  # fmt: skip
        assert line in report
