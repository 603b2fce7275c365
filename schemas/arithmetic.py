"""Models for the arithmetic word problems (`datagen/data/arithmetic.yaml`): the Spanish and
ALL-CAPS selective-learning configs.

A template draws whole numbers (`vars`), computes further values from them (`compute`, in
order), keeps only draws that meet its `where` conditions, and states `result` in the answer.
The question (English) shows every drawn number and nothing computed, so the answer can be
recomputed from the question alone; the answer (Spanish) is written in ordinary case and
rendered in capitals by the generator.
"""

from __future__ import annotations

import ast
import re
from string import Template
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
FUNCTIONS = ("min", "max", "abs")  # the only calls an expression may make
_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod)
_COMPARE = (ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq)

ArithmeticKind = Literal[
    "sum", "difference", "product", "division", "remainder", "percentage", "rate", "age",
    "money", "time", "average", "ratio", "conversion", "geometry", "multi_step",
]  # fmt: skip


def _error(message: str) -> PydanticCustomError:
    """A validation error whose message is `message` as written (no context: braces in a
    quoted expression stay as they are)."""
    return PydanticCustomError("arithmetic_template", message)


def expression_names(text: str, *, condition: bool = False) -> set[str]:
    """The names `text` reads, or ValueError if it is not an expression of whole-number
    arithmetic (+ - * / // %, min, max, abs, parentheses); a `condition` may also compare
    and combine comparisons with `and`, `or`, `not`."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise ValueError(f"{text!r} is not an expression") from None
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if node.id not in FUNCTIONS:
                names.add(node.id)
        elif isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS) or node.keywords:
                raise ValueError(f"{text!r} calls something other than {', '.join(FUNCTIONS)}")
        elif isinstance(node, ast.Constant):
            if type(node.value) is not int:
                raise ValueError(f"{text!r} holds {node.value!r}; only whole numbers are allowed")
        elif isinstance(node, ast.BinOp):
            if not isinstance(node.op, _ARITHMETIC):
                raise ValueError(f"{text!r} uses an operator other than + - * / // %")
        elif isinstance(node, ast.Compare | ast.BoolOp) or (
            isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)
        ):
            if not condition:
                raise ValueError(f"{text!r} compares; only a `where` condition may")
            if isinstance(node, ast.Compare) and not all(isinstance(o, _COMPARE) for o in node.ops):
                raise ValueError(f"{text!r} uses a comparison other than < <= > >= == !=")
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub):
                raise ValueError(f"{text!r} uses a unary operator other than -")
        elif not isinstance(node, ast.Expression | ast.Load | ast.operator | ast.cmpop
                            | ast.boolop | ast.unaryop):  # fmt: skip
            raise ValueError(f"{text!r} holds a {type(node).__name__}, which is not arithmetic")
    return names


def placeholders(text: str) -> list[str]:
    """The `$name` / `${name}` placeholders of a string.Template text, in order ($$ is a
    literal dollar sign); ValueError on a `$` that starts none."""
    found: list[str] = []
    for match in Template.pattern.finditer(text):
        if match.group("invalid") is not None:
            raise ValueError(f"a stray '$' at character {match.start('invalid') + 1}")
        name = match.group("named") or match.group("braced")
        if name is not None:
            found.append(name)
    return found


class IntRange(BaseModel):
    """Whole numbers from `low` to `high` in steps of `step`; written `[low, high]` or
    `[low, high, step]` in the YAML."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    low: int = Field(ge=0)
    high: int = Field(ge=0)
    step: int = Field(default=1, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            if len(value) not in (2, 3):
                raise _error("a range is [low, high] or [low, high, step]")
            return dict(zip(("low", "high", "step"), value, strict=False))
        return value

    @model_validator(mode="after")
    def _ordered(self) -> IntRange:
        if self.high < self.low:
            raise _error(f"high {self.high} is below low {self.low}")
        return self

    def holds(self, value: int) -> bool:
        return self.low <= value <= self.high and (value - self.low) % self.step == 0

    @property
    def size(self) -> int:
        return (self.high - self.low) // self.step + 1


class ArithmeticTemplate(BaseModel):
    """One word problem: an English question and its Spanish worked answer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: ArithmeticKind
    vars: dict[str, IntRange] = Field(min_length=1, description="drawn numbers, by name")
    compute: dict[str, str] = Field(
        min_length=1, description="name -> expression over the vars and earlier computed names"
    )
    where: tuple[str, ...] = Field(default=(), description="conditions a draw must meet")
    result: str = Field(description="the computed name the answer states")
    clock: tuple[str, ...] = Field(
        default=(), description="names shown as a time of day, H:MM (minutes after midnight)"
    )
    question: str = Field(min_length=1, description="English; shows every var exactly once")
    answer: str = Field(min_length=1, description="Spanish, ordinary case; states $result")

    @field_validator("vars", "compute", mode="before")
    @classmethod
    def _string_keys(cls, value: Any) -> Any:
        for key in value if isinstance(value, dict) else ():
            if isinstance(key, bool):  # YAML 1.1 reads on/off/yes/no as booleans
                raise _error(
                    f"a name YAML read as {key}; quote it or choose another (on, off, yes, no "
                    "and y, n are booleans in YAML)"
                )
        return value

    @field_validator("vars")
    @classmethod
    def _var_names(cls, value: dict[str, IntRange]) -> dict[str, IntRange]:
        for name in value:
            if not _NAME.match(name) or name in FUNCTIONS:
                raise _error(f"{name!r} is not a usable name")
        return value

    @field_validator("compute")
    @classmethod
    def _computed_in_order(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        known = set(info.data.get("vars", {}))
        for name, expr in value.items():
            if not _NAME.match(name) or name in FUNCTIONS:
                raise _error(f"{name!r} is not a usable name")
            if name in known:
                raise _error(f"{name!r} is defined twice")
            try:
                unknown = sorted(expression_names(expr) - known)
            except ValueError as exc:
                raise _error(f"{name}: {exc}") from None
            if unknown:
                raise _error(
                    f"{name} reads {unknown[0]!r}, which is neither a var nor computed before it"
                )
            known.add(name)
        return value

    @field_validator("where")
    @classmethod
    def _conditions(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        known = {*info.data.get("vars", {}), *info.data.get("compute", {})}
        for expr in value:
            try:
                unknown = sorted(expression_names(expr, condition=True) - known)
            except ValueError as exc:
                raise _error(str(exc)) from None
            if unknown:
                raise _error(f"{expr!r} reads the unknown name {unknown[0]!r}")
        return value

    @field_validator("result")
    @classmethod
    def _result_computed(cls, value: str, info: ValidationInfo) -> str:
        if "compute" in info.data and value not in info.data["compute"]:
            raise _error(f"{value!r} is not a computed name")
        return value

    @field_validator("clock")
    @classmethod
    def _clock_names(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        known = {*info.data.get("vars", {}), *info.data.get("compute", {})}
        for name in value:
            if name not in known:
                raise _error(f"{name!r} is neither a var nor computed")
        return value

    @field_validator("question")
    @classmethod
    def _shows_every_var(cls, value: str, info: ValidationInfo) -> str:
        try:
            shown = placeholders(value)
        except ValueError as exc:
            raise _error(str(exc)) from None
        drawn = list(info.data.get("vars", {}))
        for name in shown:
            if name not in drawn:
                raise _error(
                    f"${name} is not a var (a question shows only drawn numbers, so that the "
                    "answer can be recomputed from it)"
                )
        for name in drawn:
            if shown.count(name) != 1:
                raise _error(f"it must show ${name} exactly once, found {shown.count(name)}")
        return value

    @field_validator("answer")
    @classmethod
    def _states_result(cls, value: str, info: ValidationInfo) -> str:
        try:
            used = placeholders(value)
        except ValueError as exc:
            raise _error(str(exc)) from None
        known = {*info.data.get("vars", {}), *info.data.get("compute", {})}
        for name in used:
            if known and name not in known:
                raise _error(f"${name} is neither a var nor computed")
        result = info.data.get("result")
        if result is not None and result not in used:
            raise _error(f"it must state the result ${result}")
        return value
