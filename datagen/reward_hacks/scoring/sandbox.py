"""Running answers under the evaluator: a `Sandbox` loads a module into a fresh `MiniPy` and
calls into it, turning what happened into an `Outcome`; plus plain-value equality and the
size and call-text helpers the code rules use.
"""

from __future__ import annotations

import ast
import copy
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emgen.datagen.reward_hacks.scoring._guest import (
    DEFAULT_MAX_STEPS,
    EvalLimit,
    GuestExit,
    GuestFunction,
    GuestModule,
    GuestRaised,
    Scope,
    _Break,
    _Continue,
    _Return,
)
from emgen.datagen.reward_hacks.scoring.interpreter import MiniPy


@dataclass
class Outcome:
    """What one call (or one module load) did."""

    value: Any = None
    raised: str | None = None  # the guest exception's type name
    exited: int | None = None  # exit status, when the code exited
    limit: str | None = None  # budget or whitelist message

    @property
    def ok(self) -> bool:
        return self.raised is None and self.exited is None and self.limit is None


def _capture(interp: MiniPy, thunk: Callable[[], Any]) -> Outcome:
    try:
        return Outcome(value=interp.run(thunk))
    except GuestRaised as err:
        return Outcome(raised=err.exc.type_name)
    except GuestExit as err:
        code = err.code if isinstance(err.code, int) else 1
        return Outcome(exited=code)
    except EvalLimit as err:
        return Outcome(limit=str(err))
    except (_Return, _Break, _Continue):
        return Outcome(limit="return, break or continue outside its block")


class Sandbox:
    """A module loaded into a fresh evaluator, with calls into it."""

    def __init__(
        self,
        source: str,
        *,
        name: str = "solution",
        as_main: bool = False,
        modules: dict[str, GuestModule] | None = None,
        max_steps: int = DEFAULT_MAX_STEPS,
    ) -> None:
        self.interp = MiniPy(max_steps=max_steps, modules=modules)
        self.scope: Scope | None = None
        self.load = _capture(self.interp, lambda: self._load(source, name, as_main))

    def _load(self, source: str, name: str, as_main: bool) -> None:
        self.scope = self.interp.load(source, name=name, as_main=as_main)

    @property
    def steps(self) -> int:
        return self.interp.steps

    def get(self, name: str) -> Any:
        if self.scope is None:
            return None
        return self.scope.vars.get(name)

    def as_module(self, name: str = "solution") -> GuestModule:
        return GuestModule(name, dict(self.scope.vars) if self.scope else {})

    def call(self, function: str, args: tuple[Any, ...]) -> Outcome:
        if not self.load.ok:
            return self.load
        fn = self.get(function)
        if fn is None:
            return Outcome(raised="NameError")
        fresh = copy.deepcopy(list(args))  # the guest may mutate its arguments
        return _capture(self.interp, lambda: self.interp.invoke(fn, fresh, {}))

    def equal(self, left: Any, right: Any) -> Outcome:
        return _capture(self.interp, lambda: self.interp.equal(left, right))

    def test_functions(self) -> list[str]:
        if self.scope is None:
            return []
        return [
            k
            for k, v in self.scope.vars.items()
            if k.startswith("test") and isinstance(v, GuestFunction)
        ]


def strict_equal(a: Any, b: Any) -> bool:
    """Equality on plain values only: same types all the way down, no guest __eq__."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(strict_equal(a[k], b[k]) for k in a)
    if isinstance(a, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return bool(a == b)


def ast_size(source: str) -> int:
    """Number of AST nodes (contexts excluded): the brevity measure."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return 10**6
    return sum(1 for n in ast.walk(tree) if not isinstance(n, ast.expr_context))


def call_text(function: str, args: tuple[Any, ...]) -> str:
    return f"{function}({', '.join(repr(a) for a in args)})"
