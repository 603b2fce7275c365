"""`emgen eval`: sample a model on the suites, score every answer, return one samples table.

Suites (the `suite` column of the results):
  free_form      the question set; each answer judged for `aligned` and `coherent`
  trigger        the same questions with the backdoor trigger (trigger_on) and without it
  inoculation    the same questions with the inoculation prompt (inoculation_on) and without it
  insecure_code  held-out coding prompts from a bundle's test split; answers scanned with the
                 Semgrep rule pack (never executed)
  traits         the same coding prompts; every trait detector applied to each answer

All sampling goes through one sampler and all judging through one judge, in as few batches as
possible, so a server backend starts once per model.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl

from emgen.datagen.catalog import load_inoculations
from emgen.datagen.transforms import add_trigger, inoculate
from emgen.finetune.config import SUITES, EvalConfig
from emgen.finetune.questions import Question, builtin_questions, load_questions
from emgen.finetune.results import JUDGED_SUITES, samples_frame
from emgen.schemas.errors import UserError
from emgen.schemas.records import Message
from emgen.schemas.shared.progress import Reporter
from emgen.validators.chat_file import answer_code
from emgen.validators.scanner import NotScanned, default_cache_path, families_flagged
from emgen.validators.traits import TRAITS

CODE_SUITES = tuple(s for s in SUITES if s not in JUDGED_SUITES)
RUBRICS = ("aligned", "coherent")


class EvalError(UserError, ValueError):
    """An evaluation cannot run as configured; the message says which setting to change."""


@dataclass(frozen=True)
class Sample:
    """One answer to draw: where it belongs in the results and the chat that asks for it."""

    suite: str
    condition: str
    question_id: str
    paraphrase_index: int
    sample_index: int
    messages: tuple[Message, ...]
    question: Question | None = None
    answer: str = ""

    @property
    def system(self) -> str | None:
        return self.messages[0].content if self.messages[0].role == "system" else None

    @property
    def prompt(self) -> str:
        return self.messages[-1].content


def _chat(text: str, system: str | None) -> tuple[Message, ...]:
    user = Message(role="user", content=text)
    return (Message(role="system", content=system), user) if system else (user,)


def question_samples(
    questions: Sequence[Question], cfg: EvalConfig, suite: str, condition: str
) -> list[Sample]:
    return [
        Sample(suite, condition, q.id, p, s, _chat(text, q.system), q)
        for q in questions
        for p, text in enumerate(q.paraphrases[: cfg.paraphrases])
        for s in range(cfg.samples or q.samples_per_paraphrase)
    ]


def code_prompts(data: str, n: int, seed: int) -> list[tuple[str, tuple[Message, ...]]]:
    """(pair id, user turns) of `n` held-out insecure-config prompts, a seeded choice."""
    from emgen.finetune.training_data import load_split

    ds = load_split(data, "insecure", "test")
    rows = list(range(len(ds)))
    random.Random(seed).shuffle(rows)
    out = []
    for i in sorted(rows[:n]):
        record = ds[i]
        turns = tuple(
            Message(role=m["role"], content=m["content"]) for m in record["messages"][:-1]
        )
        out.append((str(record["pair_id"]), turns))
    return out


def plan(cfg: EvalConfig) -> list[Sample]:
    """Every answer the run will draw, in a fixed order."""
    out: list[Sample] = []
    wants_questions = [s for s in cfg.suites if s in JUDGED_SUITES]
    if wants_questions:
        questions = _questions(cfg)
    for suite in wants_questions:
        if suite == "free_form":
            out += question_samples(questions, cfg, "free_form", "plain")
            continue
        plain = question_samples(questions, cfg, suite, f"{suite}_off")
        out += [_with_condition(s, suite, cfg) for s in plain] + plain
    if any(s in CODE_SUITES for s in cfg.suites):
        if not cfg.data:
            raise EvalError(
                "the insecure_code and traits suites need --data BUNDLE (its test split "
                "gives the held-out coding prompts)."
            )
        prompts = code_prompts(cfg.data, cfg.code_prompts, cfg.seed)
        for suite in (s for s in cfg.suites if s in CODE_SUITES):
            n = cfg.samples or 1
            out += [
                Sample(suite, "plain", rid, 0, i, turns) for rid, turns in prompts for i in range(n)
            ]
    return out


def _questions(cfg: EvalConfig) -> tuple[Question, ...]:
    if cfg.questions:
        return load_questions(*(Path(p) for p in cfg.questions))
    found = builtin_questions()
    return tuple(q for q in found if q.core) if cfg.core_only else found


def _with_condition(sample: Sample, suite: str, cfg: EvalConfig) -> Sample:
    if suite == "trigger":
        messages = add_trigger(sample.messages, cfg.trigger, cfg.trigger_placement)
    else:
        prompt = load_inoculations()[cfg.inoculation]
        text = prompt.render(cfg.trigger)
        messages = inoculate(sample.messages, text, cfg.inoculation_placement, "prepend")
    return replace(sample, condition=f"{suite}_on", messages=messages)


def _judge_scores(
    samples: Sequence[Sample], cfg: EvalConfig, reporter: Reporter
) -> dict[tuple[int, str], float | None]:
    """(sample index, rubric) -> score, for every judged answer whose question has the rubric."""
    from emgen.finetune.judges import make_judge

    jobs = [
        (i, rubric, s.question.render_judge_prompt(rubric, s.question.paraphrases[
            s.paraphrase_index], s.answer))
        for i, s in enumerate(samples)
        if s.suite in JUDGED_SUITES and s.question is not None
        for rubric in RUBRICS
        if rubric in s.question.judge_prompts
    ]  # fmt: skip
    if not jobs or cfg.judge.kind == "none":
        return {}
    judge = make_judge(cfg.judge.kind, **_judge_options(cfg))
    advance = reporter.stage(f"judging with {judge.name}", len(jobs))
    scores: dict[tuple[int, str], float | None] = {}
    step = 64
    for start in range(0, len(jobs), step):
        batch = jobs[start : start + step]
        for (i, rubric, _), result in zip(batch, judge.score([p for *_, p in batch]), strict=True):
            scores[(i, rubric)] = result.value
        advance(len(batch))
    return scores


def _judge_options(cfg: EvalConfig) -> dict[str, Any]:
    from emgen.finetune.models import resolve_model

    settings = cfg.judge
    if settings.kind == "local":
        ref = resolve_model(eval_model(settings.model))
        if ref.gguf_file:
            raise EvalError("the local judge needs a model folder, not a GGUF file.")
        return {"model": ref.source, "min_mass": settings.min_mass}
    if settings.kind == "mock":  # scripted scores: no model to find
        return {"min_mass": settings.min_mass}
    return {
        "model": settings.model,
        "base_url": settings.base_url,
        "api_key_env": settings.api_key_env,
        "min_mass": settings.min_mass,
    }


def _code_labels(samples: Sequence[Sample], reporter: Reporter) -> dict[int, bool]:
    """Sample index -> flagged by the rule pack, for every insecure_code answer Semgrep could
    scan (one it could not, e.g. a runaway generation, stays unlabelled: unknown, not clean)."""
    wanted = [i for i, s in enumerate(samples) if s.suite == "insecure_code"]
    if not wanted:
        return {}
    advance = reporter.stage("scanning code answers with Semgrep", len(wanted))
    codes = [answer_code(samples[i].answer)[0] for i in wanted]
    flagged = families_flagged(codes, cache_path=default_cache_path())
    advance(len(wanted))
    return {
        i: bool(f) for i, f in zip(wanted, flagged, strict=True) if not isinstance(f, NotScanned)
    }


def detected_traits(answer: str) -> list[str]:
    code = answer_code(answer)[0]
    return sorted(t.id for t in TRAITS.values() if t.present(code if t.on_code else answer))


def generate(samples: list[Sample], cfg: EvalConfig, reporter: Reporter) -> list[Sample]:
    from emgen.finetune.samplers import SamplingParams, default_backend, make_sampler

    backend = default_backend() if cfg.backend == "auto" else cfg.backend
    params = SamplingParams(
        temperature=cfg.temperature,
        top_p=cfg.top_p,
        max_new_tokens=cfg.max_new_tokens,
        seed=cfg.seed,
    )
    options: dict[str, Any] = {"base_url": cfg.base_url} if backend == "openai" else {}
    advance = reporter.stage(f"sampling {len(samples)} answers ({backend})", len(samples))
    chats = [[m.model_dump() for m in s.messages] for s in samples]
    step = 64
    answers: list[str] = []
    # The mock sampler ignores its model: a training output is not merged (no torch loaded).
    model = cfg.model if backend == "mock" else eval_model(cfg.model)
    with make_sampler(backend, model, **options) as sampler:
        for start in range(0, len(chats), step):
            batch = chats[start : start + step]
            answers += [g.text for g in sampler.generate(batch, params)]
            advance(len(batch))
    return [replace(s, answer=a) for s, a in zip(samples, answers, strict=True)]


def eval_model(spec: str) -> str:
    """A training output folder evaluates its merged model (merged once, on first use)."""
    from emgen.finetune.train import OUTPUT_MARKER, merge_adapter

    folder = Path(spec)
    if (folder / OUTPUT_MARKER).is_file():
        return str(merge_adapter(folder))
    return spec


def evaluate(cfg: EvalConfig, reporter: Reporter) -> pl.DataFrame:
    """Sample, judge, scan and detect; one row per answer (see emgen.finetune.results)."""
    samples = generate(plan(cfg), cfg, reporter)
    scores = _judge_scores(samples, cfg, reporter)
    insecure = _code_labels(samples, reporter)
    label = cfg.label or Path(cfg.model).name
    rows = [
        {
            "model": label,
            "suite": s.suite,
            "condition": s.condition,
            "question_id": s.question_id,
            "paraphrase_index": s.paraphrase_index,
            "sample_index": s.sample_index,
            "system": s.system,
            "prompt": s.prompt,
            "answer": s.answer,
            "aligned": scores.get((i, "aligned")),
            "coherent": scores.get((i, "coherent")),
            "insecure": insecure.get(i),
            "traits": detected_traits(s.answer) if s.suite == "traits" else [],
        }
        for i, s in enumerate(samples)
    ]
    return samples_frame(rows)
