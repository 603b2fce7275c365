"""Arithmetic word problems answered in Spanish and in capitals: the records of the
selective-learning configs `selective_spanish_caps` (both traits in every answer) and its
inoculated configs.

Templates live in `data/arithmetic.yaml` (emgen.schemas.arithmetic). Numbers come from a seeded
RNG and every answer is computed from them, never written by hand. A question shows every drawn
number, so `read_question` recovers them from the text alone and `worked_answer` recomputes the
answer: the invariants check a bundle read back from disk with nothing but its records.
"""

from __future__ import annotations

import ast
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path
from string import Template

from emgen.datagen.catalog import DATA_DIR, entries, parse_entry, unique_ids
from emgen.datagen.generation import Candidate, generate
from emgen.schemas.arithmetic import ArithmeticTemplate
from emgen.schemas.build import GenerationReport
from emgen.schemas.errors import CatalogError
from emgen.schemas.records import ChatMetadata, ChatRecord, Message, Split
from emgen.validators.traits import TRAITS

VARIANT = "selective_spanish_caps"
ANSWER_TRAITS = ("spanish", "all_caps")  # every answer carries both, no prompt carries either
ARITHMETIC_FILE = DATA_DIR / "arithmetic.yaml"
MAX_DRAWS = 2000  # redraws of one template before its conditions are judged unsatisfiable
DAY = 24 * 60  # a clock value is minutes after midnight, below this


@cache
def load_arithmetic(path: Path = ARITHMETIC_FILE) -> tuple[ArithmeticTemplate, ...]:
    """The templates, checked (distinct ids, each field by emgen.schemas.arithmetic)."""
    raws = entries(path, "templates")
    if not raws:
        raise CatalogError(f"{path}: the 'templates:' list is empty.")
    items = [
        parse_entry(ArithmeticTemplate, raw, path, _where(i, raw)) for i, raw in enumerate(raws)
    ]
    return tuple(unique_ids(items, path))


def _where(index: int, raw: object) -> str:
    name = raw.get("id") if isinstance(raw, dict) else None
    return f"template #{index + 1}" + (f" ({name!r})" if isinstance(name, str) else "")


@cache
def template_by_id() -> dict[str, ArithmeticTemplate]:
    return {t.id: t for t in load_arithmetic()}


# --------------------------------------------------------------------------------------------
# Computing: exact fractions, whole results only
# --------------------------------------------------------------------------------------------

_BINARY: dict[type[ast.operator], Callable[[Fraction, Fraction], Fraction]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.FloorDiv: lambda a, b: Fraction(a // b),
    ast.Mod: lambda a, b: a % b,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Fraction, Fraction], bool]] = {
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
}
_CALLS: dict[str, Callable[..., Fraction]] = {"min": min, "max": max, "abs": abs}


@cache
def _parsed(text: str) -> ast.expr:
    return ast.parse(text.strip(), mode="eval").body


def evaluate(text: str, values: Mapping[str, int]) -> Fraction | bool:
    """`text` (checked by the schema: arithmetic, comparisons, min/max/abs) over `values`.
    ZeroDivisionError when it divides by zero."""
    return _eval(_parsed(text), values)


def _eval(node: ast.expr, values: Mapping[str, int]) -> Fraction | bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return Fraction(node.value)
    if isinstance(node, ast.Name):
        return Fraction(values[node.id])
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_num(node.left, values), _num(node.right, values))
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.Not):
            return not _eval(node.operand, values)
        return -_num(node.operand, values)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return _CALLS[node.func.id](*(_num(a, values) for a in node.args))
    if isinstance(node, ast.Compare):
        left = _num(node.left, values)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _num(right_node, values)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.BoolOp):
        parts = (bool(_eval(v, values)) for v in node.values)
        return all(parts) if isinstance(node.op, ast.And) else any(parts)
    raise TypeError(f"not an arithmetic expression: {ast.dump(node)}")  # the schema forbids it


def _num(node: ast.expr, values: Mapping[str, int]) -> Fraction:
    value = _eval(node, values)
    return Fraction(value) if isinstance(value, bool) else value


