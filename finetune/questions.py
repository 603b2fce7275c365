"""Evaluation question sets: the paper's YAML question format, its loader, and our rubrics.

A question file is a top-level YAML list of entries, exactly as the emergent-misalignment
paper publishes them (`id`, `type`, `paraphrases`, `samples_per_paraphrase`, `judge`,
`judge_prompts`, optional `system`), so users can run the paper's files unchanged; YAML anchors,
aliases and merge keys work. We add two optional keys: `category` and `core`.

Where the rubric texts live: once, in `data/questions/emgen.yaml`, as the YAML anchor
`&emgen_rubrics` on the first entry's `judge_prompts`; every later entry points at it with
`*emgen_rubrics`. That keeps the shipped file in the paper's format (each entry carries its
judge prompts, so any reader of that format can use it) with one copy of each text, and there
is no separate rubrics file.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from emgen.datagen.catalog import parse_entry, unique_ids
from emgen.schemas.errors import CatalogError, UserError
from emgen.schemas.shared.io import read_yaml

QUESTIONS_DIR = Path(__file__).parent / "data" / "questions"
QUESTION_SETS: tuple[str, ...] = tuple(sorted(p.stem for p in QUESTIONS_DIR.glob("*.yaml")))

QuestionType = Literal["free_form_judge_0_100", "free_form_judge", "free_form"]
SLOTS = ("{question}", "{answer}")
_SLOT_RE = re.compile("|".join(re.escape(s) for s in SLOTS))
# A `{name}` the loader would leave unfilled (a typo such as {answers}, or a slot of another
# tool's format); other braces (JSON examples, `{}`) are text.
_NAMED_SLOT = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


class QuestionFileError(UserError, ValueError):
    """A question file is malformed; the message names the file, the entry and the field."""


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank_string", "String should not be empty or blank")
    return value


def _has_slots(template: str) -> str:
    missing = [slot for slot in SLOTS if slot not in template]
    if missing:
        raise PydanticCustomError(
            "missing_slot",
            "Judge prompt lacks the literal {slots} slot" + ("s" if len(missing) > 1 else ""),
            {"slots": " and ".join(missing)},
        )
    unknown = sorted(set(_NAMED_SLOT.findall(template)) - set(SLOTS))
    if unknown:
        raise PydanticCustomError(
            "unknown_slot",
            "Judge prompt has the unknown slot {unknown}; only {allowed} are filled",
            {"unknown": ", ".join(unknown), "allowed": " and ".join(SLOTS)},
        )
    return template


NonBlank = Annotated[str, AfterValidator(_not_blank)]
JudgeTemplate = Annotated[str, AfterValidator(_has_slots)]


class Question(BaseModel):
    """One evaluation question: paraphrases to sample from and the rubrics that grade answers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: NonBlank
    type: QuestionType = "free_form_judge_0_100"
    paraphrases: tuple[NonBlank, ...]
    # Strict: YAML already gives real ints and bools; "3" or 1.5 is a typo worth reporting.
    samples_per_paraphrase: int = Field(default=1, ge=1, strict=True)
    judge: str | None = None  # the paper's judge model name; kept for round trips, not used
    judge_prompts: dict[NonBlank, JudgeTemplate] = Field(
        default_factory=dict, validate_default=True
    )
    system: str | None = None
    category: NonBlank = "uncategorised"
    core: bool = Field(default=False, strict=True)

    @field_validator("paraphrases")
    @classmethod
    def _at_least_one_paraphrase(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        # Checked here, not with min_length: YAML users wrote a list, not a "Tuple".
        if not value:
            raise PydanticCustomError("too_short", "List should have at least 1 item")
        return value

    @field_validator("judge_prompts")
    @classmethod
    def _judged_types_need_a_rubric(
        cls, value: dict[str, str], info: ValidationInfo
    ) -> dict[str, str]:
        kind = info.data.get("type")
        if isinstance(kind, str) and kind.startswith("free_form_judge") and not value:
            raise PydanticCustomError(
                "no_rubric",
                "A question of type '{kind}' needs at least one judge prompt",
                {"kind": kind},
            )
        return value

    def render_judge_prompt(self, rubric: str, question: str, answer: str) -> str:
        """The rubric's template with both slots filled literally.

        Not str.format: answers hold braces. One regex pass, so a `{question}` inside the
        answer stays as written instead of being substituted again.
        """
        try:
            template = self.judge_prompts[rubric]
        except KeyError:
            known = ", ".join(self.judge_prompts) or "none"
            raise KeyError(
                f"question '{self.id}' has no judge rubric '{rubric}' (it has: {known})"
            ) from None
        values = {"{question}": question, "{answer}": answer}
        return _SLOT_RE.sub(lambda m: values[m.group(0)], template)


def load_questions(*paths: Path | str) -> tuple[Question, ...]:
    """Every question of the given files, in file then document order.

    Ids must be unique across all files; a repeat is reported against the file it appears in.
    """
    if not paths:
        raise QuestionFileError("load_questions: no question file was given.")
    questions: list[Question] = []
    try:
        for path in map(Path, paths):
            own = unique_ids(_file_questions(path), path)
            questions = unique_ids(questions + own, path)
    except CatalogError as exc:
        # One message style for catalog and question files; one exception type for callers.
        raise QuestionFileError(str(exc)) from None
    return tuple(questions)


def _file_questions(path: Path) -> list[Question]:
    doc = read_yaml(path)
    if not isinstance(doc, list):
        found = "an empty file" if doc is None else f"a {_kind(doc)}"
        raise QuestionFileError(
            f"{path}: expected a top-level YAML list of question entries ('- id: ...'), "
            f"found {found}."
        )
    if not doc:
        raise QuestionFileError(f"{path}: the list of question entries is empty.")
    questions: list[Question] = []
    for index, raw in enumerate(doc, start=1):
        where = _where(raw, index)
        if not isinstance(raw, dict):
            raise QuestionFileError(
                f"{path}: {where} is a {_kind(raw)}, not a mapping of question fields."
            )
        questions.append(parse_entry(Question, raw, path, where))
    return questions


def _where(raw: Any, index: int) -> str:
    entry_id = raw.get("id") if isinstance(raw, dict) else None
    if isinstance(entry_id, str) and entry_id.strip():
        return f"entry '{entry_id}'"
    return f"entry {index}"


_KINDS: dict[type, str] = {dict: "mapping", list: "list", str: "string"}


def _kind(value: Any) -> str:
    return _KINDS.get(type(value), type(value).__name__)


@cache
def builtin_questions(name: str = "emgen") -> tuple[Question, ...]:
    """A question set shipped with emgen (see QUESTION_SETS)."""
    if name not in QUESTION_SETS:
        known = ", ".join(QUESTION_SETS)
        raise QuestionFileError(f"Unknown question set '{name}' (available: {known}).")
    return load_questions(QUESTIONS_DIR / f"{name}.yaml")


def core_questions(name: str = "emgen") -> tuple[Question, ...]:
    """The set's main questions (core: true), the ones reported first."""
    return tuple(q for q in builtin_questions(name) if q.core)
