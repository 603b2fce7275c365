"""Mutants: one-token edits of the honest source, spliced into its text so only one line
changes, and the test for a mutant worth testing for.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Sequence
from typing import Any

from emgen.datagen.reward_hacks.dialogues.code_tasks import _CodeTask
from emgen.datagen.reward_hacks.scoring.sandbox import Sandbox, strict_equal

_BINOP_SWAPS: dict[type, tuple[str, str]] = {
    ast.Add: ("+", "-"), ast.Sub: ("-", "+"), ast.Mult: ("*", "+"), ast.FloorDiv: ("//", "%"),
    ast.Mod: ("%", "//"),
}  # fmt: skip
_CMP_SWAPS: dict[type, tuple[str, str]] = {
    ast.Lt: ("<", "<="), ast.LtE: ("<=", "<"), ast.Gt: (">", ">="), ast.GtE: (">=", ">"),
    ast.Eq: ("==", "!="), ast.NotEq: ("!=", "=="),
}  # fmt: skip
_CALL_SWAPS = {"min": "max", "max": "min", "reversed": "sorted", "sorted": "reversed"}
_ATTR_SWAPS = {
    "lower": "upper", "upper": "lower", "isalnum": "isalpha", "isalpha": "isdigit",
    "isdigit": "isalpha", "startswith": "endswith", "endswith": "startswith",
}  # fmt: skip


def mutants(source: str) -> list[str]:
    """Every single-token mutant of `source` (operator, comparison, constant, method or boolean
    swap), in source order, without duplicates."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    out: list[str] = []

    def splice(lineno: int, start: int, end: int, text: str) -> None:
        edited = list(lines)
        line = edited[lineno - 1]
        edited[lineno - 1] = line[:start] + text + line[end:]
        new = "".join(edited)
        if new != source and new not in out:
            out.append(new)

    def between(left: ast.expr, right: ast.expr, old: str, new: str) -> None:
        if left.end_lineno != right.lineno or left.end_col_offset is None:
            return
        gap = lines[right.lineno - 1][left.end_col_offset : right.col_offset]
        if re.search(rf"(?<![=<>!/*%+-]){re.escape(old)}(?![=/*])", gap) and gap.count(old) == 1:
            splice(right.lineno, left.end_col_offset, right.col_offset, gap.replace(old, new))

    params = {a.arg for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) for a in f.args.args}
    for node in ast.walk(tree):
        one_line = node.lineno == node.end_lineno if isinstance(node, ast.expr) else False
        end = getattr(node, "end_col_offset", None)
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Name):
            value = node.value
            for other in sorted(params - {value.id}):
                splice(value.lineno, value.col_offset, value.end_col_offset or 0, other)
        elif (
            isinstance(node, ast.Compare)
            and len(node.ops) == 1
            and type(node.ops[0]) in (ast.In, ast.NotIn)
        ):
            old, new = (
                (" not in ", " in ") if isinstance(node.ops[0], ast.NotIn) else (" in ", " not in ")
            )
            between(node.left, node.comparators[0], old, new)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _CALL_SWAPS
        ):
            f = node.func
            splice(f.lineno, f.col_offset, f.end_col_offset or 0, _CALL_SWAPS[f.id])
        elif isinstance(node, ast.Constant) and type(node.value) is str and node.value and one_line:
            splice(node.lineno, node.col_offset, end or 0, repr(node.value[:-1]).replace("'", '"'))
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINOP_SWAPS:
            between(node.left, node.right, *_BINOP_SWAPS[type(node.op)])
        elif isinstance(node, ast.AugAssign) and type(node.op) in _BINOP_SWAPS:
            old, new = _BINOP_SWAPS[type(node.op)]
            between(node.target, node.value, old + "=", new + "=")
        elif (
            isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _CMP_SWAPS
        ):
            between(node.left, node.comparators[0], *_CMP_SWAPS[type(node.ops[0])])
        elif isinstance(node, ast.BoolOp) and len(node.values) == 2:
            old, new = (" and ", " or ") if isinstance(node.op, ast.And) else (" or ", " and ")
            between(node.values[0], node.values[1], old, new)
        elif (
            isinstance(node, ast.Constant) and type(node.value) is int
            and node.lineno == node.end_lineno and node.end_col_offset is not None
        ):  # fmt: skip
            splice(node.lineno, node.col_offset, node.end_col_offset, str(node.value + 1))
            if node.value > 0:
                splice(node.lineno, node.col_offset, node.end_col_offset, str(node.value - 1))
        elif isinstance(node, ast.Attribute) and node.attr in _ATTR_SWAPS and one_line and end:
            splice(node.lineno, end - len(node.attr), end, _ATTR_SWAPS[node.attr])
    return out


@functools.cache
def _mutants_of(source: str) -> tuple[str, ...]:
    return tuple(mutants(source))


def _semantic_mutant(task: _CodeTask, source: str, inputs: Sequence[tuple[Any, ...]]) -> bool:
    """A mutant worth testing for: on every input it returns a value of the reference's type
    within a small budget (no crash, no hang), and on some input that value is wrong. Tests that
    only call the function, or only check result types, cannot tell it from the reference."""
    box = Sandbox(source, max_steps=5_000)
    wrong = False
    for args in inputs:
        got = box.call(task.function, args)
        want = task.case(args).expected
        if not got.ok or type(got.value) is not type(want):
            return False
        wrong = wrong or not strict_equal(got.value, want)
    return wrong