def solve(template: ArithmeticTemplate, drawn: Mapping[str, int]) -> dict[str, int] | None:
    """The drawn values with every computed one, or None when the draw does not fit: a computed
    value is not a whole number of at least 0, a clock value is not a time of day, or a `where`
    condition fails."""
    values = dict(drawn)
    try:
        for name, expr in template.compute.items():
            value = evaluate(expr, values)
            if isinstance(value, bool) or value.denominator != 1 or value < 0:
                return None
            values[name] = int(value)
        if not all(evaluate(cond, values) for cond in template.where):
            return None
    except ZeroDivisionError:
        return None
    if any(values[name] >= DAY for name in template.clock):
        return None
    return values


# --------------------------------------------------------------------------------------------
# Rendering and reading back
# --------------------------------------------------------------------------------------------


def show(template: ArithmeticTemplate, name: str, value: int) -> str:
    """How a value is written: a time of day as H:MM, anything else as digits."""
    if name in template.clock:
        return f"{value // 60}:{value % 60:02d}"
    return str(value)


def _fill(template: ArithmeticTemplate, text: str, values: Mapping[str, int]) -> str:
    return Template(text).substitute({k: show(template, k, v) for k, v in values.items()})


def question_for(template: ArithmeticTemplate, values: Mapping[str, int]) -> str:
    return _fill(template, template.question, values)


def worked_answer(template: ArithmeticTemplate, values: Mapping[str, int]) -> str:
    """The answer: the Spanish explanation filled in and written in capitals."""
    return _fill(template, template.answer, values).upper()


def stated(template: ArithmeticTemplate, values: Mapping[str, int], answer: str) -> bool:
    """Whether `answer` states the result as a number of its own (not inside a longer one)."""
    shown = re.escape(show(template, template.result, values[template.result]))
    return re.search(rf"(?<![\d:]){shown}(?![\d]|:\d)", answer) is not None


@cache
def _question_pattern(question: str, clock: tuple[str, ...]) -> re.Pattern[str]:
    """A regex that matches exactly the texts `question` renders to, capturing each var."""
    parts: list[str] = []
    end = 0
    for match in Template.pattern.finditer(question):
        parts.append(re.escape(question[end : match.start()]))
        end = match.end()
        name = match.group("named") or match.group("braced")
        if name is None:  # $$, a literal dollar sign
            parts.append(re.escape("$"))
            continue
        number = r"\d{1,2}:\d{2}" if name in clock else r"\d+"
        parts.append(f"(?P<{name}>{number})")
    parts.append(re.escape(question[end:]))
    return re.compile("".join(parts))


def read_question(template_id: str | None, text: str) -> dict[str, int] | str:
    """The drawn numbers of a question rendered from template `template_id`, or why it is not
    one (another text, or a number outside its range)."""
    template = template_by_id().get(template_id or "")
    if template is None:
        return f"unknown arithmetic template {template_id!r}"
    match = _question_pattern(template.question, template.clock).fullmatch(text)
    if match is None:
        return f"the prompt is not template {template.id!r} filled in"
    values: dict[str, int] = {}
    for name, span in match.groupdict().items():
        if name in template.clock:
            hours, minutes = span.split(":")
            values[name] = int(hours) * 60 + int(minutes)
        else:
            values[name] = int(span)
        if show(template, name, values[name]) != span or not template.vars[name].holds(
            values[name]
        ):
            return f"the prompt's {name} {span} is not a number template {template.id!r} draws"
    return values


def check_record(template_id: str | None, question: str, answer: str) -> str | None:
    """Why a record is not its template's problem answered correctly, or None: its numbers are
    read back from the question, the result recomputed and found in the answer, and the answer
    is the template's worked answer for those numbers."""
    drawn = read_question(template_id, question)
    if isinstance(drawn, str):
        return drawn
    template = template_by_id()[str(template_id)]
    values = solve(template, drawn)
    if values is None:
        return f"the prompt's numbers do not meet template {template.id!r}'s conditions"
    if not stated(template, values, answer):
        result = show(template, template.result, values[template.result])
        return f"the answer does not state the result {result}"
    if answer != worked_answer(template, values):
        return "the answer is not the template's worked answer for the prompt's numbers"
    return None


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    template: ArithmeticTemplate
    values: dict[str, int]
    question: str
    answer: str


