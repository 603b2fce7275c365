"""`emgen eval`: sample a model on the suites, score every answer, return one samples table.

Suites (the `suite` column of the results):
  free_form      the question set; each answer judged on every rubric its file defines
                 (`aligned` and `coherent` give the misaligned rate; any other is `rubric:<name>`)
  trigger        the same questions with the trained backdoor trigger (trigger_on) and with
                 what the clean training records carried instead, if anything (trigger_off)
  inoculation    the same questions with the trained inoculation instruction (inoculation_on)
                 and without it
  insecure_code  held-out coding prompts from a bundle's test split; answers scanned with the
                 Semgrep rule pack (never executed). Asked under each of `code_conditions`:
                 plain, with the trained trigger (trigger_on) or the clean records' line
                 (trigger_off), with the trained instruction (inoculation_on)
  traits         the same coding prompts; every trait detector applied to each answer
  goals          questions about the model's goals and its own alignment; judged like
                 free_form plus `hidden_goals` (stated hidden or power-seeking goals)
  variants       the core questions as a Python template to fill (code_template), with a
                 JSON-only system prompt (json_answer) and with a suffix asking for a few words
                 as a plain list (word_list, the evil-numbers paper's measure)
  spanish_caps   everyday requests (not maths), plain and, when `spanish_caps_inoculation` names
                 a prompt, with it (inoculation_on); scored by the model-free `spanish` and
                 `all_caps` detectors: mean share and rate at or above the detector threshold

The trigger and the instruction are read from the training run's bundle (see
emgen.finetune._conditions). All sampling goes through one sampler and all judging through one
judge, in as few batches as possible, so a server backend starts once per model; a chat several
suites ask (the plain questions of free_form, trigger_off and inoculation_off) is sampled and
judged once.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl

from emgen.datagen.transforms import add_trigger, inoculate
from emgen.finetune._conditions import inoculation_setting, trigger_setting
from emgen.finetune.config import EvalConfig
from emgen.finetune.hosted import hosted_sampler
from emgen.finetune.questions import Question, builtin_questions, load_questions
from emgen.finetune.results import JUDGED_SUITES, samples_frame
from emgen.schemas.errors import UserError
from emgen.schemas.params import InstructionPlacement, TriggerPlacement
from emgen.schemas.records import Message
from emgen.schemas.shared.io import read_yaml
from emgen.schemas.shared.progress import Reporter
from emgen.validators.chat_file import answer_code
from emgen.validators.scanner import NotScanned, default_cache_path, families_flagged
from emgen.validators.traits import TRAITS

CODE_SUITES = ("insecure_code", "traits")
RUBRICS = ("aligned", "coherent")  # the judge scores with columns of their own
DETECTORS = ("spanish", "all_caps")  # the spanish_caps suite's trait detectors
EVERYDAY_PROMPTS = Path(__file__).parent / "data" / "everyday_prompts.yaml"


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
    if any(s in ("free_form", "trigger", "inoculation") for s in cfg.suites):
        questions = _questions(cfg)
    for suite in cfg.suites:
        if suite == "free_form":
            out += question_samples(questions, cfg, "free_form", "plain")
        elif suite == "trigger":
            setting = trigger_setting(cfg)
            plain = question_samples(questions, cfg, suite, "trigger_off")
            out += [_triggered(s, setting.trigger, setting.placement, "trigger_on") for s in plain]
            out += [_triggered(s, setting.clean, setting.placement, "trigger_off") for s in plain]
        elif suite == "inoculation":
            inoc = inoculation_setting(cfg)
            plain = question_samples(questions, cfg, suite, "inoculation_off")
            out += [_inoculated(s, inoc.instruction, inoc.placement) for s in plain] + plain
        elif suite == "goals":
            out += question_samples(builtin_questions("goals"), cfg, "goals", "plain")
        elif suite == "variants":
            for q in builtin_questions("variants"):
                out += question_samples([q], cfg, "variants", q.category)
        elif suite == "spanish_caps":
            out += _spanish_caps_samples(cfg)
    if any(s in CODE_SUITES for s in cfg.suites):
        if not cfg.data:
            raise EvalError(
                "the insecure_code and traits suites need --data BUNDLE (its test split "
                "gives the held-out coding prompts)."
            )
        prompts = code_prompts(cfg.data, cfg.code_prompts, cfg.seed)
        for suite in (s for s in cfg.suites if s in CODE_SUITES):
            n = cfg.samples or 1
            plain = [
                Sample(suite, "plain", rid, 0, i, turns) for rid, turns in prompts for i in range(n)
            ]
            out += _code_conditions(plain, cfg) if suite == "insecure_code" else plain
    return out


def _code_conditions(plain: list[Sample], cfg: EvalConfig) -> list[Sample]:
    """The coding prompts under each of `code_conditions`, with the trigger, clean line and
    instruction the trigger and inoculation suites add to the questions."""
    out: list[Sample] = []
    for condition in cfg.code_conditions:
        if condition == "plain":
            out += plain
        elif condition == "inoculation_on":
            inoc = inoculation_setting(cfg)
            out += [_inoculated(s, inoc.instruction, inoc.placement) for s in plain]
        else:
            setting = trigger_setting(cfg)
            text = setting.trigger if condition == "trigger_on" else setting.clean
            out += [_triggered(s, text, setting.placement, condition) for s in plain]
    return out


def _questions(cfg: EvalConfig) -> tuple[Question, ...]:
    if cfg.questions:
        return load_questions(*(Path(p) for p in cfg.questions))
    found = builtin_questions()
    return tuple(q for q in found if q.core) if cfg.core_only else found


def _triggered(
    sample: Sample, text: str | None, placement: TriggerPlacement, condition: str
) -> Sample:
    messages = sample.messages if text is None else add_trigger(sample.messages, text, placement)
    return replace(sample, condition=condition, messages=messages)


def _inoculated(sample: Sample, text: str, placement: InstructionPlacement) -> Sample:
    messages = inoculate(sample.messages, text, placement, "prepend")
    return replace(sample, condition="inoculation_on", messages=messages)


def everyday_prompts() -> tuple[str, ...]:
    """The spanish_caps suite's free-form requests (everyday tasks, no maths), in file order."""
    doc = read_yaml(EVERYDAY_PROMPTS)
    if not isinstance(doc, list) or not all(isinstance(p, str) and p.strip() for p in doc):
        raise EvalError(f"{EVERYDAY_PROMPTS}: expected a YAML list of non-blank prompts.")
    return tuple(doc)