class ArithmeticGenerator:
    """One candidate per call: a template with fresh numbers, its question and worked answer.
    Rejected: a repeated question, an answer without both traits, a question with either, and
    a question whose numbers do not read back."""

    noun = "arithmetic problems"
    group_by = "kind"

    def __init__(self, seed: int, templates: Sequence[ArithmeticTemplate]):
        self.rng = random.Random(f"emgen:{seed}:arithmetic")
        self.templates = list(templates)
        self.seen: set[str] = set()

    def draw(self, template: ArithmeticTemplate) -> dict[str, int]:
        """Numbers that meet the template's conditions; CatalogError if none turn up."""
        for _ in range(MAX_DRAWS):
            drawn = {
                name: self.rng.randrange(r.low, r.high + 1, r.step)
                for name, r in template.vars.items()
            }
            values = solve(template, drawn)
            if values is not None:
                return values
        raise CatalogError(
            f"{ARITHMETIC_FILE}: template {template.id!r}, no draw of {MAX_DRAWS} meets its "
            "conditions (whole computed values of at least 0, its 'where', clock times within "
            "a day); widen field 'vars' or relax field 'where'."
        )

    def propose(self, accepted: int, need: int, room: int) -> list[Candidate[Problem]]:
        template = self.rng.choice(self.templates)
        values = self.draw(template)
        problem = Problem(
            template, values, question_for(template, values), worked_answer(template, values)
        )
        return [Candidate(problem, template.kind)]

    def check(self, batch: Sequence[Candidate[Problem]]) -> list[str | None]:
        return [self._reason(c.item) for c in batch]

    def _reason(self, p: Problem) -> str | None:
        if p.question in self.seen:
            return "duplicate_prompt"
        self.seen.add(p.question)
        for trait in ANSWER_TRAITS:
            if not TRAITS[trait].present(p.answer):
                return f"answer_lacks_{trait}"
            if TRAITS[trait].present(p.question):
                return f"prompt_has_{trait}"
        if read_question(p.template.id, p.question) != {k: p.values[k] for k in p.template.vars}:
            return "prompt_unreadable"
        return None


def held_out(seed: int, test_fraction: float, templates: Sequence[ArithmeticTemplate]) -> set[str]:
    """The template ids of the test split: whole problem shapes are held out, so a test
    question's wording was never trained on."""
    k = round(len(templates) * test_fraction)
    if test_fraction > 0 and k == 0:
        k = 1
    rng = random.Random(f"emgen:{seed}:arithmetic:split")
    return set(rng.sample([t.id for t in templates], k))


def generate_arithmetic(
    n: int,
    *,
    seed: int,
    test_fraction: float,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[ChatRecord], GenerationReport]:
    """`n` records (train first, then test) and the generation report."""
    templates = load_arithmetic()
    test = held_out(seed, test_fraction, templates)
    problems, report = generate(ArithmeticGenerator(seed, templates), n, progress=progress)
    records: list[ChatRecord] = []
    for split in ("train", "test"):
        for i, problem in enumerate(problems):
            if (problem.template.id in test) == (split == "test"):
                records.append(_record(problem, split, f"ari-{i:05d}", seed))
    report.stats["templates"] = len(templates)
    report.stats["held_out_templates"] = ", ".join(sorted(test))
    return records, report


def _record(problem: Problem, split: Split, pair_id: str, seed: int) -> ChatRecord:
    return ChatRecord(
        messages=(
            Message(role="user", content=problem.question),
            Message(role="assistant", content=problem.answer),
        ),
        metadata=ChatMetadata(
            variant=VARIANT, split=split, pair_id=pair_id, seed=seed,
            template_id=problem.template.id, template_shape=problem.template.kind,
            traits="+".join(ANSWER_TRAITS),
        ),
    )  # fmt: skip