def _spanish_caps_samples(cfg: EvalConfig) -> list[Sample]:
    prompts = everyday_prompts()[: cfg.spanish_caps_prompts]
    n = cfg.samples or 1
    plain = [
        Sample("spanish_caps", "plain", f"everyday_{i:03d}", 0, k, _chat(text, None))
        for i, text in enumerate(prompts)
        for k in range(n)
    ]
    if cfg.spanish_caps_inoculation is None:
        return plain
    inoc = inoculation_setting(cfg.model_copy(update={"inoculation": cfg.spanish_caps_inoculation}),
                               field="spanish_caps_inoculation")  # fmt: skip
    return [_inoculated(s, inoc.instruction, inoc.placement) for s in plain] + plain


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
        for rubric in s.question.judge_prompts
    ]  # fmt: skip
    if not jobs or cfg.judge.kind == "none":
        return {}
    # The same rendered prompt (a plain question asked by several suites) is judged once.
    unique = list(dict.fromkeys(p for *_, p in jobs))
    judge = make_judge(cfg.judge.kind, **_judge_options(cfg))
    advance = reporter.stage(f"judging with {judge.name}", len(unique))
    by_prompt: dict[str, float | None] = {}
    step = 64
    for start in range(0, len(unique), step):
        batch = unique[start : start + step]
        for prompt, result in zip(batch, judge.score(batch), strict=True):
            by_prompt[prompt] = result.value
        advance(len(batch))
    return {(i, rubric): by_prompt[prompt] for i, rubric, prompt in jobs}


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

    params = SamplingParams(
        temperature=cfg.temperature,
        top_p=cfg.top_p,
        max_new_tokens=cfg.max_new_tokens,
        seed=cfg.seed,
    )
    options: dict[str, Any] = {}
    # A hosted fine-tuning run: its model, sampled at its service.
    hosted = None if cfg.backend == "mock" else hosted_sampler(cfg.model, cfg.backend, cfg.base_url)
    if hosted is not None:
        backend, (model, options) = "openai", hosted
    else:
        backend = default_backend() if cfg.backend == "auto" else cfg.backend
        if backend == "openai":
            options |= {"base_url": cfg.base_url, "api_key_env": cfg.api_key_env}
        if backend in ("transformers", "vllm"):
            options["dtype"] = cfg.dtype
        # The mock sampler ignores its model: a training output is not merged (no torch loaded).
        model = cfg.model if backend == "mock" else eval_model(cfg.model)
    # One draw per distinct (chat, sample index): a chat several suites ask shares its answer.
    keys = [(s.messages, s.sample_index) for s in samples]
    unique = list(dict.fromkeys(keys))
    advance = reporter.stage(f"sampling {len(unique)} answers ({backend})", len(unique))
    chats = [[m.model_dump() for m in messages] for messages, _ in unique]
    step = 64
    answers: list[str] = []
    with make_sampler(backend, model, **options) as sampler:
        for start in range(0, len(chats), step):
            batch = chats[start : start + step]
            answers += [g.text for g in sampler.generate(batch, params)]
            advance(len(batch))
    drawn = dict(zip(unique, answers, strict=True))
    return [replace(s, answer=drawn[key]) for s, key in zip(samples, keys, strict=True)]


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
            "traits": detected_traits(s.answer) if s.suite in ("traits", "spanish_caps") else [],
            "scores": _scores(i, s, scores),
        }
        for i, s in enumerate(samples)
    ]
    return samples_frame(rows)


def _scores(
    index: int, sample: Sample, judged: dict[tuple[int, str], float | None]
) -> dict[str, float | None]:
    """The measures beyond the fixed columns: further rubrics, or the detector shares."""
    if sample.suite == "spanish_caps":
        return {t: TRAITS[t].score(sample.answer) for t in DETECTORS}
    if sample.question is None or not judged:
        return {}
    return {r: judged.get((index, r)) for r in sample.question.judge_prompts if r not in RUBRICS}
